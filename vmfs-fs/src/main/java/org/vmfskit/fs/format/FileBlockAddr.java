package org.vmfskit.fs.format;

import com.google.common.base.Preconditions;

/**
 * A file-block address: FB {@code block} of the volume, with the copy-on-write and to-be-zeroed
 * flags. A TBZ block is allocated but reads as zeros until it is written.
 *
 * @param block the block number, 0 to 2^26 - 1
 * @param cow the COW flag (bit 4)
 * @param tbz the to-be-zeroed flag (bit 5)
 */
public record FileBlockAddr(int block, boolean cow, boolean tbz) implements BlockAddress {

  /** The largest block number a 26-bit field holds. */
  public static final int MAX_BLOCK = (1 << 26) - 1;

  private static final int COW = 0x10;
  private static final int TBZ = 0x20;

  /** Checks the block number's field width. */
  public FileBlockAddr {
    Preconditions.checkArgument(block >= 0 && block <= MAX_BLOCK, "block %s out of range", block);
  }

  /** Returns the address of block {@code block} with no flags. */
  public static FileBlockAddr of(int block) {
    return new FileBlockAddr(block, false, false);
  }

  static FileBlockAddr fromRaw(int raw) {
    return new FileBlockAddr(blockOf(raw), (raw & COW) != 0, isTbz(raw));
  }

  /** Returns the block number of a raw FB address. */
  public static int blockOf(int raw) {
    return raw >>> 6;
  }

  /** Returns whether a raw FB address carries the TBZ flag. */
  public static boolean isTbz(int raw) {
    return (raw & TBZ) != 0;
  }

  /** Returns the raw FB address of {@code block}, TBZ-flagged if asked. */
  public static int rawOf(int block, boolean tbz) {
    return block << 6 | (tbz ? TBZ : 0) | TYPE_FB;
  }

  /** Returns a raw FB address with the TBZ flag cleared. */
  public static int withoutTbz(int raw) {
    return raw & ~TBZ;
  }

  @Override
  public int raw() {
    return block << 6 | (cow ? COW : 0) | (tbz ? TBZ : 0) | TYPE_FB;
  }

  @Override
  public String toString() {
    return "FB " + block + (tbz ? " (TBZ)" : "") + (cow ? " (COW)" : "");
  }
}
