package org.vmfskit.fs.vmdk;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Flattening a chain into a raw image or a monolithicSparse (KDMV) file. Both can read the disk in
 * large windows through the merged index, skip windows no layer owns, and leave all-zero blocks
 * unwritten so the output stays sparse; one direct 32 MiB buffer is reused for the whole export. A raw
 * export of a flat base under thin deltas lets the kernel copy the base instead.
 */
final class DiskExport {

  private static final int WINDOW = 32 << 20;
  private static final long KERNEL_COPY_STEP = 1L << 30;
  private static final int BLOCK = 4096;
  private static final MemorySegment ZEROS = MemorySegment.ofArray(new byte[64 << 10]);
  /** The grain of exported monolithicSparse files, in sectors. */
  static final long KDMV_GRAIN_SECTORS = 128;
  private static final int KDMV_GTES = 512;
  private static final long KDMV_DESCRIPTOR_SECTORS = 20;

  private DiskExport() {}

  /**
   * Writes the flattened disk into {@code out}, which must be empty and is set to the disk's
   * capacity: by {@link #copyBaseByKernel} when the chain and {@code out} allow, else by
   * {@link #rawByWindows}.
   */
  static void raw(VirtualDisk disk, DiskFile out) throws IOException {
    out.setSize(disk.capacity());
    if (!copyBaseByKernel(disk, out)) {
      rawByWindows(disk, out);
    }
  }

  /**
   * The path for any chain and target. One thread reads 32 MiB windows and writes their non-zero
   * blocks: a reader/writer thread pair measured no faster on an idle machine and much slower on a
   * busy one (every hand-off waits for a core).
   */
  static void rawByWindows(VirtualDisk disk, DiskFile out) throws IOException {
    ownedWindows(disk, 1, (offset, window, segment) -> writeNonZero(out, offset, window));
  }

  /** What an export does with one window of the disk. */
  interface WindowVisitor {
    /**
     * {@code window} (position 0, limit = its length) holds the disk's bytes at {@code offset},
     * padded with zeros to whole grains; {@code segment} views the same memory.
     */
    void visit(long offset, ByteBuffer window, MemorySegment segment) throws IOException;
  }

