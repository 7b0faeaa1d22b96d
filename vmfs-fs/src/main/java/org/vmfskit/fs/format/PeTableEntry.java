package org.vmfskit.fs.format;

import java.nio.ByteBuffer;

/**
 * One entry of the LVM5 PE table, 128 bytes at image offset 0x180600 + i x 128; vmfs-tools
 * ignores the table, dissect.vmfs and ESXi use it.
 * <pre>
 * off   size type  field     meaning
 * 0x00  1    u8    used      1
 * 0x01  4    u32   peId      i
 * 0x05  4    u32   volumeId  0
 * 0x09  8    u64   pOffset   image offset of the PE: 0x1100000 + i x 256 MiB
 * 0x11  8    u64   lOffset   logical offset: i x 256 MiB
 * 0x19  8    u64   length    256 MiB
 * 0x21  4    u32   version   1
 * </pre>
 */
public record PeTableEntry(long peId, long physicalOffset, long logicalOffset, long length) {

  /** Bytes of one entry. */
  public static final int SIZE = 128;
  /** Image offset of the PE bitmap (1024 bytes, bit i set = PE i used). */
  public static final long BITMAP_IMAGE_OFFSET = 0x180200;
  /** Image offset of entry 0. */
  public static final long TABLE_IMAGE_OFFSET = 0x180600;

  /** Returns the entry of PE {@code index} of a single-extent volume. */
  public static PeTableEntry forIndex(long index) {
    return new PeTableEntry(index, LvmHeader.DATA_OFFSET + index * LvmHeader.PE_SIZE, index * LvmHeader.PE_SIZE, LvmHeader.PE_SIZE);
  }

  /** Encodes the entry at absolute {@code offset} of {@code dst}. */
  public void encode(ByteBuffer dst, int offset) {
    LittleEndian.putU8(dst, offset, 1);
    LittleEndian.putU32(dst, offset + 0x01, peId);
    LittleEndian.putU32(dst, offset + 0x05, 0);
    LittleEndian.putU64(dst, offset + 0x09, physicalOffset);
    LittleEndian.putU64(dst, offset + 0x11, logicalOffset);
    LittleEndian.putU64(dst, offset + 0x19, length);
    LittleEndian.putU32(dst, offset + 0x21, 1);
  }

  /** Decodes the entry at absolute {@code offset} of {@code src}; no field is checked. */
  public static PeTableEntry decode(ByteBuffer src, int offset) {
    return new PeTableEntry(LittleEndian.u32(src, offset + 0x01), LittleEndian.u64(src, offset + 0x09), LittleEndian.u64(src, offset + 0x11), LittleEndian.u64(src, offset + 0x19));
  }
}
