package org.vmfskit.fs.vmdk;

import it.unimi.dsi.fastutil.ints.Int2ObjectLinkedOpenHashMap;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.LittleEndian;

/**
 * A read-only hosted sparse extent (KDMV) as other tools write it: monolithicSparse,
 * twoGbMaxExtentSparse and streamOptimized (zlib-compressed grain records, markers, the GD found
 * through the footer when the header says GD_AT_END). Every GD, GT and grain-record field is checked
 * against the file before use.
 */
final class HostedSparseExtent implements Extent {

  private static final String GD = "KdmvGrainDirectory";
  private static final String GT = "KdmvGrainTable";
  private static final String GRAIN = "KdmvGrainRecord";
  private static final int MAX_CACHED_GTS = 4096;

  private final DiskFile file;
  private final KdmvHeader header;
  private final Descriptor embedded;
  private final long[] gd;
  private final long fileSize;
  private final int grainBytes;
  private final Int2ObjectLinkedOpenHashMap<int[]> tables = new Int2ObjectLinkedOpenHashMap<>();
  private final Inflater inflater = new Inflater();
  private long cachedRecord = -1;
  private byte[] cachedGrain;
  private int cachedLength;

  private HostedSparseExtent(DiskFile file, KdmvHeader header, Descriptor embedded, long[] gd, long fileSize) {
    this.file = file;
    this.header = header;
    this.embedded = embedded;
    this.gd = gd;
    this.fileSize = fileSize;
    this.grainBytes = (int) header.grainBytes();
  }

  /**
   * Opens a KDMV file, reading the footer when the GD is at the end, and checks its GD; the
   * embedded descriptor is parsed only when {@code embedded} (the file was opened as a disk, not as
   * an extent named by a text descriptor).
   */
  static HostedSparseExtent open(DiskFile file, boolean withDescriptor) throws IOException {
    long size = file.size();
    KdmvHeader header = KdmvHeader.decode(
        Extent.readStructure(file, 0, java.nio.ByteBuffer.allocate(KdmvHeader.SIZE), "KdmvHeader"), 0);
    if (header.gdOffset() == KdmvHeader.GD_AT_END) {
      header = readFooter(file, size);
    }
    Descriptor embedded = null;
    if (withDescriptor && header.descriptorOffset() != 0 && header.descriptorSize() != 0) {
      long at = header.descriptorOffset() * 512;
      ByteBuffer raw = Extent.readStructure(file, at, ByteBuffer.allocate((int) header.descriptorSize() * 512),
          "KdmvDescriptor");
      embedded = Descriptor.parse(raw.array(), at);
    }
    long entries = header.gdEntries();
    long gtBytes = header.numGtesPerGt() * 4;
    if (header.gdOffset() <= 0 || header.gdOffset() > size / 512 || entries * 4 > size) {
      throw Corrupt.defect("KdmvHeader", 0x38, "gdOffset", "grain directory outside the file",
          "sector below " + size / 512, header.gdOffset() + " with " + entries + " entries");
    }
    long gdAt = header.gdOffset() * 512;
    ByteBuffer raw = Extent.readStructure(file, gdAt, ByteBuffer.allocate((int) (entries * 4)), GD);
    long[] gd = new long[(int) entries];
    for (int i = 0; i < gd.length; i++) {
      gd[i] = LittleEndian.u32(raw, i * 4);
      if (gd[i] != 0 && gd[i] * 512 + gtBytes > size) {
        throw Corrupt.defect(GD, gdAt + i * 4L, "entry " + i, "grain table outside the file",
            "sector below " + (size - gtBytes) / 512, gd[i]);
      }
    }
    return new HostedSparseExtent(file, header, embedded, gd, size);
  }

  private static KdmvHeader readFooter(DiskFile file, long size) throws IOException {
    if (size < 1536 + 512) {
      throw new org.vmfskit.fs.format.TruncatedImageException("KdmvFooter", Math.max(0, size - 1536), 1536, null);
    }
    long at = size - 1536;
    ByteBuffer tail = Extent.readStructure(file, at, ByteBuffer.allocate(1536), "KdmvFooter");
    if (LittleEndian.u32(tail, 8) != 0 || LittleEndian.u32(tail, 12) != 3) {
      throw Corrupt.defect("KdmvFooterMarker", at, "type", "bad footer marker", "size 0, type 3",
          "size " + LittleEndian.u32(tail, 8) + ", type " + LittleEndian.u32(tail, 12));
    }
    if (LittleEndian.u64(tail, 1024) != 0 || LittleEndian.u32(tail, 1032) != 0 || LittleEndian.u32(tail, 1036) != 0) {
      throw Corrupt.defect("KdmvEndOfStream", at + 1024, "marker", "bad end-of-stream marker", "all zero", "non-zero");
    }
    KdmvHeader footer = KdmvHeader.decode(tail.slice(512, 512).order(java.nio.ByteOrder.LITTLE_ENDIAN), at + 512);
    if (footer.gdOffset() == KdmvHeader.GD_AT_END) {
      throw Corrupt.field("KdmvFooter", at + 512 + 0x38, "gdOffset", "a sector", "GD_AT_END");
    }
    return footer;
  }

  /** Returns the embedded descriptor. */
  Descriptor embeddedDescriptor() throws org.vmfskit.fs.format.CorruptStructureException {
    if (embedded == null) {
      throw Corrupt.defect("KdmvHeader", 0x1C, "descriptorOffset", "no embedded descriptor", "sector 1", 0);
    }
    return embedded;
  }

  KdmvHeader header() {
    return header;
  }

