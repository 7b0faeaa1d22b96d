package org.vmfskit.fs.format.vmfs6;

import com.google.common.base.Preconditions;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.vmfskit.fs.format.FileType;

/**
 * Test-side writer of one VMFS6 hashed directory in memory, following the spec's add procedure
 * (vmfs6-format.md 9.8): lowest free slot of a dirent block with free slots (else a new block),
 * then the hash table, a link group on the first collision, a chained group once 12 links fill
 * one. It is the seed of the real directory implementation, and the fixture of the lookup tests
 * and of {@link Vmfs6ImageBuilder}.
 */
final class DirectoryImage6 implements HashedDirectory6.Blocks {

  private final boolean root;
  private DirHeader6 header;
  private AllocationMap6 map = AllocationMap6.fresh();
  // Block 0 is the allocation map, encoded on demand; the list holds blocks 1, 2, ...
  private final List<ByteBuffer> blocks = new ArrayList<>();
  private long deviceBase;

  DirectoryImage6(Address6.Fd self, long selfGeneration, FileType selfType, Address6.Fd parent, long parentGeneration, boolean root) {
    this.root = root;
    header = DirHeader6.empty(new DirEntry6(selfType, self.raw32(), selfGeneration, 0, DirEntry6.DOT_OFFSET, "."),
        new DirEntry6(FileType.DIRECTORY, parent.raw32(), parentGeneration, 0, DirEntry6.DOT_DOT_OFFSET, ".."));
    blocks.add(null);
  }

  /** Sets the image offset of directory offset 0, for exception messages only. */
  void placeAt(long deviceOffset) {
    deviceBase = deviceOffset;
  }

  DirHeader6 header() {
    return header;
  }

  AllocationMap6 map() {
    return map;
  }

  /** Adds an entry and returns its location. */
  HashLocation6 add(String name, FileType type, Address6.Fd fd, long generation) {
    int b = map.firstWith(AllocationMap6.DIRENT_WITH_FREE);
    if (b < 0) {
      b = appendBlock(DirBlockHeader6.KIND_DIRENT, AllocationMap6.DIRENT_WITH_FREE);
    }
    ByteBuffer block = blocks.get(b);
    DirBlockHeader6 old = decodeHeader(block, DirBlockHeader6.KIND_DIRENT);
    int slot = old.lowestFree();
    DirBlockHeader6 blockHeader = old.withSlot(slot, true);
    blockHeader.encode(block, 0);
    if (blockHeader.freeSlots() == 0) {
      map = map.withNibble(b, AllocationMap6.DIRENT_FULL);
    }
    boolean system = root && DirHeader6.ROOT_SYSTEM_NAMES.contains(name);
    long h = NameHash6.of(name);
    HashLocation6 location = HashLocation6.dirent(b, slot);
    new DirEntry6(type, fd.raw32(), generation, system ? 0 : NameHash6.storedHash(h), location.directoryOffset(), name)
        .encode(block, DirBlockHeader6.SIZE + slot * DirEntry6.SIZE);
    link(HashedDirectory6.tableIndexOf(name, root), location, NameHash6.linkHash(h));
    return location;
  }

  private void link(int index, HashLocation6 location, int linkHash) {
    int raw = header.slot(index);
    if (raw == 0) {
      header = header.withSlot(index, location.raw(), 1);
      return;
    }
    HashLocation6 first = decode(raw);
    if (first.kind() == HashLocation6.KIND_DIRENT) {
      int oldLinkHash = storedHashAt(first) >>> 16;
      LinkGroup6 group = new LinkGroup6(index, List.of(new LinkGroup6.Link(first, oldLinkHash), new LinkGroup6.Link(location, linkHash)),
          Optional.empty());
      header = header.withSlot(index, newGroup(group).raw(), 1);
      return;
    }
    HashLocation6 at = first;
    while (true) {
      LinkGroup6 group = readGroup(at, index);
      if (group.hasFreeLink()) {
        writeGroup(at, group.withLink(new LinkGroup6.Link(location, linkHash)));
        break;
      }
      if (group.nextGroup().isEmpty()) {
        HashLocation6 next = newGroup(new LinkGroup6(index, List.of(new LinkGroup6.Link(location, linkHash)), Optional.empty()));
        writeGroup(at, group.withNextGroup(Optional.of(next)));
        break;
      }
      at = group.nextGroup().get();
    }
    header = header.withCounts(header.numEntries() + 1, header.numAllocated() + 1);
  }