  /**
   * Reads, in disk order, every 32 MiB window that some layer owns a byte of, padded with zeros to
   * whole grains of {@code grainBytes} (a divisor of the window), and hands it to {@code visitor}.
   * Windows no layer owns are skipped unread. One direct buffer serves the whole export.
   */
  static void ownedWindows(VirtualDisk disk, int grainBytes, WindowVisitor visitor) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocateDirect(WINDOW);
    MemorySegment segment = MemorySegment.ofBuffer(buffer);
    for (long offset = 0; offset < disk.capacity(); offset += WINDOW) {
      int length = (int) Math.min(WINDOW, disk.capacity() - offset);
      if (owned(disk, offset, length)) {
        int padded = (int) Math.min(WINDOW, Math.ceilDiv(length, grainBytes) * (long) grainBytes);
        buffer.clear();
        disk.read(offset, buffer.slice(0, length));
        VirtualDisk.zero(buffer.slice(length, padded - length));
        visitor.visit(offset, buffer.clear().limit(padded), segment);
      }
      disk.exportProgress().accept(offset + length);
    }
  }

  /** A range of base data to copy: {@code length} bytes at {@code fileOffset} of {@code source} go to {@code diskOffset}. */
  private record BaseRun(KernelCopySource source, long fileOffset, long diskOffset, long length) {}

  /**
   * The path for the common chain, a flat base under deltas that hold much less: reading the base
   * through the JVM cost more than the rest of the export (a plain Java copy of the flat file alone
   * took 1.55x {@code cp}), so the kernel copies the base's data ranges into {@code out} (a host
   * file) and then the runs the deltas own are written over them, one read and one write per run.
   * Base holes stay holes, and so do zero blocks of delta runs over them; allocated zeros of the base
   * are copied as written zeros. Returns false, having written nothing, when the base is not flat in
   * {@link KernelCopySource} files, its holes cannot be found, {@code out} is not a host file, or the
   * deltas hold half the disk or more (copying the base would then mostly be overwritten).
   */
  static boolean copyBaseByKernel(VirtualDisk disk, DiskFile out) throws IOException {
    if (!(out instanceof HostDiskStore.HostDiskFile target)) {
      return false;
    }
    List<VirtualDisk.LayerInfo> chain = disk.info().chain();
    long deltaBytes = 0;
    for (VirtualDisk.LayerInfo layer : chain.subList(0, chain.size() - 1)) {
      deltaBytes += layer.allocatedBytes();
    }
    if (deltaBytes >= disk.capacity() / 2) {
      return false;
    }
    Optional<List<BaseRun>> plan = planBaseCopy(disk);
    if (plan.isEmpty()) {
      return false;
    }
    for (BaseRun run : plan.get()) {
      // In steps, so a progress display moves during one long run too.
      for (long done = 0; done < run.length(); done += KERNEL_COPY_STEP) {
        long n = Math.min(KERNEL_COPY_STEP, run.length() - done);
        run.source().copyTo(run.fileOffset() + done, n, target.channel(), run.diskOffset() + done);
        disk.exportProgress().accept(run.diskOffset() + done + n);
      }
    }
    overlayDeltas(disk, out, plan.get());
    disk.exportProgress().accept(disk.capacity());
    return true;
  }

  /** Lists the base's data ranges in disk order, or returns empty when the fast path does not apply. */
  private static Optional<List<BaseRun>> planBaseCopy(VirtualDisk disk) throws IOException {
    List<BaseRun> runs = new ArrayList<>();
    long diskOffset = 0;
    for (Extent extent : disk.baseExtents()) {
      long length = Math.min(extent.sizeBytes(), disk.capacity() - diskOffset);
      if (length > 0) {
        if (!(extent instanceof FlatExtent flat) || !(flat.file() instanceof KernelCopySource source)) {
          return Optional.empty();
        }
        long from = flat.startOffset();
        if (flat.file().size() < from + length) {
          // A truncated extent: the window copy reports it as such.
          return Optional.empty();
        }
        Optional<List<KernelCopySource.DataRange>> ranges = source.dataRanges(from, from + length);
        if (ranges.isEmpty()) {
          return Optional.empty();
        }
        for (KernelCopySource.DataRange range : ranges.get()) {
          runs.add(new BaseRun(source, range.start(), diskOffset + range.start() - from, range.end() - range.start()));
        }
      }
      diskOffset += extent.sizeBytes();
    }
    return Optional.of(runs);
  }

  /**
   * Writes every span of adjacent runs owned by a delta over the copied base, region by region. A
   * span over copied base data is written whole (its zeros must replace the base's bytes); a span
   * over base holes only gets its non-zero blocks, as the window copy would write.
   */
  private static void overlayDeltas(VirtualDisk disk, DiskFile out, List<BaseRun> base) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocateDirect(ChainIndex.REGION_BYTES);
    int next = 0;
    long regions = Math.ceilDiv(disk.capacity(), ChainIndex.REGION_BYTES);
    for (long r = 0; r < regions; r++) {
      ChainIndex.Region region = disk.region(r);
      long regionStart = r * ChainIndex.REGION_BYTES;
      for (int i = 0; i < region.count(); ) {
        if (!ownedByDelta(disk, region, i)) {
          i++;
          continue;
        }
        int j = i + 1;
        while (j < region.count() && ownedByDelta(disk, region, j)) {
          j++;
        }
        long from = regionStart + region.start()[i];
        long to = regionStart + region.start()[j];
        buffer.clear().limit((int) (to - from));
        disk.read(from, buffer);
        buffer.flip();
        // Spans come in disk order, so the base runs before this one can be passed for good.
        while (next < base.size() && base.get(next).diskOffset() + base.get(next).length() <= from) {
          next++;
        }
        if (next < base.size() && base.get(next).diskOffset() < to) {
          out.write(from, buffer);
        } else {
          writeNonZero(out, from, buffer);
        }
        i = j;
      }
    }
  }

  private static boolean ownedByDelta(VirtualDisk disk, ChainIndex.Region region, int run) {
    short owner = region.owner()[run];
    return owner >= 0 && !disk.inBase(owner);
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
    byte[] text = embeddedDescriptor(disk, out, "monolithicSparse").toBytes();
    if (text.length > KDMV_DESCRIPTOR_SECTORS * 512) {
      throw new IOException("descriptor of " + text.length + " bytes does not fit in the embedded area");
    }
    int[] gte = new int[Math.toIntExact(gts * KDMV_GTES)];
    long[] next = {overHead};
    ownedWindows(disk, (int) grainBytes, (offset, window, segment) -> {
      // Non-zero grains are moved to the front of the window and written as one run.
      int kept = 0;
      for (int g = 0; g < window.limit(); g += (int) grainBytes) {
        if (isZero(segment, g, (int) grainBytes)) {
          continue;
        }
        if (kept != g) {
          MemorySegment.copy(segment, g, segment, kept, grainBytes);
        }
        gte[(int) ((offset + g) / grainBytes)] = (int) (next[0] + kept / 512);
        kept += (int) grainBytes;
      }
      if (kept > 0) {
        if (next[0] + kept / 512 > 0xFFFFFFFFL) {
          throw new IOException(out.name() + ": monolithicSparse grain sectors are 32-bit; the data exceeds 2 TiB");
        }
        out.write(next[0] * 512, window.slice(0, kept));
        next[0] += kept / 512;
      }
    });
    long nextSector = next[0];
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

  /**
   * Returns the descriptor embedded in an exported hosted sparse file: a new CID, no parent, one
   * SPARSE extent naming the file itself, and the source's geometry and adapter type.
   */
  static Descriptor embeddedDescriptor(VirtualDisk disk, DiskFile out, String createType) {
    String name = out.name().substring(out.name().lastIndexOf('/') + 1);
    Descriptor descriptor = Descriptor.of(createType, DiskCreation.newCid(), Descriptor.NO_PARENT_CID,
        List.of(new Descriptor.ExtentLine(Descriptor.Access.RW, disk.capacity() / 512, Descriptor.ExtentType.SPARSE,
            name.isEmpty() ? "disk.vmdk" : name, -1)));
    for (Descriptor.Entry entry : disk.descriptor().ddb()) {
      if (entry.key().startsWith("ddb.geometry") || entry.key().equals("ddb.adapterType")) {
        descriptor = descriptor.withDdb(entry.key(), entry.value());
      }
    }
    return descriptor;
  }

  /** Returns whether any layer owns a byte of {@code [offset, offset + length)}. */
  static boolean owned(VirtualDisk disk, long offset, int length) throws IOException {
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

  static boolean isZero(MemorySegment segment, long offset, int length) {
    return MemorySegment.mismatch(segment, offset, offset + length, ZEROS, 0, length) < 0;
  }
}