  @Override
  public long sizeBytes() {
    return header.capacity() * 512;
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
    int unitsPerGrain = grainBytes / unitBytes;
    int currentGdi = -1;
    int[] table = null;
    int i = 0;
    while (i < units) {
      long position = offset + (long) i * unitBytes;
      long grain = position / grainBytes;
      int gdi = (int) (grain / header.numGtesPerGt());
      int gti = (int) (grain % header.numGtesPerGt());
      int firstUnit = (int) (position % grainBytes / unitBytes);
      int inGrain = Math.min(units - i, unitsPerGrain - firstUnit);
      if (gd[gdi] != 0 && gdi != currentGdi) {
        table = table(gdi);
        currentGdi = gdi;
      }
      long entry = gd[gdi] == 0 ? 0 : Integer.toUnsignedLong(table[gti]);
      if (entry != 0) {
        long base;
        if (entry == 1 && header.zeroGrains()) {
          base = ZERO;
        } else if (header.compressed()) {
          base = Extent.compressed(entry * 512);
        } else {
          base = entry * 512 + (long) firstUnit * unitBytes;
        }
        for (int u = 0; u < inGrain; u++) {
          if (owners[at + i + u] == UNRESOLVED) {
            owners[at + i + u] = self;
            fileOffsets[at + i + u] = base < 0 ? base : base + (long) u * unitBytes;
          }
        }
      }
      i += inGrain;
    }
  }

  private int[] table(int gdi) throws IOException {
    int[] table = tables.getAndMoveToLast(gdi);
    if (table != null) {
      return table;
    }
    int entries = (int) header.numGtesPerGt();
    long at = gd[gdi] * 512;
    ByteBuffer raw = Extent.readStructure(file, at, ByteBuffer.allocate(entries * 4), GT);
    table = new int[entries];
    long need = header.compressed() ? 12 : grainBytes;
    for (int i = 0; i < entries; i++) {
      long entry = LittleEndian.u32(raw, i * 4);
      boolean zero = entry == 1 && header.zeroGrains();
      // An uncompressed grain must lie in the grain area (from overHead), not over the metadata.
      long first = header.compressed() ? 1 : header.overHead();
      if (entry != 0 && !zero && (entry < first || entry * 512 + need > fileSize)) {
        throw Corrupt.defect(GT, at + i * 4L, "entry " + i, "grain outside the grain area",
            "sector " + first + ".." + (fileSize - need) / 512, entry);
      }
      table[i] = (int) entry;
    }
    if (tables.size() >= MAX_CACHED_GTS) {
      tables.removeFirst();
    }
    tables.put(gdi, table);
    return table;
  }

  /** Copies the bytes at {@code offset} (relative to the extent) of a compressed grain into {@code dst}. */
  void readCompressed(long recordOffset, long offset, ByteBuffer dst) throws IOException {
    int inGrain = (int) (offset % grainBytes);
    if (recordOffset != cachedRecord) {
      inflate(recordOffset, offset / grainBytes * header.grainSize());
    }
    if (inGrain + dst.remaining() > cachedLength) {
      throw Corrupt.defect(GRAIN, recordOffset, "size", "grain record inflates to too few bytes",
          inGrain + dst.remaining(), cachedLength);
    }
    dst.put(dst.position(), cachedGrain, inGrain, dst.remaining());
  }

  private void inflate(long recordOffset, long expectedLba) throws IOException {
    ByteBuffer head = Extent.readStructure(file, recordOffset, ByteBuffer.allocate(12), GRAIN);
    long lba = LittleEndian.u64(head, 0);
    long length = LittleEndian.u32(head, 8);
    if (lba != expectedLba) {
      throw Corrupt.field(GRAIN, recordOffset, "lba", expectedLba, lba);
    }
    if (length == 0 || length > 2L * grainBytes + 1024 || recordOffset + 12 + length > fileSize) {
      throw Corrupt.defect(GRAIN, recordOffset + 8, "size", "compressed size out of range",
          "1.." + Math.min(2L * grainBytes + 1024, fileSize - recordOffset - 12), length);
    }
    ByteBuffer data = Extent.readStructure(file, recordOffset + 12, ByteBuffer.allocate((int) length), GRAIN);
    if (cachedGrain == null) {
      cachedGrain = new byte[grainBytes];
    }
    inflater.reset();
    inflater.setInput(data.array(), 0, (int) length);
    cachedRecord = -1;
    try {
      int n = 0;
      while (n < grainBytes && !inflater.finished()) {
        int got = inflater.inflate(cachedGrain, n, grainBytes - n);
        if (got == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          break;
        }
        n += got;
      }
      cachedLength = n;
    } catch (DataFormatException e) {
      throw Corrupt.defect(GRAIN, recordOffset + 12, "data", "bad zlib stream", "deflate data", e.getMessage());
    }
    cachedRecord = recordOffset;
  }

  @Override
  public void write(long offset, ByteBuffer src) throws IOException {
    throw new java.nio.file.AccessDeniedException(file.name(), null, "hosted sparse extents are read-only");
  }

  @Override
  public long allocatedBytes() throws IOException {
    long grains = 0;
    for (int gdi = 0; gdi < gd.length; gdi++) {
      if (gd[gdi] != 0) {
        for (int entry : table(gdi)) {
          grains += entry != 0 && !(entry == 1 && header.zeroGrains()) ? 1 : 0;
        }
      }
    }
    return grains * grainBytes;
  }

  @Override
  public void close() throws IOException {
    inflater.end();
    file.close();
  }
}
