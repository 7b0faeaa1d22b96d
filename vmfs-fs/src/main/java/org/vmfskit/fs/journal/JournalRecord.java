package org.vmfskit.fs.journal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.LittleEndian;

/**
 * One journaled metadata change: the new contents of every sector it writes, at L 0x200 right
 * after the {@link JournalHeader}; vmfskit's own format.
 * <pre>
 * off   size     type  field        meaning
 * 0x00  8        u64   magic        "VMFSKREC" as little-endian bytes
 * 0x08  8        u64   sequence     1, 2, 3 ... per volume
 * 0x10  4        u32   runCount     entries in the run table
 * 0x14  4        u32   dataSectors  sectors of data, the sum of the runs' sectors
 * 0x18  4        u32   crc32c       of the whole record (header, table, data) with this field zero
 * 0x1C  4        -     zero
 * 0x20  16 x n   run   runs         u64 device offset (sector aligned), u32 sectors, u32 zero
 * ...   4 x d    u32   before       CRC-32C of each data sector's content before the change
 * ...   -        -     zero         up to the next sector boundary
 * ...   512 x d  -     data         the runs' new bytes, in table order
 * </pre>
 * A record whose checksum does not match was torn by a crash before its in-place writes began, so
 * it is ignored; a record with a good checksum but impossible fields is corruption. The
 * {@code before} checksums let a replay make sure every sector still holds its old or its new
 * content (a sector is written whole), that is, that nobody else wrote there since.
 *
 * @param sequence the record's number; a newer record supersedes older ones
 * @param runs where the data goes, in order
 * @param before the CRC-32C of every data sector's old content, in data order
 * @param data the new bytes of all runs, concatenated (owned by the record; never changed)
 */
public record JournalRecord(long sequence, List<Run> runs, int[] before, byte[] data) {

  /** "VMFSKREC". */
  public static final long MAGIC = 0x4345524B53464D56L;
  /** Bytes of a sector: the unit of runs. */
  public static final int SECTOR = 512;
  private static final int RUN_TABLE = 0x20;
  private static final int RUN_SIZE = 16;

  /**
   * One contiguous range of sectors written by the change.
   *
   * @param deviceOffset where the range starts on the device
   * @param sectors its length in sectors
   */
  public record Run(long deviceOffset, int sectors) {}

  /** Checks what the Java types cannot. */
  public JournalRecord {
    runs = List.copyOf(runs);
    long sectors = 0;
    for (Run run : runs) {
      sectors += run.sectors();
    }
    if (sectors * SECTOR != data.length || before.length != sectors) {
      throw new IllegalArgumentException("runs cover " + sectors + " sectors but the data holds " + data.length + " bytes and "
          + before.length + " checksums");
    }
  }

  /** Returns the bytes the encoded record takes for {@code runCount} runs and {@code dataSectors}. */
  public static long encodedSize(long runCount, long dataSectors) {
    return dataStart(runCount, dataSectors) + dataSectors * SECTOR;
  }

  private static long dataStart(long runCount, long dataSectors) {
    return align(RUN_TABLE + runCount * RUN_SIZE + dataSectors * 4);
  }

