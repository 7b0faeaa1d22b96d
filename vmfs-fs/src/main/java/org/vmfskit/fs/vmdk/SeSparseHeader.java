package org.vmfskit.fs.vmdk;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.LittleEndian;
import org.vmfskit.fs.format.UnsupportedFormatException;

/**
 * The constant header of an SEsparse extent: 512 bytes at offset 0 of a {@code -sesparse.vmdk}
 * file, all fields u64 (VMDKSESparseConstHeader in qemu). Offsets and sizes are in sectors.
 * <pre>
 * off   size  type  field                 meaning
 * 0x00  8     u64   magic                 0x00000000CAFEBABE
 * 0x08  8     u64   version               exactly 0x0000000200000001
 * 0x10  8     u64   capacity              sectors
 * 0x18  8     u64   grainSize             sectors; exactly 8 (4 KiB)
 * 0x20  8     u64   grainTableSize        sectors; exactly 64 (4096 entries x 8 bytes)
 * 0x28  8     u64   flags                 0
 * 0x30  32    u64   reserved1..4          0
 * 0x50  16    u64   volatileHeader        offset, size
 * 0x60  16    u64   journalHeader         offset, size (unused by readers)
 * 0x70  16    u64   journal               offset, size (unused)
 * 0x80  16    u64   grainDir              offset, size; GD entries = size * 64
 * 0x90  16    u64   grainTables           offset, size; room for every GT
 * 0xA0  16    u64   freeBitmap            offset, size (unused)
 * 0xB0  16    u64   backmap               offset, size (unused)
 * 0xC0  16    u64   grains                offset, size
 * 0xD0  304   -     pad                   0
 * </pre>
 * The volatile header ({@link Volatile}) is 512 bytes at {@code volatileHeaderOffset}.
 */
