package org.vmfskit.fs.vmdk;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.LittleEndian;
import org.vmfskit.fs.format.UnsupportedFormatException;

/**
 * The header of a vmfsSparse ("COWD", ESX Server sparse) extent: 2048 bytes at offset 0 of a
 * {@code -delta.vmdk} file (COWDisk_Header in libvmdk; VMDK3Header in qemu).
 * <pre>
 * off    size  type   field             meaning
 * 0x000  4     bytes  magic             "COWD" (43 4F 57 44)
 * 0x004  4     u32    version           1 (Workstation 3 used 3); not checked
 * 0x008  4     u32    flags             3; not checked
 * 0x00C  4     u32    numSectors        capacity in sectors, 1 .. 2^32-1
 * 0x010  4     u32    grainSize         sectors per grain, power of two, 1 .. 0x200000; ESX writes 1
 * 0x014  4     u32    gdOffset          sector of the grain directory, at least 4; vmfskit writes 4
 * 0x018  4     u32    numGDEntries      ceil(numSectors / (4096 * grainSize))
 * 0x01C  4     u32    freeSector        next free sector (high-water mark); qemu ignores it
 * 0x020  1024  char   parentFileName    child: NUL-padded, empty in ESX deltas (root: geometry)
 * 0x420  4     u32    parentGeneration  0
 * 0x424  4     u32    generation        0
 * 0x428  60    char   name              NUL-padded
 * 0x464  512   char   description       NUL-padded
 * 0x664  4     u32    savedGeneration   0
 * 0x668  8     -      reserved          0
 * 0x670  4     u32    uncleanShutdown   dirty flag, 0 or 1
 * 0x674  396   -      padding           0
 * </pre>
 *
 * @param version format version
 * @param flags header flags
 * @param numSectors capacity in sectors
 * @param grainSize grain size in sectors
 * @param gdOffset grain directory sector
 * @param numGdEntries grain directory entries
 * @param freeSector first unused sector of the append-only area
 * @param parentFileName stored parent name (usually empty)
 * @param parentGeneration parent generation
 * @param generation generation
 * @param name disk name
 * @param description description
 * @param savedGeneration saved generation
 * @param uncleanShutdown dirty flag
 */
