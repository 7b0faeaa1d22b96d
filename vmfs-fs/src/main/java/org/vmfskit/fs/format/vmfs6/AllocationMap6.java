package org.vmfskit.fs.format.vmfs6;

import com.google.common.base.Preconditions;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.CorruptStructureException;

/**
 * A VMFS6 directory allocation-map block: a {@link DirBlockHeader6} of kind 3, then one 4-bit
 * value per directory block, high nibble first (vmfs6-format.md 9.4 [V]). Block 0 of every
 * directory is the first map block and describes itself with 3.
 * <pre>
 * off    size   field    meaning
 * 0x00   64     header   {version 0, kind 3, 0, 0, zero bitmap}
 * 0x40   4032   nibbles  byte j: high nibble = block 2j, low nibble = block 2j + 1
 *
 * nibble bit  meaning
 * 0-1         block kind (1 dirent, 2 link, 3 allocation map)
 * 2           has free slots
 * 3           never written: ESXi pre-fills every nibble with 8; a listing stops at the first one
 * </pre>
 * Seen: 3 (the map itself), 5 (a dirent block with free slots), 8. A full dirent block reads 1
 * and a link block with free groups 6 <i>(unsure: as the spec's experiment writes them)</i>. Both
 * readers trust this map; a wrong 8 hides entries and crashes vmfs6-tools [W].
 */
public record AllocationMap6(byte[] nibbleBytes) {

  /** Blocks one map block describes: 2 x (4096 - 64). */
  public static final int BLOCKS_PER_MAP = 2 * (DirBlockHeader6.BLOCK_SIZE - DirBlockHeader6.SIZE);
  /** Nibble of a block never written. */
  public static final int NEVER_WRITTEN = 8;
  /** Nibble bit: the block has free slots. */
  public static final int HAS_FREE = 4;
  /** Nibble of a dirent block with free slots. */
  public static final int DIRENT_WITH_FREE = DirBlockHeader6.KIND_DIRENT | HAS_FREE;
  /** Nibble of a full dirent block <i>(unsure)</i>. */
  public static final int DIRENT_FULL = DirBlockHeader6.KIND_DIRENT;
  /** Nibble of a link block with free groups <i>(unsure)</i>. */
  public static final int LINK_WITH_FREE = DirBlockHeader6.KIND_LINK | HAS_FREE;
  /** Nibble of the allocation-map block. */
  public static final int ALLOCATION_MAP = DirBlockHeader6.KIND_ALLOCATION_MAP;

  private static final String NAME = "AllocationMap6";
  private static final int MAP_BYTES = BLOCKS_PER_MAP / 2;

  /** Checks the length and copies the nibbles. */
  public AllocationMap6 {
    Preconditions.checkArgument(nibbleBytes.length == MAP_BYTES, "allocation map of %s bytes", nibbleBytes.length);
    nibbleBytes = nibbleBytes.clone();
  }

  /** Returns the first map block of a new directory: itself (3), everything else never written (8). */
  public static AllocationMap6 fresh() {
    byte[] bytes = new byte[MAP_BYTES];
    Arrays.fill(bytes, (byte) 0x88);
    return new AllocationMap6(bytes).withNibble(0, ALLOCATION_MAP);
  }

  @Override
  public byte[] nibbleBytes() {
    return nibbleBytes.clone();
  }

  /** Returns the nibble of block {@code block} (relative to this map block). */
  public int nibble(int block) {
    Objects.checkIndex(block, BLOCKS_PER_MAP);
    int b = nibbleBytes[block >>> 1] & 0xFF;
    return (block & 1) == 0 ? b >>> 4 : b & 0xF;
  }

  /** Returns this map with block {@code block}'s nibble set to {@code value}. */
  public AllocationMap6 withNibble(int block, int value) {
    Objects.checkIndex(block, BLOCKS_PER_MAP);
    Preconditions.checkArgument(value >= 0 && value < 16, "nibble %s", value);
    byte[] bytes = nibbleBytes.clone();
    int b = bytes[block >>> 1] & 0xFF;
    bytes[block >>> 1] = (byte) ((block & 1) == 0 ? (b & 0x0F) | value << 4 : (b & 0xF0) | value);
    return new AllocationMap6(bytes);
  }

  /** Returns the blocks before the first never-written one: where a listing stops. */
  public int writtenBlocks() {
    for (int b = 0; b < BLOCKS_PER_MAP; b++) {
      if ((nibble(b) & NEVER_WRITTEN) != 0) {
        return b;
      }
    }
    return BLOCKS_PER_MAP;
  }

  /** Returns the first block whose nibble is {@code value}, or -1. */
  public int firstWith(int value) {
    for (int b = 0; b < writtenBlocks(); b++) {
      if (nibble(b) == value) {
        return b;
      }
    }
    return -1;
  }

  // Records compare arrays by reference; a map equals its decoded copy only with content equality.
  @Override
  public boolean equals(Object other) {
    return other instanceof AllocationMap6 o && Arrays.equals(nibbleBytes, o.nibbleBytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(nibbleBytes);
  }

  @Override
  public String toString() {
    return "AllocationMap6[" + writtenBlocks() + " blocks written]";
  }

  /**
   * Decodes the map block at absolute {@code offset} of {@code src}.
   *
   * @param deviceOffset the block's image offset
   * @param first whether this is block 0 of the directory, which must describe itself with 3
   */
  public static AllocationMap6 decode(ByteBuffer src, int offset, long deviceOffset, boolean first) throws CorruptStructureException {
    DirBlockHeader6.decode(src, offset, deviceOffset, DirBlockHeader6.KIND_ALLOCATION_MAP);
    byte[] bytes = new byte[MAP_BYTES];
    src.get(offset + DirBlockHeader6.SIZE, bytes);
    AllocationMap6 map = new AllocationMap6(bytes);
    if (first && map.nibble(0) != ALLOCATION_MAP) {
      throw Corrupt.field(NAME, deviceOffset + DirBlockHeader6.SIZE, "nibble[0]", ALLOCATION_MAP, map.nibble(0));
    }
    for (int b = 0; b < map.writtenBlocks(); b++) {
      int kind = map.nibble(b) & 3;
      if (kind == 0) {
        throw Corrupt.defect(NAME, deviceOffset + DirBlockHeader6.SIZE + b / 2, "nibble[" + b + "]", "written block without a kind",
            "kind 1, 2 or 3", map.nibble(b));
      }
    }
    return map;
  }

  /** Encodes the whole block (header and nibbles) at absolute {@code offset} of {@code dst}. */
  public void encode(ByteBuffer dst, int offset) {
    new DirBlockHeader6(DirBlockHeader6.KIND_ALLOCATION_MAP, 0, 0).encode(dst, offset);
    dst.put(offset + DirBlockHeader6.SIZE, nibbleBytes);
  }
}
