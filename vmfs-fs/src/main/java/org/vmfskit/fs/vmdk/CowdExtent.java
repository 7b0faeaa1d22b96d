package org.vmfskit.fs.vmdk;

import it.unimi.dsi.fastutil.ints.Int2ObjectLinkedOpenHashMap;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.CorruptStructureException;

/**
 * A vmfsSparse (COWD) extent: header, grain directory at {@code gdOffset}, then an append-only
 * area of 4096-entry grain tables and grains in allocation order. Every GD and GT entry is checked
 * against the file before use. New GTs and grains go to {@code freeSector}; the file grows in
 * 16 MiB steps through {@link DiskFile#allocate}. Grain data is written before the GT entry that
 * points to it, and the GT before the GD entry.
 */
final class CowdExtent implements Extent {

  /** The step in which a delta file grows, as ESX grows redo logs on VMFS. */
  static final long GROWTH_STEP = 16L << 20;

  private static final String GD = "CowdGrainDirectory";
  private static final String GT = "CowdGrainTable";
  private static final int GT_BYTES = CowdHeader.GT_ENTRIES * 4;
  private static final int GT_SECTORS = GT_BYTES / 512;
  /** 4 MiB of grain tables per layer: the merged index needs one per layer at a time. */
  private static final int MAX_CACHED_GTS = 256;

  private final DiskFile file;
  private CowdHeader header;
  private final int[] rawGd;
  private final int grainBytes;
  private final long dataStartSector;
  /** Loaded grain tables by GD index, oldest first; raw u32 sector numbers. */
  private final Int2ObjectLinkedOpenHashMap<int[]> tables = new Int2ObjectLinkedOpenHashMap<>();
  private long fileSize;
  private boolean headerDirty;
  /** Reused for loading grain tables. */
  private final ByteBuffer gtBuffer = ByteBuffer.allocateDirect(GT_BYTES).order(ByteOrder.LITTLE_ENDIAN);

  private CowdExtent(DiskFile file, CowdHeader header, int[] rawGd, long fileSize) {
    this.file = file;
    this.header = header;
    this.rawGd = rawGd;
    this.grainBytes = Math.toIntExact(header.grainSize() * 512);
    this.dataStartSector = header.gdOffset() + header.gdSectors();
    this.fileSize = fileSize;
  }

  /** Opens an existing COWD extent, checking the header and every GD entry. */
  static CowdExtent open(DiskFile file) throws IOException {
    ByteBuffer raw = Extent.readStructure(file, 0, ByteBuffer.allocate(CowdHeader.SIZE), "CowdHeader");
    CowdHeader header = CowdHeader.decode(raw, 0);
    long size = file.size();
    long gdByteOffset = header.gdOffset() * 512;
    long dataStart = header.gdOffset() + header.gdSectors();
    if (header.grainSize() > Integer.MAX_VALUE / 512) {
      throw Corrupt.range("CowdHeader", 0x10, "grainSize", 1, Integer.MAX_VALUE / 512, header.grainSize());
    }
    ByteBuffer gdBuffer = ByteBuffer.allocate(Math.toIntExact(header.numGdEntries() * 4));
    Extent.readStructure(file, gdByteOffset, gdBuffer, GD);
    int[] rawGd = new int[Math.toIntExact(header.numGdEntries())];
    for (int i = 0; i < rawGd.length; i++) {
      rawGd[i] = gdBuffer.getInt(i * 4);
      long sector = Integer.toUnsignedLong(rawGd[i]);
      if (sector != 0 && (sector < dataStart || (sector + GT_SECTORS) * 512 > size)) {
        throw Corrupt.defect(GD, gdByteOffset + i * 4L, "entry " + i, "grain table outside the file",
            "sector " + dataStart + ".." + (size / 512 - GT_SECTORS), sector);
      }
    }
    if (header.freeSector() < dataStart || header.freeSector() * 512 > size) {
      throw Corrupt.range("CowdHeader", 0x1C, "freeSector", dataStart, size / 512, header.freeSector());
    }
    return new CowdExtent(file, header, rawGd, size);
  }

  /** Creates a new empty delta of {@code numSectors} sectors in an empty file. */
  static CowdExtent create(DiskFile file, long numSectors) throws IOException {
    CowdHeader header = CowdHeader.forNewDelta(numSectors);
    long size = roundUpToStep(header.freeSector() * 512);
    file.allocate(size);
    file.write(0, header.toBuffer());
    return new CowdExtent(file, header, new int[Math.toIntExact(header.numGdEntries())], size);
  }

