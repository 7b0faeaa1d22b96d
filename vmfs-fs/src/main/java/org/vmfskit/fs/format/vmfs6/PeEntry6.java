package org.vmfskit.fs.format.vmfs6;

import java.nio.ByteBuffer;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.LittleEndian;

/**
 * One LVM6 PE table entry, 128 bytes (vmfs6-format.md section 2.3 [V]). On LVM6 one entry maps
 * the whole volume; dissect maps {@code L -> physicalOffset + (L - logicalOffset)} through it and
 * refuses an empty table, vmfs6-tools ignores it, so a writer keeps it equal to the fixed
 * {@code 0x1100000 + L} view.
 * <pre>
 * off   size type  field          meaning / valid range
 * 0x00  1    u8    used           1
 * 0x01  4    u32   peId           entry index
 * 0x05  4    u32   volumeId       the volume descriptor's volumeId (0)
 * 0x09  8    u64   physicalOffset image offset of the extent, multiple of 512 (0x1100000)
 * 0x11  8    u64   logicalOffset  volume offset (0)
 * 0x19  8    u64   length         bytes, above 0 (the whole volume: 0x30000000 on the real image)
 * 0x21  4    u32   version        1
 * </pre>
 */
public record PeEntry6(long peId, long volumeId, long physicalOffset, long logicalOffset, long length, long version) {

  /** Bytes of one entry. */
  public static final int SIZE = 128;

  private static final String NAME = "PeEntry6";
  private static final int OFF_USED = 0x00;
  private static final int OFF_PE_ID = 0x01;
  private static final int OFF_VOLUME_ID = 0x05;
  private static final int OFF_P_OFFSET = 0x09;
  private static final int OFF_L_OFFSET = 0x11;
  private static final int OFF_LENGTH = 0x19;
  private static final int OFF_VERSION = 0x21;

  /** Returns the one entry that maps a whole volume of {@code volumeSize} bytes at {@code dataOffset}. */
  public static PeEntry6 wholeVolume(long dataOffset, long volumeSize) {
    return new PeEntry6(0, 0, dataOffset, 0, volumeSize, 1);
  }

  /** Returns whether the entry at absolute {@code offset} is marked used. */
  public static boolean isUsed(ByteBuffer src, int offset) {
    return LittleEndian.u8(src, offset + OFF_USED) != 0;
  }

  /** Returns the image offset of volume offset {@code logical}, which the caller checked is inside. */
  public long imageOffsetOf(long logical) {
    return physicalOffset + (logical - logicalOffset);
  }

  /** Returns whether the entry maps volume offset {@code logical}. */
  public boolean covers(long logical) {
    return logical >= logicalOffset && logical - logicalOffset < length;
  }

  /** Decodes a used entry at absolute {@code offset} of {@code src}, read at image offset {@code deviceOffset}. */
  public static PeEntry6 decode(ByteBuffer src, int offset, long deviceOffset) throws CorruptStructureException {
    int used = LittleEndian.u8(src, offset + OFF_USED);
    if (used != 1) {
      throw Corrupt.field(NAME, deviceOffset + OFF_USED, "used", 1, used);
    }
    long physical = LittleEndian.u64(src, offset + OFF_P_OFFSET);
    if (physical < 0 || physical % 512 != 0) {
      throw Corrupt.defect(NAME, deviceOffset + OFF_P_OFFSET, "physicalOffset", "bad extent offset", "a multiple of 512 below 2^63", Corrupt.hex(physical));
    }
    long logical = LittleEndian.u64(src, offset + OFF_L_OFFSET);
    long length = LittleEndian.u64(src, offset + OFF_LENGTH);
    if (logical < 0 || length <= 0 || logical + length < 0 || physical + length < 0) {
      throw Corrupt.defect(NAME, deviceOffset + OFF_LENGTH, "length", "extent is empty or beyond 2^63", "1.." + Long.MAX_VALUE, Corrupt.hex(length));
    }
    return new PeEntry6(LittleEndian.u32(src, offset + OFF_PE_ID), LittleEndian.u32(src, offset + OFF_VOLUME_ID), physical, logical, length,
        LittleEndian.u32(src, offset + OFF_VERSION));
  }

  /** Encodes the entry, marked used, at absolute {@code offset} of {@code dst}. */
  public void encode(ByteBuffer dst, int offset) {
    LittleEndian.putU8(dst, offset + OFF_USED, 1);
    LittleEndian.putU32(dst, offset + OFF_PE_ID, peId);
    LittleEndian.putU32(dst, offset + OFF_VOLUME_ID, volumeId);
    LittleEndian.putU64(dst, offset + OFF_P_OFFSET, physicalOffset);
    LittleEndian.putU64(dst, offset + OFF_L_OFFSET, logicalOffset);
    LittleEndian.putU64(dst, offset + OFF_LENGTH, length);
    LittleEndian.putU32(dst, offset + OFF_VERSION, version);
  }
}
