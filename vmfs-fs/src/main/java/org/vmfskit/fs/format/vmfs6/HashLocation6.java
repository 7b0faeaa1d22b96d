package org.vmfskit.fs.format.vmfs6;

import com.google.common.base.Preconditions;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.CorruptStructureException;

/**
 * A location in a VMFS6 directory, as the hash table and link groups store it: a u32
 * (vmfs6-format.md section 9.2 [V]). The value 0 means "empty" and is not a location.
 * <pre>
 * bits   field  meaning
 * 0-1    kind   1 = a dirent (block, slot); 2 = a link group (block, group)
 * 2-23   block  directory block number (block b at directory offset 0x10000 + b x mdA)
 * 24-31  slot   dirent slot (below 14) or link-group index (below 48)
 * </pre>
 * Example: {@code 0x08000005} = dirent block 1, slot 8 (root {@code table[15490]}).
 *
 * @param kind {@link #KIND_DIRENT} or {@link #KIND_LINK_GROUP}
 * @param block the directory block, 1 to 2^22 - 1 (block 0 is the allocation map)
 * @param slot the slot in the block
 */
public record HashLocation6(int kind, int block, int slot) {

  /** Kind of a location naming a directory entry. */
  public static final int KIND_DIRENT = 1;
  /** Kind of a location naming a link group. */
  public static final int KIND_LINK_GROUP = 2;

  /** Checks the field widths and the slot against the kind's block capacity. */
  public HashLocation6 {
    Preconditions.checkArgument(kind == KIND_DIRENT || kind == KIND_LINK_GROUP, "location kind %s", kind);
    Preconditions.checkArgument(block >= 1 && block < 1 << 22, "block %s out of range", block);
    Preconditions.checkArgument(slot >= 0 && slot < slotsOf(kind), "slot %s out of range", slot);
  }

  /** Returns the location of dirent slot {@code slot} of block {@code block}. */
  public static HashLocation6 dirent(int block, int slot) {
    return new HashLocation6(KIND_DIRENT, block, slot);
  }

  /** Returns the location of link group {@code group} of block {@code block}. */
  public static HashLocation6 linkGroup(int block, int group) {
    return new HashLocation6(KIND_LINK_GROUP, block, group);
  }

  /**
   * Decodes a non-zero raw location.
   *
   * @param structure the structure holding it, for messages
   * @param deviceOffset where it was read
   * @throws CorruptStructureException for kinds 0 and 3, block 0, or a slot beyond its block
   */
  public static HashLocation6 decode(int raw, String structure, long deviceOffset) throws CorruptStructureException {
    int kind = raw & 3;
    int block = (raw >>> 2) & 0x3FFFFF;
    int slot = raw >>> 24;
    if (kind != KIND_DIRENT && kind != KIND_LINK_GROUP) {
      throw Corrupt.defect(structure, deviceOffset, "location", "bad location kind", "1 or 2", kind + " in " + hex(raw));
    }
    if (block == 0 || slot >= slotsOf(kind)) {
      throw Corrupt.defect(structure, deviceOffset, "location", "location outside the directory's blocks",
          "block >= 1, slot < " + slotsOf(kind), hex(raw));
    }
    return new HashLocation6(kind, block, slot);
  }

  /** Returns the 32-bit on-disk form. */
  public int raw() {
    return slot << 24 | block << 2 | kind;
  }

  /** Returns the offset of the dirent or link group inside the directory file. */
  public long directoryOffset() {
    int size = kind == KIND_DIRENT ? DirEntry6.SIZE : LinkGroup6.SIZE;
    return DirBlockHeader6.blockOffset(block) + DirBlockHeader6.SIZE + (long) slot * size;
  }

  private static int slotsOf(int kind) {
    return kind == KIND_DIRENT ? DirBlockHeader6.DIRENT_SLOTS : DirBlockHeader6.LINK_GROUP_SLOTS;
  }

  private static String hex(int raw) {
    return Corrupt.hex(Integer.toUnsignedLong(raw));
  }

  @Override
  public String toString() {
    return (kind == KIND_DIRENT ? "dirent" : "link group") + " block " + block + " slot " + slot;
  }
}
