package org.vmfskit.fs.vmdk;

import it.unimi.dsi.fastutil.ints.Int2ObjectLinkedOpenHashMap;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.ResourceLimitException;

/**
 * An SEsparse extent: 64-bit GD entries ({@code 0x10000000} in the high half, GT index in the low
 * half), GTs of 4096 64-bit entries in a preallocated area, 4 KiB grains. A GT entry's top nibble is
 * its state: 0 unallocated (ask the parent), 1 unmapped and 2 zero (read zeros), 3 allocated.
 * New GTs take the next free GT index, new grains are appended after the last grain in the file.
 */
final class SeSparseExtent implements Extent {

  /** qemu's limit on GD entries. */
  static final long MAX_GD_ENTRIES = 32L << 20;

  private static final String GD = "SeSparseGrainDirectory";
  private static final String GT = "SeSparseGrainTable";
  private static final int GRAIN_BYTES = 4096;
  private static final int GT_BYTES = SeSparseHeader.GT_ENTRIES * 8;
  private static final long GD_USED = 0x1000000000000000L;
  /** 4 MiB of grain tables per layer: the merged index needs one per layer at a time. */
  private static final int MAX_CACHED_GTS = 128;

  private final DiskFile file;
  private final SeSparseHeader header;
  private final long[] gd;
  private final Int2ObjectLinkedOpenHashMap<long[]> tables = new Int2ObjectLinkedOpenHashMap<>();
  private final long maxGrains;
  private long nextGt;
  private long nextGrain;

  private SeSparseExtent(DiskFile file, SeSparseHeader header, long[] gd, long nextGt, long nextGrain) {
    this.file = file;
    this.header = header;
    this.gd = gd;
    this.nextGt = nextGt;
    this.nextGrain = nextGrain;
    this.maxGrains = header.grainsSize() / SeSparseHeader.GRAIN_SECTORS;
  }

  /** Opens an SEsparse extent, checking both headers, the areas and every GD entry. */
  static SeSparseExtent open(DiskFile file) throws IOException {
    SeSparseHeader header = SeSparseHeader.decode(
        Extent.readStructure(file, 0, ByteBuffer.allocate(SeSparseHeader.SIZE), "SeSparseHeader"), 0);
    long volatileOffset = Corrupt.multiplyExact("SeSparseHeader", 0x50, "volatileHeaderOffset",
        header.volatileHeaderOffset(), 512);
    SeSparseHeader.Volatile.decode(
        Extent.readStructure(file, volatileOffset, ByteBuffer.allocate(512), "SeSparseVolatileHeader"),
        volatileOffset);
    long size = file.size();
    long needed = Math.ceilDiv(header.capacity(), SeSparseHeader.GT_ENTRIES * SeSparseHeader.GRAIN_SECTORS);
    if (header.gdEntries() > MAX_GD_ENTRIES) {
      throw new ResourceLimitException("SeSparseHeader", 0x88, "GD entries", MAX_GD_ENTRIES, header.gdEntries());
    }
    if (header.gdEntries() < needed) {
      throw Corrupt.range("SeSparseHeader", 0x88, "grainDirSize", Math.ceilDiv(needed * 8, 512),
          MAX_GD_ENTRIES / 64, header.grainDirSize());
    }
    if (header.grainTablesSize() < needed * SeSparseHeader.GT_SECTORS) {
      throw Corrupt.range("SeSparseHeader", 0x98, "grainTablesSize", needed * SeSparseHeader.GT_SECTORS,
          1L << 50, header.grainTablesSize());
    }
    long gdOffset = header.grainDirOffset() * 512;
    if (gdOffset + needed * 8 > size) {
      throw Corrupt.defect("SeSparseHeader", 0x80, "grainDirOffset", "grain directory outside the file",
          "end at most " + Corrupt.hex(size), Corrupt.hex(gdOffset + needed * 8));
    }
    ByteBuffer raw = Extent.readStructure(file, gdOffset, ByteBuffer.allocate((int) (needed * 8)), GD);
    long[] gd = new long[(int) needed];
    long maxGtIndex = header.grainTablesSize() / SeSparseHeader.GT_SECTORS;
    long nextGt = 0;
    for (int i = 0; i < gd.length; i++) {
      long entry = raw.getLong(i * 8);
      if (entry != 0) {
        long gtIndex = entry & 0xFFFFFFFFL;
        if ((entry & 0xFFFFFFFF00000000L) != GD_USED || gtIndex >= maxGtIndex) {
          throw Corrupt.defect(GD, gdOffset + i * 8L, "entry " + i, "bad GD entry",
              "0x10000000 << 32 | index below " + maxGtIndex, Corrupt.hex(entry));
        }
        long gtEnd = (header.grainTablesOffset() + (gtIndex + 1) * SeSparseHeader.GT_SECTORS) * 512;
        if (gtEnd > size) {
          throw Corrupt.defect(GD, gdOffset + i * 8L, "entry " + i, "grain table outside the file",
              "end at most " + Corrupt.hex(size), Corrupt.hex(gtEnd));
        }
        nextGt = Math.max(nextGt, gtIndex + 1);
      }
      gd[i] = entry;
    }
    long grainsStart = header.grainsOffset() * 512;
    long nextGrain = Math.max(0, Math.ceilDiv(size - grainsStart, GRAIN_BYTES));
    return new SeSparseExtent(file, header, gd, nextGt, nextGrain);
  }

