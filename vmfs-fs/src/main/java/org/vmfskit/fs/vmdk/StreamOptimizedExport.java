package org.vmfskit.fs.vmdk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.Deflater;

/**
 * Flattening a chain into a true stream-optimized VMDK (spec 4.2), the format of OVF/OVA exports:
 * a version-3 KDMV header with {@code gdOffset = GD_AT_END} and the embedded descriptor, then one
 * record per non-zero 64 KiB grain in disk order (u64 LBA, u32 length, a zlib stream, padded to a
 * sector), then a GT marker and table for every non-empty GT, a GD marker and the GD, a footer
 * marker and the footer (the header with the real GD offset), and the end-of-stream marker. The
 * file is written front to back in one pass, so it could go to a pipe; grains no layer owns and
 * all-zero grains are left out (they read as zeros).
 */
final class StreamOptimizedExport {

  private static final long GRAIN_SECTORS = DiskExport.KDMV_GRAIN_SECTORS;
  private static final int GRAIN_BYTES = (int) (GRAIN_SECTORS * 512);
  private static final int GTES = 512;
  private static final long DESCRIPTOR_SECTORS = 20;
  /** Grain records start at the first grain boundary after the descriptor, as VMware's do. */
  private static final long FIRST_RECORD_SECTOR = GRAIN_SECTORS;
  private static final int MARKER_GT = 1;
  private static final int MARKER_GD = 2;
  private static final int MARKER_FOOTER = 3;

  private StreamOptimizedExport() {}

  /** Writes the flattened {@code disk} to {@code out} (replacing what it held). */
  static void write(VirtualDisk disk, DiskFile out) throws IOException {
    long capacitySectors = disk.capacity() / 512;
    long grains = Math.ceilDiv(capacitySectors, GRAIN_SECTORS);
    int gts = Math.toIntExact(Math.ceilDiv(grains, GTES));
    int[] gte = new int[gts * GTES];
    KdmvHeader header = new KdmvHeader(3, KdmvHeader.FLAG_NEWLINE | KdmvHeader.FLAG_COMPRESSED | KdmvHeader.FLAG_MARKERS,
        capacitySectors, GRAIN_SECTORS, 1, DESCRIPTOR_SECTORS, GTES, 0, KdmvHeader.GD_AT_END, FIRST_RECORD_SECTOR, 0, 1);
    byte[] text = DiskExport.embeddedDescriptor(disk, out, "streamOptimized").toBytes();
    if (text.length > DESCRIPTOR_SECTORS * 512) {
      throw new IOException("descriptor of " + text.length + " bytes does not fit in the embedded area");
    }
    out.setSize(0);
    ByteBuffer head = ByteBuffer.allocate((int) (FIRST_RECORD_SECTOR * 512)).order(ByteOrder.LITTLE_ENDIAN);
    head.put(0, header.toBuffer(), 0, KdmvHeader.SIZE).put(512, text);
    out.write(0, head);

    long gdSectors = Math.ceilDiv(gts * 4L, 512);
    Output stream = new Output(out, FIRST_RECORD_SECTOR, (int) Math.max(8 << 20, gdSectors * 512 + 4096));
    byte[] grain = new byte[GRAIN_BYTES];
    byte[] packed = new byte[GRAIN_BYTES + 4096];
    Deflater deflater = new Deflater(Deflater.BEST_SPEED);
    try {
      DiskExport.ownedWindows(disk, GRAIN_BYTES, (offset, window, segment) -> {
        for (int g = 0; g < window.limit(); g += GRAIN_BYTES) {
          if (DiskExport.isZero(segment, g, GRAIN_BYTES)) {
            continue;
          }
          window.get(g, grain);
          deflater.reset();
          deflater.setInput(grain);
          deflater.finish();
          int n = deflater.deflate(packed);
          if (!deflater.finished()) {
            throw new IOException("a 64 KiB grain did not deflate into " + packed.length + " bytes");
          }
          long lba = (offset + g) / 512;
          gte[(int) (lba / GRAIN_SECTORS)] = stream.sectorInt();
          ByteBuffer record = stream.reserve(12 + n);
          record.putLong(0, lba).putInt(8, n).put(12, packed, 0, n);
        }
      });
    } finally {
      deflater.end();
    }

    int[] gd = new int[gts];
    for (int t = 0; t < gts; t++) {
      if (!isEmpty(gte, t * GTES, GTES)) {
        stream.marker(GTES * 4 / 512, MARKER_GT);
        gd[t] = stream.sectorInt();
        ByteBuffer table = stream.reserve(GTES * 4);
        for (int i = 0; i < GTES; i++) {
          table.putInt(i * 4, gte[t * GTES + i]);
        }
      }
    }
    stream.marker(gdSectors, MARKER_GD);
    long gdSector = stream.sector();
    ByteBuffer directory = stream.reserve((int) (gdSectors * 512));
    for (int t = 0; t < gts; t++) {
      directory.putInt(t * 4, gd[t]);
    }
    stream.marker(1, MARKER_FOOTER);
    KdmvHeader footer = new KdmvHeader(header.version(), header.flags(), header.capacity(), header.grainSize(), header.descriptorOffset(),
        header.descriptorSize(), header.numGtesPerGt(), header.rgdOffset(), gdSector, header.overHead(), 0, header.compressAlgorithm());
    stream.reserve(KdmvHeader.SIZE).put(0, footer.toBuffer(), 0, KdmvHeader.SIZE);
    stream.marker(0, 0);
    stream.flush();
  }

  private static boolean isEmpty(int[] entries, int from, int count) {
    for (int i = from; i < from + count; i++) {
      if (entries[i] != 0) {
        return false;
      }
    }
    return true;
  }

  /** Appends sector-padded pieces to the file through a buffer of at least 8 MiB. */
  private static final class Output {
    private final DiskFile out;
    private final ByteBuffer buffer;
    private long bufferSector;
    private long sector;

    /** {@code capacity}: at least the largest single piece (the GD of a huge disk). */
    Output(DiskFile out, long firstSector, int capacity) {
      this.out = out;
      this.buffer = ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN);
      this.bufferSector = firstSector;
      this.sector = firstSector;
    }

    long sector() {
      return sector;
    }

    /** Returns the current sector as a GT/GD entry: those are u32. */
    int sectorInt() throws IOException {
      if (sector > 0xFFFFFFFFL) {
        throw new IOException(out.name() + ": streamOptimized sectors are 32-bit; the data passes 2 TiB");
      }
      return (int) sector;
    }

    /** Returns a zeroed little-endian view of the next {@code bytes} (rounded up to sectors). */
    ByteBuffer reserve(int bytes) throws IOException {
      int padded = Math.toIntExact(Math.ceilDiv(bytes, 512L) * 512);
      if (buffer.position() + padded > buffer.capacity()) {
        flush();
      }
      ByteBuffer view = buffer.slice(buffer.position(), padded).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < padded; i += 8) {
        view.putLong(i, 0);
      }
      buffer.position(buffer.position() + padded);
      sector += padded / 512;
      return view;
    }

    /** A metadata marker: u64 sectors that follow, u32 size 0, u32 type, then zeros. */
    void marker(long sectors, int type) throws IOException {
      reserve(512).putLong(0, sectors).putInt(8, 0).putInt(12, type);
    }

    void flush() throws IOException {
      if (buffer.position() > 0) {
        out.write(bufferSector * 512, buffer.flip());
        bufferSector += buffer.limit() / 512;
        buffer.clear();
      }
    }
  }
}