public record SeSparseHeader(
    long capacity,
    long volatileHeaderOffset, long volatileHeaderSize,
    long journalHeaderOffset, long journalHeaderSize,
    long journalOffset, long journalSize,
    long grainDirOffset, long grainDirSize,
    long grainTablesOffset, long grainTablesSize,
    long freeBitmapOffset, long freeBitmapSize,
    long backmapOffset, long backmapSize,
    long grainsOffset, long grainsSize) {

  /** Constant-header size in bytes. */
  public static final int SIZE = 512;
  /** Constant-header magic. */
  public static final long MAGIC = 0xCAFEBABEL;
  static final long VERSION = 0x0000000200000001L;
  static final long GRAIN_SECTORS = 8;
  static final long GT_SECTORS = 64;
  static final int GT_ENTRIES = 4096;
  /** The largest capacity accepted, in sectors: 64 TiB, above the SEsparse maximum of just under 64 TB. */
  static final long MAX_CAPACITY = 1L << 37;

  private static final String STRUCTURE = "SeSparseHeader";
  private static final int OFF_MAGIC = 0x00;
  private static final int OFF_VERSION = 0x08;
  private static final int OFF_CAPACITY = 0x10;
  private static final int OFF_GRAIN_SIZE = 0x18;
  private static final int OFF_GT_SIZE = 0x20;
  private static final int OFF_FLAGS = 0x28;
  private static final int OFF_RESERVED = 0x30;
  private static final int OFF_AREAS = 0x50;
  private static final int OFF_PAD = 0xD0;

  /**
   * The volatile header, 512 bytes (VMDKSESparseVolatileHeader in qemu).
   * <pre>
   * off   size  type  field              meaning
   * 0x00  8     u64   magic              0x00000000CAFECAFE
   * 0x08  8     u64   freeGtNumber       next unused GT index (stored, not trusted)
   * 0x10  8     u64   nextTxnSeqNumber   journal sequence
   * 0x18  8     u64   replayJournal      must be 0
   * 0x20  480   -     pad                0
   * </pre>
   */
  record Volatile(long freeGtNumber, long nextTxnSeqNumber, long replayJournal) {
    static final long MAGIC = 0xCAFECAFEL;

    static Volatile decode(ByteBuffer src, long fileOffset)
        throws CorruptStructureException, UnsupportedFormatException {
      long magic = LittleEndian.u64(src, 0);
      if (magic != MAGIC) {
        throw Corrupt.magic("SeSparseVolatileHeader", fileOffset, MAGIC, magic);
      }
      long replay = LittleEndian.u64(src, 0x18);
      if (replay != 0) {
        throw new UnsupportedFormatException("SeSparseVolatileHeader", fileOffset + 0x18,
            "image is dirty (replayJournal %d); replaying the journal is not supported".formatted(replay));
      }
      checkZero(src, 0x20, SIZE, "SeSparseVolatileHeader", fileOffset);
      return new Volatile(LittleEndian.u64(src, 0x08), LittleEndian.u64(src, 0x10), replay);
    }

    void encode(ByteBuffer dst) {
      clear(dst);
      LittleEndian.putU64(dst, 0, MAGIC);
      LittleEndian.putU64(dst, 0x08, freeGtNumber);
      LittleEndian.putU64(dst, 0x10, nextTxnSeqNumber);
      LittleEndian.putU64(dst, 0x18, replayJournal);
    }
  }

  /** Returns the layout vmfskit writes for a new delta of {@code capacity} sectors. */
  static SeSparseHeader forNewDelta(long capacity) {
    long gts = Math.max(1, Math.ceilDiv(capacity, GT_ENTRIES * GRAIN_SECTORS));
    long gdSectors = Math.ceilDiv(gts * 8, 512);
    long gdOffset = 8;
    long gtOffset = gdOffset + gdSectors;
    long gtSize = gts * GT_SECTORS;
    long afterGts = gtOffset + gtSize;
    long grains = Math.ceilDiv(afterGts, GRAIN_SECTORS) * GRAIN_SECTORS;
    return new SeSparseHeader(capacity, 1, 1, 2, 1, 3, 5, gdOffset, gdSectors, gtOffset, gtSize,
        afterGts, 0, afterGts, 0, grains, Math.ceilDiv(capacity, GRAIN_SECTORS) * GRAIN_SECTORS);
  }

  /** Returns the number of GD entries. */
  long gdEntries() {
    return grainDirSize * (512 / 8);
  }

  private long[] areas() {
    return new long[] {volatileHeaderOffset, volatileHeaderSize, journalHeaderOffset, journalHeaderSize,
        journalOffset, journalSize, grainDirOffset, grainDirSize, grainTablesOffset, grainTablesSize,
        freeBitmapOffset, freeBitmapSize, backmapOffset, backmapSize, grainsOffset, grainsSize};
  }

  /** Decodes the constant header with every check qemu makes. */
  public static SeSparseHeader decode(ByteBuffer src, long fileOffset)
      throws CorruptStructureException, UnsupportedFormatException {
    long magic = LittleEndian.u64(src, OFF_MAGIC);
    if (magic != MAGIC) {
      throw Corrupt.magic(STRUCTURE, fileOffset, MAGIC, magic);
    }
    expect(src, OFF_VERSION, VERSION, "version", fileOffset);
    expect(src, OFF_GRAIN_SIZE, GRAIN_SECTORS, "grainSize", fileOffset);
    expect(src, OFF_GT_SIZE, GT_SECTORS, "grainTableSize", fileOffset);
    expect(src, OFF_FLAGS, 0, "flags", fileOffset);
    checkZero(src, OFF_RESERVED, OFF_AREAS, STRUCTURE, fileOffset);
    checkZero(src, OFF_PAD, SIZE, STRUCTURE, fileOffset);
    long[] v = new long[16];
    for (int i = 0; i < 16; i++) {
      v[i] = LittleEndian.u64(src, OFF_AREAS + 8 * i);
      if (v[i] < 0 || v[i] > (1L << 50)) {
        throw Corrupt.range(STRUCTURE, fileOffset + OFF_AREAS + 8 * i, "area field " + i, 0, 1L << 50, v[i]);
      }
    }
    long capacity = LittleEndian.u64(src, OFF_CAPACITY);
    if (capacity <= 0 || capacity > MAX_CAPACITY) {
      throw Corrupt.range(STRUCTURE, fileOffset + OFF_CAPACITY, "capacity", 1, MAX_CAPACITY, capacity);
    }
    return new SeSparseHeader(capacity, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10],
        v[11], v[12], v[13], v[14], v[15]);
  }

  /** Encodes the constant header into the first {@link #SIZE} bytes of {@code dst}. */
  void encode(ByteBuffer dst) {
    clear(dst);
    LittleEndian.putU64(dst, OFF_MAGIC, MAGIC);
    LittleEndian.putU64(dst, OFF_VERSION, VERSION);
    LittleEndian.putU64(dst, OFF_CAPACITY, capacity);
    LittleEndian.putU64(dst, OFF_GRAIN_SIZE, GRAIN_SECTORS);
    LittleEndian.putU64(dst, OFF_GT_SIZE, GT_SECTORS);
    long[] v = areas();
    for (int i = 0; i < v.length; i++) {
      LittleEndian.putU64(dst, OFF_AREAS + 8 * i, v[i]);
    }
  }

  ByteBuffer toBuffer() {
    ByteBuffer buffer = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
    encode(buffer);
    return buffer;
  }

  private static void expect(ByteBuffer src, int offset, long expected, String field, long fileOffset)
      throws UnsupportedFormatException {
    long actual = LittleEndian.u64(src, offset);
    if (actual != expected) {
      throw new UnsupportedFormatException(STRUCTURE, fileOffset + offset,
          "unsupported %s (expected %s, was %s)".formatted(field, Corrupt.hex(expected), Corrupt.hex(actual)));
    }
  }

  private static void checkZero(ByteBuffer src, int from, int to, String structure, long fileOffset)
      throws UnsupportedFormatException {
    for (int i = from; i < to; i++) {
      if (src.get(i) != 0) {
        throw new UnsupportedFormatException(structure, fileOffset + i, "non-zero reserved or padding byte");
      }
    }
  }

  private static void clear(ByteBuffer dst) {
    for (int i = 0; i < SIZE; i++) {
      dst.put(i, (byte) 0);
    }
  }
}
