package org.vmfskit.fs.device.container;

import java.nio.ByteBuffer;
import org.vmfskit.fs.format.LittleEndian;

/**
 * One of the four 16-byte partition entries of a master boot record (or of an extended boot
 * record), at 0x1BE + 16 * i of its sector.
 * <pre>
 * off   size  type  field         meaning
 * 0x00  1     u8    bootFlag      0x80 active, 0x00 inactive
 * 0x01  3     chs   chsFirst      ignored (LBA fields are authoritative)
 * 0x04  1     u8    type          0xFB VMFS, 0xEE GPT protective, 0x05/0x0F/0x85 extended, 0 unused
 * 0x05  3     chs   chsLast       ignored
 * 0x08  4     u32   firstLba      first sector, relative to the table's base (see {@link PartitionTables})
 * 0x0C  4     u32   sectorCount   length in 512-byte sectors
 * </pre>
 *
 * @param bootFlag the boot indicator byte
 * @param type the partition type byte
 * @param firstLba the first sector, relative to the table's base
 * @param sectorCount the length in sectors
 */
public record MbrPartitionEntry(int bootFlag, int type, long firstLba, long sectorCount) {

  /** Entry size in bytes. */
  public static final int SIZE = 16;
  /** Offset of the first entry in its sector. */
  public static final int TABLE_OFFSET = 0x1BE;
  /** MBR type of a VMFS partition. */
  public static final int TYPE_VMFS = 0xFB;
  /** MBR type of the single partition that protects a GPT disk. */
  public static final int TYPE_GPT_PROTECTIVE = 0xEE;

  private static final int OFF_BOOT = 0x00;
  private static final int OFF_TYPE = 0x04;
  private static final int OFF_FIRST_LBA = 0x08;
  private static final int OFF_SECTORS = 0x0C;

  /** Checks the field widths. */
  public MbrPartitionEntry {
    if (bootFlag < 0 || bootFlag > 0xFF || type < 0 || type > 0xFF || firstLba < 0 || firstLba > 0xFFFFFFFFL
        || sectorCount < 0 || sectorCount > 0xFFFFFFFFL) {
      throw new IllegalArgumentException("MBR entry field out of range");
    }
  }

  /** Decodes the entry at {@code offset} of {@code src} (a sector buffer). */
  public static MbrPartitionEntry decode(ByteBuffer src, int offset) {
    return new MbrPartitionEntry(LittleEndian.u8(src, offset + OFF_BOOT), LittleEndian.u8(src, offset + OFF_TYPE),
        LittleEndian.u32(src, offset + OFF_FIRST_LBA), LittleEndian.u32(src, offset + OFF_SECTORS));
  }

  /** Encodes the entry at {@code offset} of {@code dst}; the CHS fields are written as zero. */
  public void encode(ByteBuffer dst, int offset) {
    LittleEndian.putU8(dst, offset + OFF_BOOT, bootFlag);
    LittleEndian.putU8(dst, offset + OFF_TYPE, type);
    LittleEndian.putU32(dst, offset + OFF_FIRST_LBA, firstLba);
    LittleEndian.putU32(dst, offset + OFF_SECTORS, sectorCount);
  }

  /** Returns whether the entry is unused. */
  public boolean isEmpty() {
    return type == 0 || sectorCount == 0;
  }

  /** Returns whether the entry points to an extended partition (a chain of extended boot records). */
  public boolean isExtended() {
    return type == 0x05 || type == 0x0F || type == 0x85;
  }
}