public record CowdHeader(
    long version,
    long flags,
    long numSectors,
    long grainSize,
    long gdOffset,
    long numGdEntries,
    long freeSector,
    String parentFileName,
    long parentGeneration,
    long generation,
    String name,
    String description,
    long savedGeneration,
    long uncleanShutdown) {

  /** Header size in bytes. */
  public static final int SIZE = 2048;
  /** "COWD" read as a little-endian u32. */
  public static final int MAGIC = 0x44574F43;
  /** Entries per grain table (hard-coded by qemu and libvmdk). */
  public static final int GT_ENTRIES = 4096;
  /** Largest grain qemu accepts, in sectors. */
  static final long MAX_GRAIN_SECTORS = 0x200000;

  private static final String STRUCTURE = "CowdHeader";
  private static final int OFF_MAGIC = 0x000;
  private static final int OFF_VERSION = 0x004;
  private static final int OFF_FLAGS = 0x008;
  private static final int OFF_NUM_SECTORS = 0x00C;
  private static final int OFF_GRAIN_SIZE = 0x010;
  private static final int OFF_GD_OFFSET = 0x014;
  private static final int OFF_NUM_GD_ENTRIES = 0x018;
  private static final int OFF_FREE_SECTOR = 0x01C;
  private static final int OFF_PARENT_FILE_NAME = 0x020;
  private static final int OFF_PARENT_GENERATION = 0x420;
  private static final int OFF_GENERATION = 0x424;
  private static final int OFF_NAME = 0x428;
  private static final int OFF_DESCRIPTION = 0x464;
  private static final int OFF_SAVED_GENERATION = 0x664;
  private static final int OFF_UNCLEAN_SHUTDOWN = 0x670;
  static final int OFF_FREE_SECTOR_FIELD = OFF_FREE_SECTOR;

  /** Checks field widths and text lengths. */
  public CowdHeader {
    for (long v : new long[] {version, flags, numSectors, grainSize, gdOffset, numGdEntries, freeSector,
        parentGeneration, generation, savedGeneration, uncleanShutdown}) {
      checkArgument(v >= 0 && v <= 0xFFFFFFFFL, "COWD field %s is not a u32", v);
    }
    checkNotNull(parentFileName, "parentFileName");
    checkNotNull(name, "name");
    checkNotNull(description, "description");
  }

  /** Returns the header vmfskit writes for a new delta of {@code numSectors} sectors, grain 1. */
  static CowdHeader forNewDelta(long numSectors) {
    long gdEntries = Math.ceilDiv(numSectors, GT_ENTRIES);
    long gdSectors = Math.ceilDiv(gdEntries * 4, 512);
    return new CowdHeader(1, 3, numSectors, 1, 4, gdEntries, 4 + gdSectors, "", 0, 0, "", "", 0, 0);
  }

  /** Returns the sectors the grain directory takes, padded to whole sectors. */
  public long gdSectors() {
    return Math.ceilDiv(numGdEntries * 4, 512);
  }

  /** Returns a copy with another free sector. */
  CowdHeader withFreeSector(long newFreeSector) {
    return new CowdHeader(version, flags, numSectors, grainSize, gdOffset, numGdEntries, newFreeSector,
        parentFileName, parentGeneration, generation, name, description, savedGeneration, uncleanShutdown);
  }

  /** Decodes and checks a header; {@code src} is little-endian and holds {@link #SIZE} bytes. */
  public static CowdHeader decode(ByteBuffer src, long fileOffset)
      throws CorruptStructureException, UnsupportedFormatException {
    int magic = LittleEndian.raw32(src, OFF_MAGIC);
    if (magic != MAGIC) {
      throw Corrupt.magic(STRUCTURE, fileOffset, MAGIC, Integer.toUnsignedLong(magic));
    }
    long numSectors = LittleEndian.u32(src, OFF_NUM_SECTORS);
    long grainSize = LittleEndian.u32(src, OFF_GRAIN_SIZE);
    long gdOffset = LittleEndian.u32(src, OFF_GD_OFFSET);
    long numGdEntries = LittleEndian.u32(src, OFF_NUM_GD_ENTRIES);
    if (numSectors == 0) {
      throw Corrupt.range(STRUCTURE, fileOffset + OFF_NUM_SECTORS, "numSectors", 1, 0xFFFFFFFFL, 0);
    }
    if (grainSize == 0 || grainSize > MAX_GRAIN_SECTORS) {
      throw Corrupt.range(STRUCTURE, fileOffset + OFF_GRAIN_SIZE, "grainSize", 1, MAX_GRAIN_SECTORS, grainSize);
    }
    if (Long.bitCount(grainSize) != 1) {
      throw new UnsupportedFormatException(
          STRUCTURE, fileOffset + OFF_GRAIN_SIZE, "grain size %d is not a power of two".formatted(grainSize));
    }
    if (gdOffset < SIZE / 512) {
      throw Corrupt.range(STRUCTURE, fileOffset + OFF_GD_OFFSET, "gdOffset", SIZE / 512, 0xFFFFFFFFL, gdOffset);
    }
    long needed = Math.ceilDiv(numSectors, GT_ENTRIES * grainSize);
    if (numGdEntries != needed) {
      throw Corrupt.field(STRUCTURE, fileOffset + OFF_NUM_GD_ENTRIES, "numGDEntries", needed, numGdEntries);
    }
    return new CowdHeader(
        LittleEndian.u32(src, OFF_VERSION),
        LittleEndian.u32(src, OFF_FLAGS),
        numSectors,
        grainSize,
        gdOffset,
        numGdEntries,
        LittleEndian.u32(src, OFF_FREE_SECTOR),
        LittleEndian.cString(src, OFF_PARENT_FILE_NAME, 1024),
        LittleEndian.u32(src, OFF_PARENT_GENERATION),
        LittleEndian.u32(src, OFF_GENERATION),
        LittleEndian.cString(src, OFF_NAME, 60),
        LittleEndian.cString(src, OFF_DESCRIPTION, 512),
        LittleEndian.u32(src, OFF_SAVED_GENERATION),
        LittleEndian.u32(src, OFF_UNCLEAN_SHUTDOWN));
  }

  /** Encodes the header into the first {@link #SIZE} bytes of {@code dst} (absolute puts). */
  void encode(ByteBuffer dst) {
    for (int i = 0; i < SIZE; i++) {
      dst.put(i, (byte) 0);
    }
    LittleEndian.putU32(dst, OFF_MAGIC, MAGIC);
    LittleEndian.putU32(dst, OFF_VERSION, version);
    LittleEndian.putU32(dst, OFF_FLAGS, flags);
    LittleEndian.putU32(dst, OFF_NUM_SECTORS, numSectors);
    LittleEndian.putU32(dst, OFF_GRAIN_SIZE, grainSize);
    LittleEndian.putU32(dst, OFF_GD_OFFSET, gdOffset);
    LittleEndian.putU32(dst, OFF_NUM_GD_ENTRIES, numGdEntries);
    LittleEndian.putU32(dst, OFF_FREE_SECTOR, freeSector);
    LittleEndian.putCString(dst, OFF_PARENT_FILE_NAME, 1024, parentFileName);
    LittleEndian.putU32(dst, OFF_PARENT_GENERATION, parentGeneration);
    LittleEndian.putU32(dst, OFF_GENERATION, generation);
    LittleEndian.putCString(dst, OFF_NAME, 60, name);
    LittleEndian.putCString(dst, OFF_DESCRIPTION, 512, description);
    LittleEndian.putU32(dst, OFF_SAVED_GENERATION, savedGeneration);
    LittleEndian.putU32(dst, OFF_UNCLEAN_SHUTDOWN, uncleanShutdown);
  }

  /** Returns the encoded header in a new little-endian buffer. */
  ByteBuffer toBuffer() {
    ByteBuffer buffer = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
    encode(buffer);
    return buffer;
  }
}
