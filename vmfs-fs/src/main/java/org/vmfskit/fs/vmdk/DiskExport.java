package org.vmfskit.fs.vmdk;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Flattening a chain into a raw image or a monolithicSparse (KDMV) file. Both read the disk in
 * large windows through the merged index, skip windows no layer owns, and leave all-zero blocks
 * unwritten so the output stays sparse. One direct buffer is reused for the whole export.
 */
final class DiskExport {

  private static final int WINDOW = 8 << 20;
  private static final int BLOCK = 4096;
  private static final MemorySegment ZEROS = MemorySegment.ofArray(new byte[64 << 10]);
  /** The grain of exported monolithicSparse files, in sectors. */
  static final long KDMV_GRAIN_SECTORS = 128;
  private static final int KDMV_GTES = 512;
  private static final long KDMV_DESCRIPTOR_SECTORS = 20;

  private DiskExport() {}

  /**
   * Writes the flattened disk into {@code out}, which is set to the disk's capacity. Reading and
   * writing overlap: this thread reads the next window while a writer thread checks the previous one
   * for zero blocks and writes the rest.
   */
  static void raw(VirtualDisk disk, DiskFile out) throws IOException {
    long capacity = disk.capacity();
    out.setSize(capacity);
    try (RawWriter writer = new RawWriter(out)) {
      for (long offset = 0; offset < capacity; offset += WINDOW) {
        int length = (int) Math.min(WINDOW, capacity - offset);
        if (!owned(disk, offset, length)) {
          continue;
        }
        ByteBuffer buffer = writer.freeBuffer();
        buffer.clear().limit(length);
        disk.read(offset, buffer);
        writer.submit(offset, buffer);
      }
    }
  }

  /** Writes the non-zero blocks of a window at its offset. */
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
   * A writer thread with two window buffers: the caller fills a free buffer and submits it; the
   * thread writes it and frees it again. The first write failure is rethrown by the next call.
   */
  private static final class RawWriter implements AutoCloseable {
    private record Job(long offset, ByteBuffer buffer) {}

    private static final Job END = new Job(-1, null);

    private final java.util.concurrent.BlockingQueue<ByteBuffer> free = new java.util.concurrent.ArrayBlockingQueue<>(2);
    private final java.util.concurrent.BlockingQueue<Job> jobs = new java.util.concurrent.ArrayBlockingQueue<>(2);
    private final Thread thread;
    private volatile IOException failure;

    RawWriter(DiskFile out) {
      free.add(ByteBuffer.allocateDirect(WINDOW));
      free.add(ByteBuffer.allocateDirect(WINDOW));
      thread = Thread.ofPlatform().daemon().name("vmdk-export-writer").start(() -> {
        try {
          for (Job job = jobs.take(); job != END; job = jobs.take()) {
            if (failure == null) {
              try {
                writeNonZero(out, job.offset(), job.buffer());
              } catch (IOException e) {
                failure = e;
              } catch (RuntimeException e) {
                // Never leave the reader waiting for a buffer that will not come back.
                failure = new IOException("export writer failed", e);
              }
            }
            free.put(job.buffer());
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
    }

    ByteBuffer freeBuffer() throws IOException {
      checkFailure();
      try {
        return free.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("export interrupted");
      }
    }

    void submit(long offset, ByteBuffer buffer) throws IOException {
      try {
        jobs.put(new Job(offset, buffer));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("export interrupted");
      }
    }

    private void checkFailure() throws IOException {
      if (failure != null) {
        throw failure;
      }
    }

    @Override
    public void close() throws IOException {
      try {
        jobs.put(END);
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("export interrupted");
      }
      checkFailure();
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
