package org.vmfskit.fs.device.container;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.LittleEndian;

/**
 * The GPT header (UEFI spec, "GPT Header"), in LBA 1 (primary) and the last LBA (backup).
 * <pre>
 * off   size  type  field             meaning
 * 0x00  8     char  signature         "EFI PART"
 * 0x08  4     u32   revision          0x00010000
 * 0x0C  4     u32   headerSize        92 .. sector size
 * 0x10  4     u32   headerCrc32       CRC32 of headerSize bytes with this field zero
 * 0x14  4     u32   reserved          0
 * 0x18  8     u64   myLba             LBA of this header
 * 0x20  8     u64   alternateLba      LBA of the other header
 * 0x28  8     u64   firstUsableLba    first sector a partition may use
 * 0x30  8     u64   lastUsableLba     last sector a partition may use, inclusive
 * 0x38  16    guid  diskGuid          the disk's GUID
 * 0x48  8     u64   entriesLba        first sector of the entry array
 * 0x50  4     u32   entryCount        entries in the array, at most {@value #MAX_ENTRIES} here
 * 0x54  4     u32   entrySize         bytes per entry: 128 * 2^n
 * 0x58  4     u32   entriesCrc32      CRC32 of entryCount * entrySize bytes of the array
 * </pre>
 *
 * @param myLba the LBA of this header
 * @param alternateLba the LBA of the other copy
 * @param firstUsableLba the first usable sector
 * @param lastUsableLba the last usable sector
 * @param diskGuid the disk GUID as text
 * @param entriesLba the first sector of the entry array
 * @param entryCount the number of entries
 * @param entrySize the size of one entry in bytes
 * @param entriesCrc32 the CRC32 of the entry array
 */
