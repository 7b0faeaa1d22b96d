package org.vmfskit.fs.format.vmfs6;

import com.google.common.base.Preconditions;
import java.nio.ByteBuffer;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.LittleEndian;

/**
 * The 64-byte header that opens every mdA-sized VMFS6 directory block (FS6_DirBlockHeader in
 * dissect.vmfs; vmfs6-format.md 9.4 [V]). Block b sits at directory offset 0x10000 + b x mdA;
 * block 0 is the allocation map.
 * <pre>
 * off   size  type  field       meaning / valid range
 * 0x00  2     u16   version     1 in dirent and link blocks, 0 in the allocation map
 * 0x02  2     u16   kind        1 dirent, 2 link, 3 allocation map
 * 0x04  2     u16   totalSlots  14 (dirent), 48 (link), 0 (allocation map)
 * 0x06  2     u16   freeSlots   at most totalSlots (= set bits; compared by the checker)
 * 0x08  56    bits  slotBitmap  bit s (byte s shr 3, bit s and 7) SET = slot FREE; bits at or
 *                               above totalSlots are zero
 * </pre>
 * The link-block header ({1, 2, 48, free, bitmap}) is what the spec's experiment writes and both
 * readers accept; ESXi's was never seen <i>(unsure)</i>.
 *
 * @param kind {@link #KIND_DIRENT}, {@link #KIND_LINK} or {@link #KIND_ALLOCATION_MAP}
 * @param freeSlots the free-slot count
 * @param freeBits the slot bitmap (bit s set = slot s free)
 */
public record DirBlockHeader6(int kind, int freeSlots, long freeBits) {

  /** Bytes of the header. */
  public static final int SIZE = 0x40;
  /** Directory offset of block 0. */
  public static final long FIRST_BLOCK_OFFSET = 0x10000;
  /** Bytes of a block at mdA 4096. */
  public static final int BLOCK_SIZE = 0x1000;
  /** Kind of a dirent block. */
  public static final int KIND_DIRENT = 1;
  /** Kind of a link block. */
  public static final int KIND_LINK = 2;
  /** Kind of an allocation-map block. */
  public static final int KIND_ALLOCATION_MAP = 3;
  /** Dirent slots of a block: (4096 - 64) / 0x120. */
  public static final int DIRENT_SLOTS = 14;
  /** Link groups of a block: (4096 - 64) / 0x54. */
  public static final int LINK_GROUP_SLOTS = 48;

  private static final String NAME = "DirBlockHeader6";
  private static final int OFF_VERSION = 0x00;
  private static final int OFF_KIND = 0x02;
  private static final int OFF_TOTAL = 0x04;
  private static final int OFF_FREE = 0x06;
  private static final int OFF_BITMAP = 0x08;
  private static final int BITMAP_BYTES = 56;

  /** Checks the kind and that the bitmap fits the kind's slots. */
  public DirBlockHeader6 {
    Preconditions.checkArgument(kind >= KIND_DIRENT && kind <= KIND_ALLOCATION_MAP, "block kind %s", kind);
    int total = totalSlotsOf(kind);
    Preconditions.checkArgument(freeSlots >= 0 && freeSlots <= total, "free slots %s of %s", freeSlots, total);
    Preconditions.checkArgument(total == 64 || freeBits >>> total == 0, "bitmap %s beyond %s slots", freeBits, total);
  }

  /** Returns the header of a new, empty block of {@code kind}: every slot free. */
  public static DirBlockHeader6 empty(int kind) {
    int total = totalSlotsOf(kind);
    return new DirBlockHeader6(kind, total, (1L << total) - 1);
  }

  /** Returns the slots of a block of {@code kind}. */
  public static int totalSlotsOf(int kind) {
    return switch (kind) {
      case KIND_DIRENT -> DIRENT_SLOTS;
      case KIND_LINK -> LINK_GROUP_SLOTS;
      default -> 0;
    };
  }

