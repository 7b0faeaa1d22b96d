package org.vmfskit.fs.format.vmfs6;

import org.vmfskit.fs.format.AddressingMode;

/**
 * How a VMFS6 FD's 320-entry address array maps file offsets, per addressing mode (ZLA;
 * vmfs6-format.md section 8.1). Block index = file offset / blockSize.
 * <pre>
 * ZLA    array entry i holds                             array index of block b    largest file
 * 4305   - (content at FD + 0x1200)                      -                         3584 B
 * 2      SB address of bytes [i x 64 KiB, +64 KiB)       b                         320 SBs (20 MiB)
 * 1      SFB address of bytes [i MiB, +1 MiB)            b                         320 SFBs (320 MiB)
 * 3      SB-typed address of a 64 KiB pointer block      b div 8192, entry b mod   320 x 8192 SFBs
 *        of 8192 SFB addresses (in .sbc.sf, 8.3)         8192                      (2.5 TiB)
 * 5      PB2 address (in .pb2.sf), same shape as 3       as 3                      as 3
 * 4304   PB of 8192 PB addresses of 8192 SFBs each       b div 8192^2, then ...    far above 62 TB
 * 0      - (empty; ESXi writes 4305 instead)             -                         0
 * </pre>
 * The mode follows the file length, not the blocks in use: a thin file longer than 320 MiB needs
 * ZLA 3 even with one block allocated.
 */
public final class Zla6 {

  /** Entries of one 64 KiB pointer block (ptrBlockShift 16, u64 entries). */
  public static final int POINTER_BLOCK_ENTRIES = 8192;

  private Zla6() {}

  /**
   * The place of one block in a file's block map.
   *
   * @param arrayIndex index into the FD's 320-entry array
   * @param outerEntry entry in the first pointer block (ZLA 3, 5: the SFB; ZLA 4304: the inner PB), or -1
   * @param innerEntry entry in the second pointer block (ZLA 4304 only), or -1
   */
  public record Path(int arrayIndex, int outerEntry, int innerEntry) {}

  /** Returns the largest length a file of mode {@code zla} and block size {@code blockSize} can have. */
  public static long maxLength(AddressingMode zla, long blockSize) {
    long slots = FileDescriptor6.ADDRESS_SLOTS;
    long perPb = POINTER_BLOCK_ENTRIES;
    return switch (zla) {
      case EMPTY -> 0;
      case RESIDENT -> FileDescriptor6.DATA_SIZE;
      case FILE_BLOCKS, SUB_BLOCKS -> slots * blockSize;
      case POINTER_BLOCKS, POINTER_BLOCKS_2 -> saturatedProduct(slots * perPb, blockSize);
      case DOUBLE_INDIRECT -> saturatedProduct(slots * perPb * perPb, blockSize);
    };
  }

  /**
   * Returns where block {@code blockIndex} of a file of mode {@code zla} is mapped.
   *
   * @throws IllegalArgumentException for resident and empty files, which have no block map, and
   *     for a block beyond the mode's reach (callers check the FD's length first)
   */
  public static Path path(AddressingMode zla, long blockIndex) {
    long perPb = POINTER_BLOCK_ENTRIES;
    long blocks = switch (zla) {
      case FILE_BLOCKS, SUB_BLOCKS -> FileDescriptor6.ADDRESS_SLOTS;
      case POINTER_BLOCKS, POINTER_BLOCKS_2 -> FileDescriptor6.ADDRESS_SLOTS * perPb;
      case DOUBLE_INDIRECT -> FileDescriptor6.ADDRESS_SLOTS * perPb * perPb;
      case EMPTY, RESIDENT -> 0;
    };
    com.google.common.base.Preconditions.checkArgument(blocks == 0 || (blockIndex >= 0 && blockIndex < blocks),
        "block %s beyond the reach of ZLA %s", blockIndex, zla.code());
    return switch (zla) {
      case FILE_BLOCKS, SUB_BLOCKS -> new Path((int) blockIndex, -1, -1);
      case POINTER_BLOCKS, POINTER_BLOCKS_2 -> new Path((int) (blockIndex / perPb), (int) (blockIndex % perPb), -1);
      case DOUBLE_INDIRECT -> new Path((int) (blockIndex / (perPb * perPb)), (int) (blockIndex / perPb % perPb), (int) (blockIndex % perPb));
      case EMPTY, RESIDENT -> throw new IllegalArgumentException("ZLA " + zla.code() + " has no block map");
    };
  }

  private static long saturatedProduct(long a, long b) {
    return a > Long.MAX_VALUE / b ? Long.MAX_VALUE : a * b;
  }
}
