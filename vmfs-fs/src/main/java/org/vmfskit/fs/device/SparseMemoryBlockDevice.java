package org.vmfskit.fs.device;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A device held in memory as a map of fixed-size pages; unwritten pages read as zeros, so memory
 * grows with the bytes written, not with the logical size. Multi-GB volumes fit in a test heap.
 *
 * <p>Thread safety: every method is synchronized on the device; tests use it from one writer.
 */
public final class SparseMemoryBlockDevice extends PagedBlockDevice {

  /** The default page size: 64 KiB keeps metadata writes cheap and map entries few. */
  public static final int DEFAULT_PAGE_SIZE = 64 * 1024;

  private final String name;

  /** Creates an all-zero device of {@code size} bytes with 64 KiB pages. */
  public SparseMemoryBlockDevice(long size) {
    this(size, DEFAULT_PAGE_SIZE, "memory");
  }

  /** Creates an all-zero device of {@code size} bytes with pages of {@code pageSize} bytes. */
  public SparseMemoryBlockDevice(long size, int pageSize, String name) {
    super(size, pageSize);
    this.name = name;
  }

  @Override
  public synchronized long size() {
    return size;
  }

  /** Returns the number of bytes of page storage in use. */
  public synchronized long allocatedBytes() {
    return (long) pages.size() * pageSize;
  }

  @Override
  public synchronized void readFully(long deviceOffset, ByteBuffer dst) throws IOException {
    readPages(deviceOffset, dst);
  }

  @Override
  void readUnwritten(long position, ByteBuffer dst) {
    for (int i = dst.position(); i < dst.limit(); i++) {
      dst.put(i, (byte) 0);
    }
  }

  @Override
  byte[] unwrittenPage(long index) {
    return new byte[pageSize];
  }

  @Override
  public synchronized void write(long deviceOffset, ByteBuffer src) throws IOException {
    writePages(deviceOffset, src);
  }

  @Override
  public boolean isReadOnly() {
    return false;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public synchronized void resize(long newSize) throws IOException {
    resizePages(newSize);
  }

  @Override
  public void close() {}
}