  /** Returns the directory offset of block {@code block}. */
  public static long blockOffset(long block) {
    return FIRST_BLOCK_OFFSET + block * BLOCK_SIZE;
  }

  /** Returns the slots of this block. */
  public int totalSlots() {
    return totalSlotsOf(kind);
  }

  /** Returns whether slot {@code s} is free. */
  public boolean isFree(int s) {
    return (freeBits >>> s & 1) != 0;
  }

  /** Returns the lowest free slot, or -1. */
  public int lowestFree() {
    return freeBits == 0 ? -1 : Long.numberOfTrailingZeros(freeBits);
  }

  /** Returns this header with slot {@code s} taken (used = true) or freed, and the count adjusted. */
  public DirBlockHeader6 withSlot(int s, boolean used) {
    Preconditions.checkArgument(s >= 0 && s < totalSlots() && isFree(s) == used, "slot %s already %s", s, used ? "used" : "free");
    return new DirBlockHeader6(kind, freeSlots + (used ? -1 : 1), used ? freeBits & ~(1L << s) : freeBits | 1L << s);
  }

  /**
   * Decodes the header at absolute {@code offset} of {@code src}.
   *
   * @param deviceOffset the block's image offset
   * @param expectedKind the kind the allocation map (or the caller) says this block has
   */
  public static DirBlockHeader6 decode(ByteBuffer src, int offset, long deviceOffset, int expectedKind) throws CorruptStructureException {
    int kind = LittleEndian.u16(src, offset + OFF_KIND);
    if (kind != expectedKind) {
      throw Corrupt.field(NAME, deviceOffset + OFF_KIND, "kind", expectedKind, kind);
    }
    int version = LittleEndian.u16(src, offset + OFF_VERSION);
    int expectedVersion = kind == KIND_ALLOCATION_MAP ? 0 : 1;
    if (version != expectedVersion) {
      throw Corrupt.field(NAME, deviceOffset + OFF_VERSION, "version", expectedVersion, version);
    }
    int total = LittleEndian.u16(src, offset + OFF_TOTAL);
    if (total != totalSlotsOf(kind)) {
      throw Corrupt.field(NAME, deviceOffset + OFF_TOTAL, "totalSlots", totalSlotsOf(kind), total);
    }
    int free = LittleEndian.u16(src, offset + OFF_FREE);
    if (free > total) {
      throw Corrupt.range(NAME, deviceOffset + OFF_FREE, "freeSlots", 0, total, free);
    }
    long bits = LittleEndian.u64(src, offset + OFF_BITMAP);
    for (int i = 8; i < BITMAP_BYTES; i++) {
      if (src.get(offset + OFF_BITMAP + i) != 0) {
        throw Corrupt.defect(NAME, deviceOffset + OFF_BITMAP + i, "slotBitmap", "bits set beyond the block's slots", 0, src.get(offset + OFF_BITMAP + i));
      }
    }
    if (bits >>> total != 0) {
      throw Corrupt.defect(NAME, deviceOffset + OFF_BITMAP, "slotBitmap", "bits set beyond the block's slots", "none at or above " + total,
          "bit " + (63 - Long.numberOfLeadingZeros(bits)));
    }
    return new DirBlockHeader6(kind, free, bits);
  }

  /** Encodes the header at absolute {@code offset} of {@code dst}. */
  public void encode(ByteBuffer dst, int offset) {
    LittleEndian.putU16(dst, offset + OFF_VERSION, kind == KIND_ALLOCATION_MAP ? 0 : 1);
    LittleEndian.putU16(dst, offset + OFF_KIND, kind);
    LittleEndian.putU16(dst, offset + OFF_TOTAL, totalSlots());
    LittleEndian.putU16(dst, offset + OFF_FREE, freeSlots);
    LittleEndian.putU64(dst, offset + OFF_BITMAP, freeBits);
    for (int i = 8; i < BITMAP_BYTES; i++) {
      dst.put(offset + OFF_BITMAP + i, (byte) 0);
    }
  }
}