  CowdHeader header() {
    return header;
  }

  @Override
  public long sizeBytes() {
    return header.numSectors() * 512;
  }

  @Override
  public int grainBytes() {
    return grainBytes;
  }

  @Override
  public DiskFile file() {
    return file;
  }

  @Override
  public void map(long offset, int units, int unitBytes, long[] fileOffsets, short[] owners, int at, short self)
      throws IOException {
    long position = offset;
    int i = 0;
    while (i < units) {
      int gdi = (int) (position / grainBytes / CowdHeader.GT_ENTRIES);
      long spanEnd = (gdi + 1L) * CowdHeader.GT_ENTRIES * grainBytes;
      int spanUnits = (int) Math.min(units - i, (spanEnd - position) / unitBytes);
      if (rawGd[gdi] != 0) {
        claimSpan(gdi, table(gdi), position, spanUnits, unitBytes, fileOffsets, owners, at + i, self);
      }
      i += spanUnits;
      position += (long) spanUnits * unitBytes;
    }
  }

  /** Claims the units of one grain table's span; the common grain == unit case is one tight loop. */
  private void claimSpan(int gdi, int[] table, long position, int units, int unitBytes, long[] fileOffsets,
      short[] owners, int at, short self) throws CorruptStructureException {
    int firstEntry = (int) (position / grainBytes % CowdHeader.GT_ENTRIES);
    if (unitBytes == grainBytes) {
      for (int k = 0; k < units; k++) {
        int entry = table[firstEntry + k];
        if (entry != 0 && owners[at + k] == UNRESOLVED) {
          owners[at + k] = self;
          fileOffsets[at + k] = checked(gdi, firstEntry + k, entry) * 512;
        }
      }
      return;
    }
    for (int k = 0; k < units; k++) {
      long p = position + (long) k * unitBytes;
      int gti = (int) (p / grainBytes % CowdHeader.GT_ENTRIES);
      int entry = table[gti];
      if (entry != 0 && owners[at + k] == UNRESOLVED) {
        owners[at + k] = self;
        fileOffsets[at + k] = checked(gdi, gti, entry) * 512 + p % grainBytes;
      }
    }
  }

  /**
   * Returns a non-zero GT entry as a sector after checking that its grain lies in the append-only
   * area and inside the file; entries are checked when used, not when their table is loaded.
   */
  private long checked(int gdi, int gti, int rawEntry) throws CorruptStructureException {
    long sector = Integer.toUnsignedLong(rawEntry);
    long lastValid = fileSize / 512 - header.grainSize();
    if (sector < dataStartSector || sector > lastValid) {
      throw Corrupt.defect(GT, Integer.toUnsignedLong(rawGd[gdi]) * 512 + gti * 4L, "entry " + gti,
          "grain outside the file", "sector " + dataStartSector + ".." + lastValid, sector);
    }
    return sector;
  }

  @Override
  public void write(long offset, ByteBuffer src) throws IOException {
    int grains = src.remaining() / grainBytes;
    long firstGrain = offset / grainBytes;
    long[] targets = new long[grains];
    long oldFree = header.freeSector();
    for (int k = 0; k < grains; k++) {
      targets[k] = locateOrAllocate(firstGrain + k);
    }
    ensureSize(header.freeSector() * 512);
    writeRuns(src, targets);
    if (header.freeSector() != oldFree) {
      writeNewMetadata(firstGrain, grains, oldFree);
    }
  }

  /** Writes the data of consecutive grains whose targets are adjacent with one call each. */
  private void writeRuns(ByteBuffer src, long[] targets) throws IOException {
    int start = 0;
    int base = src.position();
    for (int k = 1; k <= targets.length; k++) {
      if (k == targets.length || targets[k] != targets[k - 1] + grainBytes) {
        ByteBuffer slice = src.slice(base + start * grainBytes, (k - start) * grainBytes);
        file.write(targets[start], slice);
        start = k;
      }
    }
    src.position(src.limit());
  }

