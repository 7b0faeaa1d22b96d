package org.vmfskit.fs.device.container;

import java.nio.ByteBuffer;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.LittleEndian;
import org.vmfskit.fs.format.ResourceLimitException;

/**
 * The chunk-offset table of one "table" (or "table2") section of an EWF segment file: a 24-byte
 * header, {@code entryCount} 4-byte entries and (EnCase 2 and later) an Adler-32 footer.
 * <pre>
 * off   size  type  field       meaning
 * 0x00  4     u32   entryCount  chunks listed; at most {@value #MAX_ENTRIES} here
 * 0x04  4     -     padding
 * 0x08  8     u64   baseOffset  added to every entry (EnCase 6+; 0 before)
 * 0x10  4     -     padding
 * 0x14  4     u32   checksum    Adler-32 of bytes 0x00..0x13
 * 0x18  4*n   u32   entries     bit 31: chunk is zlib-compressed; bits 0..30: chunk offset minus baseOffset,
 *                               from the start of the segment file
 * 0x18+4n 4   u32   footer      Adler-32 of the entries
 * </pre>
 *
 * @param baseOffset the base added to every entry
 * @param rawEntries the entries as stored (bit 31 is the compressed flag)
 */
public record EwfTable(long baseOffset, int[] rawEntries) {

  /** Header size in bytes. */
  public static final int HEADER_SIZE = 24;
  /** The most entries accepted in one table (EnCase writes at most 16375; libewf up to 65534). */
  public static final int MAX_ENTRIES = 1 << 20;

  private static final int OFF_COUNT = 0x00;
  private static final int OFF_BASE = 0x08;
  private static final int OFF_CHECKSUM = 0x14;

  /** Decodes the table header in {@code header} (24 bytes at {@code deviceOffset}) and returns its entry count. */
  public static int entryCount(ByteBuffer header, long deviceOffset, String segment) throws CorruptStructureException, ResourceLimitException {
    String structure = "EWF table in " + segment;
    EwfSection.checkAdler(header, OFF_CHECKSUM, structure, deviceOffset);
    long count = LittleEndian.u32(header, OFF_COUNT);
    if (count > MAX_ENTRIES) {
      throw new ResourceLimitException(structure, deviceOffset, "entryCount", MAX_ENTRIES, count);
    }
    return (int) count;
  }

  /**
   * Decodes a whole table: {@code src} holds the header, the entries and, when {@code hasFooter},
   * the footer checksum, which is then checked.
   */
  public static EwfTable decode(ByteBuffer src, long deviceOffset, String segment, boolean hasFooter) throws CorruptStructureException, ResourceLimitException {
    int count = entryCount(src, deviceOffset, segment);
    if (hasFooter) {
      long stored = LittleEndian.u32(src, HEADER_SIZE + 4 * count);
      long computed = EwfSection.adler32(src, HEADER_SIZE, 4 * count);
      if (stored != computed) {
        throw org.vmfskit.fs.format.Corrupt.defect("EWF table entries in " + segment, deviceOffset + HEADER_SIZE, "footer",
            "Adler-32 mismatch", org.vmfskit.fs.format.Corrupt.hex(computed), org.vmfskit.fs.format.Corrupt.hex(stored));
      }
    }
    int[] entries = new int[count];
    for (int i = 0; i < count; i++) {
      entries[i] = LittleEndian.raw32(src, HEADER_SIZE + 4 * i);
    }
    return new EwfTable(LittleEndian.u64(src, OFF_BASE), entries);
  }

  /** Returns the file offset of chunk {@code i} of the table. */
  public long chunkOffset(int i) {
    return baseOffset + (rawEntries[i] & 0x7FFFFFFFL);
  }

  /** Returns whether chunk {@code i} is zlib-compressed. */
  public boolean compressed(int i) {
    return rawEntries[i] < 0;
  }
}