  /** Creates an empty SEsparse extent of {@code capacity} sectors in an empty file. */
  static SeSparseExtent create(DiskFile file, long capacity) throws IOException {
    SeSparseHeader header = SeSparseHeader.forNewDelta(capacity);
    file.setSize(header.grainsOffset() * 512);
    file.write(0, header.toBuffer());
    ByteBuffer volatileHeader = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
    new SeSparseHeader.Volatile(0, 0, 0).encode(volatileHeader);
    file.write(header.volatileHeaderOffset() * 512, volatileHeader);
    long needed = Math.ceilDiv(capacity, SeSparseHeader.GT_ENTRIES * SeSparseHeader.GRAIN_SECTORS);
    return new SeSparseExtent(file, header, new long[(int) needed], 0, 0);
  }

  @Override
  public long sizeBytes() {
    return header.capacity() * 512;
  }

  @Override
  public int grainBytes() {
    return GRAIN_BYTES;
  }

  @Override
  public DiskFile file() {
    return file;
  }

  @Override
  public void map(long offset, int units, int unitBytes, long[] fileOffsets, short[] owners, int at, short self)
      throws IOException {
    int unitsPerGrain = GRAIN_BYTES / unitBytes;
    int currentGdi = -1;
    long[] table = null;
    int i = 0;
    while (i < units) {
      long position = offset + (long) i * unitBytes;
      long grain = position / GRAIN_BYTES;
      int gdi = (int) (grain / SeSparseHeader.GT_ENTRIES);
      int firstUnit = (int) (position % GRAIN_BYTES / unitBytes);
      int inGrain = Math.min(units - i, unitsPerGrain - firstUnit);
      if (gd[gdi] == 0) {
        long spanEnd = (gdi + 1L) * SeSparseHeader.GT_ENTRIES * GRAIN_BYTES;
        i = (int) Math.min(units, i + (spanEnd - position) / unitBytes);
        continue;
      }
      if (gdi != currentGdi) {
        table = table(gdi);
        currentGdi = gdi;
      }
      long entry = table[(int) (grain % SeSparseHeader.GT_ENTRIES)];
      if (entry != 0) {
        long base = (entry >>> 60) == 3 ? grainOffset(entry) + (long) firstUnit * unitBytes : ZERO;
        for (int u = 0; u < inGrain; u++) {
          if (owners[at + i + u] == UNRESOLVED) {
            owners[at + i + u] = self;
            fileOffsets[at + i + u] = base == ZERO ? ZERO : base + (long) u * unitBytes;
          }
        }
      }
      i += inGrain;
    }
  }

