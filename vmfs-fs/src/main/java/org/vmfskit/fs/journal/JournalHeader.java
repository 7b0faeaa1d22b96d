package org.vmfskit.fs.journal;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.LittleEndian;

/**
 * The first sector of the journal area (L 0x0), vmfskit's own format.
 * <pre>
 * off   size type  field          meaning
 * 0x00  8    u64   magic          "VMFSKJNL" as little-endian bytes
 * 0x08  4    u32   version        1
 * 0x0C  4    u32   areaBytes      bytes of the whole journal area, this sector included
 * 0x10  8    u64   cleanSequence  the newest record known to be fully written in place
 * 0x18  4    u32   crc32c         of bytes 0x00-0x17
 * 0x1C  484  -     zero
 * </pre>
 * A record is replayed when its sequence is above {@code cleanSequence}. The header is one
 * sector, so a torn write leaves either the old or the new header.
 */
public record JournalHeader(long areaBytes, long cleanSequence) {

  /** Bytes of the header. */
  public static final int SIZE = 512;
  /** "VMFSKJNL". */
  public static final long MAGIC = 0x4C4E4A4B53464D56L;
  /** The one format version written. */
  public static final int VERSION = 1;

  /** Returns whether {@code src} at {@code offset} starts with the header magic. */
  public static boolean hasMagic(ByteBuffer src, int offset) {
    return LittleEndian.u64(src, offset) == MAGIC;
  }

  /** Decodes a header whose magic has been checked; the checksum and fields must be right. */
  public static JournalHeader decode(ByteBuffer src, int offset, long deviceOffset) throws CorruptStructureException {
    if (!hasMagic(src, offset)) {
      throw Corrupt.magic("JournalHeader", deviceOffset, MAGIC, LittleEndian.u64(src, offset));
    }
    long crc = LittleEndian.u32(src, offset + 0x18);
    long actual = crc(src, offset);
    if (crc != actual) {
      throw Corrupt.field("JournalHeader", deviceOffset + 0x18, "crc32c", Corrupt.hex(actual), Corrupt.hex(crc));
    }
    long version = LittleEndian.u32(src, offset + 0x08);
    if (version != VERSION) {
      throw Corrupt.field("JournalHeader", deviceOffset + 0x08, "version", VERSION, version);
    }
    long areaBytes = LittleEndian.u32(src, offset + 0x0C);
    if (areaBytes != Journal.AREA_BYTES) {
      throw Corrupt.field("JournalHeader", deviceOffset + 0x0C, "areaBytes", Corrupt.hex(Journal.AREA_BYTES), Corrupt.hex(areaBytes));
    }
    return new JournalHeader(areaBytes, LittleEndian.u64(src, offset + 0x10));
  }

  /** Encodes the header at absolute {@code offset} of {@code dst} (a whole sector, zero-padded). */
  public void encode(ByteBuffer dst, int offset) {
    for (int i = 0; i < SIZE; i++) {
      dst.put(offset + i, (byte) 0);
    }
    LittleEndian.putU64(dst, offset, MAGIC);
    LittleEndian.putU32(dst, offset + 0x08, VERSION);
    LittleEndian.putU32(dst, offset + 0x0C, areaBytes);
    LittleEndian.putU64(dst, offset + 0x10, cleanSequence);
    LittleEndian.putU32(dst, offset + 0x18, crc(dst, offset));
  }

  private static long crc(ByteBuffer src, int offset) {
    CRC32C crc = new CRC32C();
    crc.update(src.duplicate().clear().position(offset).limit(offset + 0x18));
    return crc.getValue();
  }
}