  private HashLocation6 newGroup(LinkGroup6 group) {
    int b = map.firstWith(AllocationMap6.LINK_WITH_FREE);
    if (b < 0) {
      b = appendBlock(DirBlockHeader6.KIND_LINK, AllocationMap6.LINK_WITH_FREE);
    }
    ByteBuffer block = blocks.get(b);
    DirBlockHeader6 old = decodeHeader(block, DirBlockHeader6.KIND_LINK);
    int slot = old.lowestFree();
    DirBlockHeader6 taken = old.withSlot(slot, true);
    taken.encode(block, 0);
    if (taken.freeSlots() == 0) {
      map = map.withNibble(b, DirBlockHeader6.KIND_LINK);
    }
    HashLocation6 location = HashLocation6.linkGroup(b, slot);
    writeGroup(location, group);
    return location;
  }

  private int appendBlock(int kind, int nibble) {
    ByteBuffer block = Vmfs6Bytes.buffer(DirBlockHeader6.BLOCK_SIZE);
    DirBlockHeader6.empty(kind).encode(block, 0);
    blocks.add(block);
    int b = blocks.size() - 1;
    map = map.withNibble(b, nibble);
    return b;
  }

  LinkGroup6 readGroup(HashLocation6 at, int index) {
    try {
      return LinkGroup6.decode(blocks.get(at.block()), DirBlockHeader6.SIZE + at.slot() * LinkGroup6.SIZE, -1, index);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  void writeGroup(HashLocation6 at, LinkGroup6 group) {
    group.encode(blocks.get(at.block()), DirBlockHeader6.SIZE + at.slot() * LinkGroup6.SIZE);
  }

  private int storedHashAt(HashLocation6 at) {
    return blocks.get(at.block()).getInt(DirBlockHeader6.SIZE + at.slot() * DirEntry6.SIZE + 0x0C);
  }

  private static DirBlockHeader6 decodeHeader(ByteBuffer block, int kind) {
    try {
      return DirBlockHeader6.decode(block, 0, -1, kind);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static HashLocation6 decode(int raw) {
    try {
      return HashLocation6.decode(raw, "test", -1);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Returns the directory's length: header plus blocks. */
  long length() {
    return DirBlockHeader6.blockOffset(blocks.size());
  }

  /** Returns the whole directory file. */
  byte[] bytes() {
    ByteBuffer out = Vmfs6Bytes.buffer((int) length());
    header.encode(out, 0);
    for (int b = 0; b < blocks.size(); b++) {
      out.put((int) DirBlockHeader6.blockOffset(b), read(b).array());
    }
    return out.array();
  }

  /** Returns a raw block for tests that damage it. */
  ByteBuffer rawBlock(int b) {
    Preconditions.checkArgument(b >= 1, "block 0 is encoded from the map");
    return blocks.get(b);
  }

  @Override
  public int count() {
    return blocks.size();
  }

  @Override
  public ByteBuffer read(int block) {
    if (block == 0) {
      ByteBuffer out = Vmfs6Bytes.buffer(DirBlockHeader6.BLOCK_SIZE);
      map.encode(out, 0);
      return out;
    }
    return Vmfs6Bytes.copy(blocks.get(block));
  }

  @Override
  public long deviceOffset(int block) {
    return deviceBase + DirBlockHeader6.blockOffset(block);
  }
}
