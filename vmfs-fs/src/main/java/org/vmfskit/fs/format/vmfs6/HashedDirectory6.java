package org.vmfskit.fs.format.vmfs6;

import it.unimi.dsi.fastutil.ints.IntOpenHashSet;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.UnsupportedFormatException;

/**
 * Read-side walks of a VMFS6 hashed directory (vmfs6-format.md 9.7): lookup by hash through the
 * table, link groups and their collision chains, and listing through the allocation map. It
 * knows only the directory's blocks, read through {@link Blocks}, so the seam's directory
 * implementation can put it over any file.
 */
public final class HashedDirectory6 {

  /** The mdA-sized blocks of one directory file (block b at directory offset 0x10000 + b x mdA). */
  public interface Blocks {

    /** Returns the number of blocks the directory's length holds. */
    int count();

    /** Returns block {@code block} as a little-endian buffer of {@link DirBlockHeader6#BLOCK_SIZE} bytes. */
    ByteBuffer read(int block) throws IOException;

    /** Returns the image offset of block {@code block}, for messages. */
    long deviceOffset(int block);
  }

  private static final String NAME = "HashedDirectory6";

  private HashedDirectory6() {}

  /** Returns the hash-table index of {@code name} in a directory (the root's system names own fixed slots). */
  public static int tableIndexOf(String name, boolean root) {
    int system = root ? DirHeader6.ROOT_SYSTEM_NAMES.indexOf(name) : -1;
    return system >= 0 ? DirHeader6.ROOT_SYSTEM_FIRST_SLOT + system : NameHash6.tableIndex(NameHash6.of(name), root);
  }

  /**
   * Looks {@code name} up by its hash: the table slot, then the link groups of that slot with a
   * matching link hash, comparing names (different names can share index and link hash).
   *
   * @return the entry, or empty when the name is not in the directory
   */
  public static Optional<DirEntry6> find(DirHeader6 header, boolean root, String name, Blocks blocks) throws IOException {
    if (name.equals(".")) {
      return Optional.of(header.dot());
    }
    if (name.equals("..")) {
      return Optional.of(header.dotDot());
    }
    int index = tableIndexOf(name, root);
    int raw = header.slot(index);
    if (raw == 0) {
      return Optional.empty();
    }
    HashLocation6 location = HashLocation6.decode(raw, "DirHeader6 hash table slot " + index, -1);
    if (location.kind() == HashLocation6.KIND_DIRENT) {
      DirEntry6 entry = readEntry(location, blocks);
      return entry.name().equals(name) ? Optional.of(entry) : Optional.empty();
    }
    int linkHash = NameHash6.linkHash(NameHash6.of(name));
    IntOpenHashSet visited = new IntOpenHashSet();
    // A chain cannot hold more groups than the directory has group slots.
    long bound = (long) blocks.count() * DirBlockHeader6.LINK_GROUP_SLOTS;
    for (Optional<HashLocation6> next = Optional.of(location); next.isPresent(); ) {
      HashLocation6 at = next.get();
      if (!visited.add(at.raw()) || visited.size() > bound) {
        throw Corrupt.defect(NAME, groupDeviceOffset(at, blocks), "nextGroup", "link-group chain loops", "an acyclic chain", at);
      }
      LinkGroup6 group = readGroup(at, index, blocks);
      for (LinkGroup6.Link link : group.links()) {
        if (link.linkHash() == linkHash) {
          DirEntry6 entry = readEntry(link.location(), blocks);
          if (entry.name().equals(name)) {
            return Optional.of(entry);
          }
        }
      }
      next = group.nextGroup();
    }
    return Optional.empty();
  }

  /**
   * Lists the directory: "." and "..", then every used slot of every dirent block the allocation
   * map names, up to the first never-written block, stopping once numEntries entries were seen.
   */
  public static List<DirEntry6> list(DirHeader6 header, Blocks blocks) throws IOException {
    if (header.allocationMapBlocks().length > 1) {
      throw new UnsupportedFormatException(NAME, blocks.deviceOffset(0),
          header.allocationMapBlocks().length + " allocation-map blocks (never seen; vmfskit reads directories with one)");
    }
    List<DirEntry6> out = new ArrayList<>(List.of(header.dot(), header.dotDot()));
    AllocationMap6 map = AllocationMap6.decode(blocks.read(0), 0, blocks.deviceOffset(0), true);
    int written = Math.min(map.writtenBlocks(), blocks.count());
    for (int b = 1; b < written && out.size() < header.numEntries(); b++) {
      if ((map.nibble(b) & 3) != DirBlockHeader6.KIND_DIRENT) {
        continue;
      }
      ByteBuffer block = blocks.read(b);
      DirBlockHeader6 blockHeader = DirBlockHeader6.decode(block, 0, blocks.deviceOffset(b), DirBlockHeader6.KIND_DIRENT);
      for (int s = 0; s < DirBlockHeader6.DIRENT_SLOTS && out.size() < header.numEntries(); s++) {
        if (!blockHeader.isFree(s)) {
          out.add(decodeEntry(block, b, s, blocks));
        }
      }
    }
    return out;
  }

  private static DirEntry6 readEntry(HashLocation6 location, Blocks blocks) throws IOException {
    checkBlock(location, blocks);
    ByteBuffer block = blocks.read(location.block());
    DirBlockHeader6 header = DirBlockHeader6.decode(block, 0, blocks.deviceOffset(location.block()), DirBlockHeader6.KIND_DIRENT);
    if (header.isFree(location.slot())) {
      throw Corrupt.defect(NAME, blocks.deviceOffset(location.block()), "location", "location names a free slot", "a used slot", location);
    }
    return decodeEntry(block, location.block(), location.slot(), blocks);
  }

  private static DirEntry6 decodeEntry(ByteBuffer block, int b, int slot, Blocks blocks) throws IOException {
    int at = DirBlockHeader6.SIZE + slot * DirEntry6.SIZE;
    return DirEntry6.decode(block, at, blocks.deviceOffset(b) + at, DirBlockHeader6.blockOffset(b) + at, null);
  }

  private static LinkGroup6 readGroup(HashLocation6 location, int index, Blocks blocks) throws IOException {
    checkBlock(location, blocks);
    ByteBuffer block = blocks.read(location.block());
    DirBlockHeader6 header = DirBlockHeader6.decode(block, 0, blocks.deviceOffset(location.block()), DirBlockHeader6.KIND_LINK);
    if (header.isFree(location.slot())) {
      throw Corrupt.defect(NAME, blocks.deviceOffset(location.block()), "location", "location names a free link group", "a used group",
          location);
    }
    int at = DirBlockHeader6.SIZE + location.slot() * LinkGroup6.SIZE;
    return LinkGroup6.decode(block, at, blocks.deviceOffset(location.block()) + at, index);
  }

  private static void checkBlock(HashLocation6 location, Blocks blocks) throws IOException {
    if (location.block() >= blocks.count()) {
      throw Corrupt.defect(NAME, blocks.deviceOffset(0), "location", "location beyond the directory's length",
          "block below " + blocks.count(), location);
    }
  }

  private static long groupDeviceOffset(HashLocation6 location, Blocks blocks) {
    return location.block() < blocks.count() ? blocks.deviceOffset(location.block()) + DirBlockHeader6.SIZE
        + (long) location.slot() * LinkGroup6.SIZE : -1;
  }
}