public record GptHeader(long myLba, long alternateLba, long firstUsableLba, long lastUsableLba, String diskGuid,
    long entriesLba, int entryCount, int entrySize, long entriesCrc32) {

  /** The header's size in bytes as written here (revision 1.0). */
  public static final int SIZE = 92;
  /** "EFI PART" read as a little-endian u64. */
  public static final long MAGIC = 0x5452415020494645L;
  /** The most entries accepted: 128 is standard; more is allowed but bounded against hostile input. */
  public static final int MAX_ENTRIES = 4096;

  private static final String STRUCTURE = "GptHeader";
  private static final long REVISION = 0x00010000L;
  private static final int OFF_SIGNATURE = 0x00;
  private static final int OFF_REVISION = 0x08;
  private static final int OFF_HEADER_SIZE = 0x0C;
  private static final int OFF_HEADER_CRC = 0x10;
  private static final int OFF_MY_LBA = 0x18;
  private static final int OFF_ALTERNATE_LBA = 0x20;
  private static final int OFF_FIRST_USABLE = 0x28;
  private static final int OFF_LAST_USABLE = 0x30;
  private static final int OFF_DISK_GUID = 0x38;
  private static final int OFF_ENTRIES_LBA = 0x48;
  private static final int OFF_ENTRY_COUNT = 0x50;
  private static final int OFF_ENTRY_SIZE = 0x54;
  private static final int OFF_ENTRIES_CRC = 0x58;

  /**
   * Decodes the header in {@code sector} (one sector read at {@code deviceOffset}), checking the
   * signature, the header size, its CRC32 and the entry geometry.
   */
  public static GptHeader decode(ByteBuffer sector, long deviceOffset) throws CorruptStructureException {
    long signature = LittleEndian.u64(sector, OFF_SIGNATURE);
    if (signature != MAGIC) {
      throw Corrupt.magic(STRUCTURE, deviceOffset, MAGIC, signature);
    }
    long headerSize = LittleEndian.u32(sector, OFF_HEADER_SIZE);
    if (headerSize < SIZE || headerSize > sector.capacity()) {
      throw Corrupt.range(STRUCTURE, deviceOffset, "headerSize", SIZE, sector.capacity(), headerSize);
    }
    long stored = LittleEndian.u32(sector, OFF_HEADER_CRC);
    long computed = headerCrc(sector, (int) headerSize);
    if (stored != computed) {
      throw Corrupt.defect(STRUCTURE, deviceOffset, "headerCrc32", "header checksum mismatch", Corrupt.hex(computed), Corrupt.hex(stored));
    }
    long revision = LittleEndian.u32(sector, OFF_REVISION);
    if (revision != REVISION) {
      throw Corrupt.field(STRUCTURE, deviceOffset, "revision", Corrupt.hex(REVISION), Corrupt.hex(revision));
    }
    long count = LittleEndian.u32(sector, OFF_ENTRY_COUNT);
    if (count > MAX_ENTRIES) {
      throw Corrupt.range(STRUCTURE, deviceOffset, "entryCount", 0, MAX_ENTRIES, count);
    }
    long size = LittleEndian.u32(sector, OFF_ENTRY_SIZE);
    if (size < GptEntry.SIZE || size > 4096 || Long.bitCount(size) != 1) {
      throw Corrupt.defect(STRUCTURE, deviceOffset, "entrySize", "entry size is not 128 * 2^n", "128..4096", size);
    }
    return new GptHeader(LittleEndian.u64(sector, OFF_MY_LBA), LittleEndian.u64(sector, OFF_ALTERNATE_LBA),
        LittleEndian.u64(sector, OFF_FIRST_USABLE), LittleEndian.u64(sector, OFF_LAST_USABLE),
        GptEntry.guid(sector, OFF_DISK_GUID), LittleEndian.u64(sector, OFF_ENTRIES_LBA), (int) count, (int) size,
        LittleEndian.u32(sector, OFF_ENTRIES_CRC));
  }

  /** Encodes the header into the first {@value #SIZE} bytes of {@code dst}, computing its CRC32. */
  public void encode(ByteBuffer dst) {
    for (int i = 0; i < SIZE; i++) {
      dst.put(i, (byte) 0);
    }
    LittleEndian.putU64(dst, OFF_SIGNATURE, MAGIC);
    LittleEndian.putU32(dst, OFF_REVISION, REVISION);
    LittleEndian.putU32(dst, OFF_HEADER_SIZE, SIZE);
    LittleEndian.putU64(dst, OFF_MY_LBA, myLba);
    LittleEndian.putU64(dst, OFF_ALTERNATE_LBA, alternateLba);
    LittleEndian.putU64(dst, OFF_FIRST_USABLE, firstUsableLba);
    LittleEndian.putU64(dst, OFF_LAST_USABLE, lastUsableLba);
    GptEntry.putGuid(dst, OFF_DISK_GUID, diskGuid);
    LittleEndian.putU64(dst, OFF_ENTRIES_LBA, entriesLba);
    LittleEndian.putU32(dst, OFF_ENTRY_COUNT, entryCount);
    LittleEndian.putU32(dst, OFF_ENTRY_SIZE, entrySize);
    LittleEndian.putU32(dst, OFF_ENTRIES_CRC, entriesCrc32);
    LittleEndian.putU32(dst, OFF_HEADER_CRC, headerCrc(dst, SIZE));
  }

  /** Returns the CRC32 of the first {@code headerSize} bytes with the CRC field taken as zero. */
  private static long headerCrc(ByteBuffer sector, int headerSize) {
    ByteBuffer copy = ByteBuffer.allocate(headerSize).order(ByteOrder.LITTLE_ENDIAN);
    copy.put(0, sector, 0, headerSize);
    LittleEndian.putU32(copy, OFF_HEADER_CRC, 0);
    CRC32 crc = new CRC32();
    crc.update(copy);
    return crc.getValue();
  }

  /** Returns the CRC32 of an entry array. */
  public static long entriesCrc(ByteBuffer entries) {
    CRC32 crc = new CRC32();
    crc.update(entries.duplicate().clear());
    return crc.getValue();
  }
}
