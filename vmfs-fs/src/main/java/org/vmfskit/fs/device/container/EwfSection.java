package org.vmfskit.fs.device.container;

import java.nio.ByteBuffer;
import java.util.zip.Adler32;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.LittleEndian;

/**
 * An EWF section descriptor (libewf's "section descriptor", EWF-E01), 76 bytes, at the start of
 * every section of a segment file.
 * <pre>
 * off   size  type  field       meaning
 * 0x00  16    char  type        "header2", "volume", "sectors", "table", "next", "done", …; NUL-padded
 * 0x10  8     u64   nextOffset  next section's descriptor, from the start of the segment file;
 *                               equal to this descriptor's offset for "next" and "done"
 * 0x18  8     u64   size        section size including this descriptor (0 for "next"/"done" in EnCase)
 * 0x20  40    -     padding     0
 * 0x48  4     u32   checksum    Adler-32 of bytes 0x00..0x47
 * </pre>
 *
 * @param offset the descriptor's offset in its segment file
 * @param type the section type
 * @param nextOffset the next descriptor's offset
 * @param size the section size including the descriptor
 */
public record EwfSection(long offset, String type, long nextOffset, long size) {

  /** Descriptor size in bytes. */
  public static final int SIZE = 76;

  private static final int OFF_TYPE = 0x00;
  private static final int OFF_NEXT = 0x10;
  private static final int OFF_SIZE = 0x18;
  private static final int OFF_CHECKSUM = 0x48;

  /** Decodes the descriptor read at {@code offset} of segment file {@code segment}, checking its Adler-32. */
  public static EwfSection decode(ByteBuffer src, long offset, String segment) throws CorruptStructureException {
    String structure = "EWF section descriptor in " + segment;
    long stored = LittleEndian.u32(src, OFF_CHECKSUM);
    long computed = adler32(src, 0, OFF_CHECKSUM);
    if (stored != computed) {
      throw Corrupt.defect(structure, offset, "checksum", "Adler-32 mismatch", Corrupt.hex(computed), Corrupt.hex(stored));
    }
    String type = LittleEndian.cString(src, OFF_TYPE, 16);
    long next = LittleEndian.u64(src, OFF_NEXT);
    long size = LittleEndian.u64(src, OFF_SIZE);
    if (next < 0 || size < 0) {
      throw Corrupt.defect(structure, offset, "nextOffset", "offset beyond 2^63", null, Long.toUnsignedString(next));
    }
    return new EwfSection(offset, type, next, size);
  }

  /** Returns whether this section ends its segment file ("next" or "done"). */
  public boolean isLast() {
    return type.equals("next") || type.equals("done");
  }

  /** Returns the offset of the section's data, just after the descriptor. */
  public long dataOffset() {
    return offset + SIZE;
  }

  /** Returns the Adler-32 of {@code length} bytes of {@code src} at {@code offset}. */
  static long adler32(ByteBuffer src, int offset, int length) {
    Adler32 adler = new Adler32();
    adler.update(src.duplicate().clear().position(offset).limit(offset + length));
    return adler.getValue();
  }

  /** Checks the Adler-32 stored at {@code checksumOffset} over the bytes before it, from {@code 0}. */
  static void checkAdler(ByteBuffer src, int checksumOffset, String structure, long deviceOffset) throws CorruptStructureException {
    long stored = LittleEndian.u32(src, checksumOffset);
    long computed = adler32(src, 0, checksumOffset);
    if (stored != computed) {
      throw Corrupt.defect(structure, deviceOffset, "checksum", "Adler-32 mismatch", Corrupt.hex(computed), Corrupt.hex(stored));
    }
  }
}