  /**
   * Writes the GT entries of the new grains (one write per table: the grains are consecutive, so
   * their entries are too), new GTs with their GD entries, then freeSector. Entries in the span
   * that did not change are rewritten with the value already on disk.
   */
  private void writeNewMetadata(long firstGrain, int grains, long oldFree) throws IOException {
    long end = firstGrain + grains;
    for (long grain = firstGrain; grain < end; ) {
      int gdi = (int) (grain / CowdHeader.GT_ENTRIES);
      long tableEnd = Math.min(end, (gdi + 1L) * CowdHeader.GT_ENTRIES);
      long gtSector = Integer.toUnsignedLong(rawGd[gdi]);
      if (gtSector >= oldFree) {
        writeTable(gdi, gtSector);
        writeGdEntry(gdi);
      } else {
        writeEntries(gdi, gtSector, (int) (grain % CowdHeader.GT_ENTRIES), (int) (tableEnd - grain), oldFree);
      }
      grain = tableEnd;
    }
    ByteBuffer free = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
    free.putInt(0, (int) header.freeSector());
    file.write(CowdHeader.OFF_FREE_SECTOR_FIELD, free);
  }

  /** Writes entries {@code [from, from + count)} of an existing GT when any of them is new. */
  private void writeEntries(int gdi, long gtSector, int from, int count, long oldFree) throws IOException {
    int[] table = table(gdi);
    int first = -1;
    int last = -1;
    for (int gti = from; gti < from + count; gti++) {
      if (Integer.toUnsignedLong(table[gti]) >= oldFree) {
        first = first < 0 ? gti : first;
        last = gti;
      }
    }
    if (first < 0) {
      return;
    }
    ByteBuffer entries = ByteBuffer.allocate((last - first + 1) * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int gti = first; gti <= last; gti++) {
      entries.putInt((gti - first) * 4, table[gti]);
    }
    file.write(gtSector * 512 + first * 4L, entries);
  }

  private void writeTable(int gdi, long gtSector) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(GT_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    int[] table = tables.get(gdi);
    for (int i = 0; i < table.length; i++) {
      buffer.putInt(i * 4, table[i]);
    }
    file.write(gtSector * 512, buffer);
  }

  private void writeGdEntry(int gdi) throws IOException {
    ByteBuffer one = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, rawGd[gdi]);
    file.write(header.gdOffset() * 512 + gdi * 4L, one);
  }

  private long locateOrAllocate(long grain) throws IOException {
    int gdi = (int) (grain / CowdHeader.GT_ENTRIES);
    int gti = (int) (grain % CowdHeader.GT_ENTRIES);
    if (rawGd[gdi] == 0) {
      rawGd[gdi] = (int) allocateSectors(GT_SECTORS);
      tables.put(gdi, new int[CowdHeader.GT_ENTRIES]);
    }
    int[] table = table(gdi);
    if (table[gti] == 0) {
      table[gti] = (int) allocateSectors(header.grainSize());
      return Integer.toUnsignedLong(table[gti]) * 512;
    }
    return checked(gdi, gti, table[gti]) * 512;
  }

  private long allocateSectors(long sectors) throws IOException {
    long sector = header.freeSector();
    long next = sector + sectors;
    if (next > 0xFFFFFFFFL) {
      throw new IOException(file.name() + ": vmfsSparse delta is full (sector numbers are 32-bit)");
    }
    header = header.withFreeSector(next);
    headerDirty = true;
    return sector;
  }

  private void ensureSize(long needed) throws IOException {
    if (needed > fileSize) {
      fileSize = roundUpToStep(needed);
      file.allocate(fileSize);
    }
  }

  private static long roundUpToStep(long bytes) {
    return Math.ceilDiv(bytes, GROWTH_STEP) * GROWTH_STEP;
  }

  /** Returns the grain table of GD entry {@code gdi} (which must be non-zero), loading it once. */
  private int[] table(int gdi) throws IOException {
    int[] table = tables.getAndMoveToLast(gdi);
    if (table != null) {
      return table;
    }
    long gtOffset = Integer.toUnsignedLong(rawGd[gdi]) * 512;
    Extent.readStructure(file, gtOffset, gtBuffer.clear(), GT);
    table = new int[CowdHeader.GT_ENTRIES];
    gtBuffer.asIntBuffer().get(table);
    if (tables.size() >= MAX_CACHED_GTS) {
      tables.removeFirst();
    }
    tables.put(gdi, table);
    return table;
  }

  @Override
  public long allocatedBytes() throws IOException {
    long grains = 0;
    for (int gdi = 0; gdi < rawGd.length; gdi++) {
      if (rawGd[gdi] != 0) {
        for (int entry : table(gdi)) {
          grains += entry != 0 ? 1 : 0;
        }
      }
    }
    return grains * grainBytes;
  }

  @Override
  public void flush() throws IOException {
    if (headerDirty) {
      file.write(0, header.toBuffer());
      headerDirty = false;
    }
  }
}