  private long grainOffset(long entry) {
    return header.grainsOffset() * 512 + grainIndex(entry) * GRAIN_BYTES;
  }

  static long grainIndex(long entry) {
    return ((entry >>> 48) & 0xFFF) | ((entry & 0x0000FFFFFFFFFFFFL) << 12);
  }

  static long allocatedEntry(long grainIndex) {
    return 0x3000000000000000L | (grainIndex & 0xFFF) << 48 | (grainIndex >>> 12);
  }

  @Override
  public void write(long offset, ByteBuffer src) throws IOException {
    int grains = src.remaining() / GRAIN_BYTES;
    long first = offset / GRAIN_BYTES;
    long[] targets = new long[grains];
    long oldNextGrain = nextGrain;
    long oldNextGt = nextGt;
    for (int k = 0; k < grains; k++) {
      targets[k] = locateOrAllocate(first + k);
    }
    int start = 0;
    for (int k = 1; k <= grains; k++) {
      if (k == grains || targets[k] != targets[k - 1] + GRAIN_BYTES) {
        file.write(targets[start], src.slice(src.position() + start * GRAIN_BYTES, (k - start) * GRAIN_BYTES));
        start = k;
      }
    }
    src.position(src.limit());
    if (nextGrain != oldNextGrain) {
      writeTables(first, grains, oldNextGt);
    }
    if (nextGt != oldNextGt) {
      writeVolatile();
    }
  }

  /** The grain states a range can be set to without data (spec 3.3). */
  enum GrainState {
    /** A guest UNMAP: reads give zeros, not the parent's bytes. */
    UNMAPPED(1),
    /** Zeroed: reads give zeros. */
    ZERO(2);

    final long entry;

    GrainState(long nibble) {
      this.entry = nibble << 60;
    }
  }

  /**
   * Sets every grain of {@code [offset, offset + length)} (grain-aligned, relative to the extent)
   * to {@code state}: the GT entries lose any data they pointed at (its space is not reused, as
   * the grain area only grows), GTs are created where missing, and the tables are written as a
   * data write's are.
   */
  void setState(long offset, long length, GrainState state) throws IOException {
    if (offset % GRAIN_BYTES != 0 || length % GRAIN_BYTES != 0 || offset < 0 || offset + length > sizeBytes()) {
      throw new IllegalArgumentException("range " + offset + "+" + length + " is not whole grains of " + file.name());
    }
    long end = (offset + length) / GRAIN_BYTES;
    long oldNextGt = nextGt;
    // One GT at a time, written at once: the GT cache may drop a table before a later one is done.
    for (long grain = offset / GRAIN_BYTES; grain < end; ) {
      int gdi = (int) (grain / SeSparseHeader.GT_ENTRIES);
      long tableEnd = Math.min(end, (gdi + 1L) * SeSparseHeader.GT_ENTRIES);
      if (gd[gdi] == 0) {
        allocateTable(gdi);
      }
      long[] table = table(gdi);
      for (long g = grain; g < tableEnd; g++) {
        table[(int) (g % SeSparseHeader.GT_ENTRIES)] = state.entry;
      }
      writeTables(grain, (int) (tableEnd - grain), oldNextGt);
      grain = tableEnd;
    }
    if (nextGt != oldNextGt) {
      writeVolatile();
    }
  }

  private void allocateTable(int gdi) throws IOException {
    if (nextGt >= header.grainTablesSize() / SeSparseHeader.GT_SECTORS) {
      throw new IOException(file.name() + ": SEsparse grain-table area is full");
    }
    gd[gdi] = GD_USED | nextGt++;
    tables.put(gdi, new long[SeSparseHeader.GT_ENTRIES]);
  }

