package org.vmfskit.fs.vmdk;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Flattening a chain into a raw image or a monolithicSparse (KDMV) file. Both read the disk in
 * large windows through the merged index, skip windows no layer owns, and leave all-zero blocks
 * unwritten so the output stays sparse. One direct 32 MiB buffer is reused for the whole export.
 */
final class DiskExport {

  private static final int WINDOW = 32 << 20;
  private static final int BLOCK = 4096;
  private static final MemorySegment ZEROS = MemorySegment.ofArray(new byte[64 << 10]);
  /** The grain of exported monolithicSparse files, in sectors. */
  static final long KDMV_GRAIN_SECTORS = 128;
  private static final int KDMV_GTES = 512;
  private static final long KDMV_DESCRIPTOR_SECTORS = 20;

  private DiskExport() {}

  /**
   * Writes the flattened disk into {@code out}, which is set to the disk's capacity. One thread
   * reads 32 MiB windows and writes their non-zero blocks: a reader/writer thread pair measured no
   * faster on an idle machine and much slower on a busy one (every hand-off waits for a core).
   */
  static void raw(VirtualDisk disk, DiskFile out) throws IOException {
    long capacity = disk.capacity();
    out.setSize(capacity);
    ByteBuffer buffer = ByteBuffer.allocateDirect(WINDOW);
    for (long offset = 0; offset < capacity; offset += WINDOW) {
      int length = (int) Math.min(WINDOW, capacity - offset);
      if (!owned(disk, offset, length)) {
        continue;
      }
      buffer.clear().limit(length);
      disk.read(offset, buffer);
      writeNonZero(out, offset, buffer);
    }
  }

  /** Writes the non-zero 4 KiB blocks of a window at its offset, merging neighbours into one write. */
  static void writeNonZero(DiskFile out, long offset, ByteBuffer buffer) throws IOException {
    MemorySegment segment = MemorySegment.ofBuffer(buffer.duplicate().clear());
    int length = buffer.limit();
    int block = 0;
    while (block < length) {
      int start = block;
      while (start < length && isZero(segment, start, Math.min(BLOCK, length - start))) {
        start += BLOCK;
      }
      int end = start;
      while (end < length && !isZero(segment, end, Math.min(BLOCK, length - end))) {
        end += BLOCK;
      }
      end = Math.min(end, length);
      if (start < end) {
        out.write(offset + start, buffer.slice(start, end - start));
      }
      block = end;
    }
  }

  /**
   * Writes the flattened disk as a monolithicSparse file: header, embedded descriptor at sector 1,
   * GD and every GT preallocated, then 64 KiB grains in disk order from {@code overHead}; all-zero
   * grains stay unallocated.
   */
  static void monolithicSparse(VirtualDisk disk, DiskFile out) throws IOException {
    long capacitySectors = disk.capacity() / 512;
    long grainBytes = KDMV_GRAIN_SECTORS * 512;
    long grains = Math.ceilDiv(capacitySectors, KDMV_GRAIN_SECTORS);
    long gts = Math.ceilDiv(grains, KDMV_GTES);
    long gdOffset = 1 + KDMV_DESCRIPTOR_SECTORS;
    long gdSectors = Math.ceilDiv(gts * 4, 512);
    long gtOffset = gdOffset + gdSectors;
    long overHead = Math.ceilDiv(gtOffset + gts * 4, KDMV_GRAIN_SECTORS) * KDMV_GRAIN_SECTORS;
    KdmvHeader header = new KdmvHeader(1, KdmvHeader.FLAG_NEWLINE, capacitySectors, KDMV_GRAIN_SECTORS, 1,
        KDMV_DESCRIPTOR_SECTORS, KDMV_GTES, 0, gdOffset, overHead, 0, 0);
    String name = out.name().substring(out.name().lastIndexOf('/') + 1);
    Descriptor descriptor = Descriptor.of("monolithicSparse", DiskCreation.newCid(), Descriptor.NO_PARENT_CID,
        List.of(new Descriptor.ExtentLine(Descriptor.Access.RW, capacitySectors, Descriptor.ExtentType.SPARSE,
            name.isEmpty() ? "disk.vmdk" : name, -1)));
    for (Descriptor.Entry entry : disk.descriptor().ddb()) {
      if (entry.key().startsWith("ddb.geometry") || entry.key().equals("ddb.adapterType")) {
        descriptor = descriptor.withDdb(entry.key(), entry.value());
      }
    }
    byte[] text = descriptor.toBytes();
    if (text.length > KDMV_DESCRIPTOR_SECTORS * 512) {
      throw new IOException("descriptor of " + text.length + " bytes does not fit in the embedded area");
    }
    int[] gte = new int[Math.toIntExact(gts * KDMV_GTES)];
    long nextSector = overHead;
    ByteBuffer buffer = ByteBuffer.allocateDirect(WINDOW);
    MemorySegment segment = MemorySegment.ofBuffer(buffer);
    for (long offset = 0; offset < disk.capacity(); offset += WINDOW) {
      int length = (int) Math.min(WINDOW, disk.capacity() - offset);
      if (!owned(disk, offset, length)) {
        continue;
      }
      buffer.clear();
      disk.read(offset, buffer.slice(0, length));
      // A partial last grain is padded with zeros.
      int padded = (int) Math.min(WINDOW, Math.ceilDiv(length, grainBytes) * grainBytes);
      VirtualDisk.zero(buffer.slice(length, padded - length));
      int kept = 0;
      for (int g = 0; g < padded; g += (int) grainBytes) {
        if (isZero(segment, g, (int) grainBytes)) {
          continue;
        }
        if (kept != g) {
          MemorySegment.copy(segment, g, segment, kept, grainBytes);
        }
        gte[(int) ((offset + g) / grainBytes)] = (int) (nextSector + kept / 512);
        kept += (int) grainBytes;
      }
      if (kept > 0) {
        if (nextSector + kept / 512 > 0xFFFFFFFFL) {
          throw new IOException(out.name() + ": monolithicSparse grain sectors are 32-bit; the data exceeds 2 TiB");
        }
        out.write(nextSector * 512, buffer.slice(0, kept));
        nextSector += kept / 512;
      }
    }
    out.setSize(Math.max(nextSector, overHead) * 512);
    out.write(0, header.toBuffer());
    out.write(512, ByteBuffer.wrap(text));
    ByteBuffer meta = ByteBuffer.allocate((int) ((overHead - gdOffset) * 512)).order(ByteOrder.LITTLE_ENDIAN);
    for (int t = 0; t < gts; t++) {
      meta.putInt(t * 4, (int) (gtOffset + t * 4L));
    }
    int gtBase = (int) ((gtOffset - gdOffset) * 512);
    for (int i = 0; i < gte.length; i++) {
      meta.putInt(gtBase + i * 4, gte[i]);
    }
    out.write(gdOffset * 512, meta);
  }

  /** Returns whether any layer owns a byte of {@code [offset, offset + length)}. */
  private static boolean owned(VirtualDisk disk, long offset, int length) throws IOException {
    for (long r = offset / ChainIndex.REGION_BYTES; r <= (offset + length - 1) / ChainIndex.REGION_BYTES; r++) {
      ChainIndex.Region region = disk.region(r);
      for (int i = 0; i < region.count(); i++) {
        if (region.owner()[i] >= 0 && region.fileOffset()[i] != Extent.ZERO) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean isZero(MemorySegment segment, long offset, int length) {
    return MemorySegment.mismatch(segment, offset, offset + length, ZEROS, 0, length) < 0;
  }
}
