package org.vmfskit.fs.volume;

import com.google.common.base.Preconditions;
import org.vmfskit.fs.format.LvmHeader;

/**
 * The sizes every block calculation uses, read from the FS descriptor and the resource headers,
 * never from constants.
 *
 * @param blockSize file-block size in bytes (1 MiB standard)
 * @param subBlockSize sub-block size in bytes (8 KiB on VMFS5)
 * @param addressesPerMap block addresses per pointer block (1024 on VMFS5)
 * @param numBlocks file blocks in the volume
 */
public record Geometry(long blockSize, long subBlockSize, int addressesPerMap, long numBlocks) {

  /** Checks the values. */
  public Geometry {
    Preconditions.checkArgument(Long.bitCount(blockSize) == 1, "block size %s", blockSize);
    Preconditions.checkArgument(subBlockSize > 0, "sub-block size %s", subBlockSize);
    Preconditions.checkArgument(addressesPerMap > 0, "addresses per map %s", addressesPerMap);
  }

  /** Returns log2 of the block size. */
  public int blockShift() {
    return Long.numberOfTrailingZeros(blockSize);
  }

  /** Returns the image offset of logical address {@code logical} (single extent). */
  public static long deviceOffset(long logical) {
    return LvmHeader.DATA_OFFSET + logical;
  }

  /** Returns the image offset of the first byte of file block {@code block}. */
  public long blockDeviceOffset(long block) {
    return deviceOffset(block * blockSize);
  }

  /** Returns the bytes one pointer block maps. */
  public long bytesPerMap() {
    return addressesPerMap * blockSize;
  }

  /** Returns the first block of {@code .fdc.sf}: 4 MiB rounded up to a whole block. */
  public long fdcBaseBlock() {
    return fdcBaseBlock(blockSize);
  }

  /** Returns the first block of {@code .fdc.sf} for {@code blockSize}. */
  public static long fdcBaseBlock(long blockSize) {
    return Math.max(1, (0x400000 + blockSize - 1) / blockSize);
  }

  /** Returns the largest file size of each addressing mode. */
  public long maxBytes(org.vmfskit.fs.format.AddressingMode mode) {
    int slots = org.vmfskit.fs.format.FileDescriptor.ADDRESS_SLOTS;
    return switch (mode) {
      case EMPTY -> 0;
      case RESIDENT -> org.vmfskit.fs.format.FileDescriptor.DATA_SIZE;
      case SUB_BLOCKS -> slots * subBlockSize;
      case FILE_BLOCKS -> slots * blockSize;
      case POINTER_BLOCKS, POINTER_BLOCKS_2 -> slots * bytesPerMap();
      case DOUBLE_INDIRECT -> Math.min(Long.MAX_VALUE / 2, slots * (long) addressesPerMap * bytesPerMap());
    };
  }
}