  private long locateOrAllocate(long grain) throws IOException {
    int gdi = (int) (grain / SeSparseHeader.GT_ENTRIES);
    int gti = (int) (grain % SeSparseHeader.GT_ENTRIES);
    if (gd[gdi] == 0) {
      allocateTable(gdi);
    }
    long[] table = table(gdi);
    if ((table[gti] >>> 60) != 3) {
      if (nextGrain >= maxGrains) {
        throw new IOException(file.name() + ": SEsparse grain area is full");
      }
      table[gti] = allocatedEntry(nextGrain++);
    }
    return grainOffset(table[gti]);
  }

  /** Writes the GTs touched by a write, then their GD entries. */
  private void writeTables(long first, int grains, long oldNextGt) throws IOException {
    int firstGdi = (int) (first / SeSparseHeader.GT_ENTRIES);
    int lastGdi = (int) ((first + grains - 1) / SeSparseHeader.GT_ENTRIES);
    for (int gdi = firstGdi; gdi <= lastGdi; gdi++) {
      long[] table = table(gdi);
      boolean fresh = (gd[gdi] & 0xFFFFFFFFL) >= oldNextGt;
      int from = gdi == firstGdi && !fresh ? (int) (first % SeSparseHeader.GT_ENTRIES) : 0;
      int to = gdi == lastGdi && !fresh
          ? (int) ((first + grains - 1) % SeSparseHeader.GT_ENTRIES) + 1 : table.length;
      ByteBuffer raw = ByteBuffer.allocate((to - from) * 8).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = from; i < to; i++) {
        raw.putLong((i - from) * 8, table[i]);
      }
      file.write(gtOffset(gdi) + from * 8L, raw);
      ByteBuffer entry = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, gd[gdi]);
      file.write(header.grainDirOffset() * 512 + gdi * 8L, entry);
    }
  }

  private void writeVolatile() throws IOException {
    ByteBuffer raw = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
    new SeSparseHeader.Volatile(nextGt, 0, 0).encode(raw);
    file.write(header.volatileHeaderOffset() * 512, raw);
  }

  private long gtOffset(int gdi) {
    return (header.grainTablesOffset() + (gd[gdi] & 0xFFFFFFFFL) * SeSparseHeader.GT_SECTORS) * 512;
  }

  private long[] table(int gdi) throws IOException {
    long[] table = tables.getAndMoveToLast(gdi);
    if (table != null) {
      return table;
    }
    long offset = gtOffset(gdi);
    ByteBuffer raw = Extent.readStructure(file, offset, ByteBuffer.allocate(GT_BYTES), GT);
    table = new long[SeSparseHeader.GT_ENTRIES];
    long size = file.size();
    for (int i = 0; i < table.length; i++) {
      long entry = raw.getLong(i * 8);
      int state = (int) (entry >>> 60);
      boolean ok = switch (state) {
        case 0 -> entry == 0;
        case 1, 2 -> true;
        case 3 -> grainIndex(entry) < maxGrains && grainOffset(entry) + GRAIN_BYTES <= size;
        default -> false;
      };
      if (!ok) {
        throw Corrupt.defect(GT, offset + i * 8L, "entry " + i, "bad grain-table entry",
            "state 0..3 with a grain inside the file", Corrupt.hex(entry));
      }
      table[i] = entry;
    }
    if (tables.size() >= MAX_CACHED_GTS) {
      tables.removeFirst();
    }
    tables.put(gdi, table);
    return table;
  }

  @Override
  public long allocatedBytes() throws IOException {
    long grains = 0;
    for (int gdi = 0; gdi < gd.length; gdi++) {
      if (gd[gdi] != 0) {
        for (long entry : table(gdi)) {
          grains += (entry >>> 60) == 3 ? 1 : 0;
        }
      }
    }
    return grains * GRAIN_BYTES;
  }
}