  /** Returns the CRC-32C of sector {@code index} of {@code bytes} (the {@code before} value). */
  public static int sectorCrc(byte[] bytes, int index) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, index * SECTOR, SECTOR);
    return (int) crc.getValue();
  }

  /** Returns whether the sector in {@code first} (a record's first sector) starts with the magic. */
  public static boolean hasMagic(ByteBuffer first) {
    return first.capacity() >= RUN_TABLE && LittleEndian.u64(first, 0) == MAGIC;
  }

  /** Returns the sequence field of a record's first sector. */
  public static long sequenceOf(ByteBuffer first) {
    return LittleEndian.u64(first, 0x08);
  }

  /** Returns the bytes the record whose first sector is {@code first} says it takes. */
  public static long encodedSizeOf(ByteBuffer first) {
    return encodedSize(LittleEndian.u32(first, 0x10), LittleEndian.u32(first, 0x14));
  }

  /** Returns the bytes this record takes encoded. */
  public int encodedSize() {
    return (int) encodedSize(runs.size(), data.length / SECTOR);
  }

  /** Encodes the record into a new buffer. */
  public ByteBuffer encode() {
    ByteBuffer out = ByteBuffer.allocate(encodedSize()).order(ByteOrder.LITTLE_ENDIAN);
    LittleEndian.putU64(out, 0x00, MAGIC);
    LittleEndian.putU64(out, 0x08, sequence);
    LittleEndian.putU32(out, 0x10, runs.size());
    LittleEndian.putU32(out, 0x14, data.length / SECTOR);
    for (int i = 0; i < runs.size(); i++) {
      LittleEndian.putU64(out, RUN_TABLE + i * RUN_SIZE, runs.get(i).deviceOffset());
      LittleEndian.putU32(out, RUN_TABLE + i * RUN_SIZE + 8, runs.get(i).sectors());
    }
    int beforeAt = RUN_TABLE + runs.size() * RUN_SIZE;
    for (int i = 0; i < before.length; i++) {
      out.putInt(beforeAt + i * 4, before[i]);
    }
    out.put((int) dataStart(runs.size(), before.length), data);
    LittleEndian.putU32(out, 0x18, crc(out, out.capacity()));
    return out.clear();
  }

  /**
   * Decodes the record at the start of {@code src} (read from {@code deviceOffset}), or returns
   * empty when there is none or it was torn (no magic, or a checksum that does not match).
   *
   * @param firstTarget the lowest device offset a run may write (the end of the journal area)
   * @param deviceSize the device's size: runs must end within it
   */
  public static Optional<JournalRecord> decode(ByteBuffer src, long deviceOffset, long firstTarget, long deviceSize) throws CorruptStructureException {
    if (!hasMagic(src)) {
      return Optional.empty();
    }
    long sequence = sequenceOf(src);
    long runCount = LittleEndian.u32(src, 0x10);
    long dataSectors = LittleEndian.u32(src, 0x14);
    long size = encodedSizeOf(src);
    if (size > src.capacity()) {
      throw Corrupt.range("JournalRecord", deviceOffset + 0x10, "runCount/dataSectors (record bytes)", RUN_TABLE, src.capacity(), size);
    }
    if (LittleEndian.u32(src, 0x18) != crc(src, (int) size)) {
      return Optional.empty();
    }
    if (sequence == 0) {
      throw Corrupt.field("JournalRecord", deviceOffset + 0x08, "sequence", "at least 1", 0);
    }
    List<Run> runs = new ArrayList<>((int) runCount);
    long sectors = 0;
    for (int i = 0; i < runCount; i++) {
      int at = RUN_TABLE + i * RUN_SIZE;
      long target = LittleEndian.u64(src, at);
      long length = LittleEndian.u32(src, at + 8);
      if (target % SECTOR != 0 || length == 0 || target < firstTarget || target > deviceSize || length * SECTOR > deviceSize - target) {
        throw Corrupt.defect("JournalRecord", deviceOffset + at, "run " + i, "run outside the volume's metadata range",
            "sector-aligned within " + Corrupt.hex(firstTarget) + "-" + Corrupt.hex(deviceSize), Corrupt.hex(target) + "+" + length + " sectors");
      }
      sectors += length;
      runs.add(new Run(target, (int) length));
    }
    if (sectors != dataSectors) {
      throw Corrupt.field("JournalRecord", deviceOffset + 0x14, "dataSectors", sectors, dataSectors);
    }
    int[] before = new int[(int) dataSectors];
    int beforeAt = (int) (RUN_TABLE + runCount * RUN_SIZE);
    for (int i = 0; i < before.length; i++) {
      before[i] = LittleEndian.raw32(src, beforeAt + i * 4);
    }
    byte[] data = new byte[(int) (dataSectors * SECTOR)];
    src.get((int) dataStart(runCount, dataSectors), data);
    return Optional.of(new JournalRecord(sequence, runs, before, data));
  }

  private static long align(long bytes) {
    return (bytes + SECTOR - 1) / SECTOR * SECTOR;
  }

  private static long crc(ByteBuffer src, int length) {
    CRC32C crc = new CRC32C();
    ByteBuffer view = src.duplicate().clear();
    crc.update(view.limit(0x18));
    crc.update(ByteBuffer.allocate(4));
    crc.update(view.limit(length).position(0x1C));
    return crc.getValue();
  }
}
