package org.vmfskit.fs.device;

import com.google.common.base.Preconditions;
import it.unimi.dsi.fastutil.longs.Long2ObjectOpenHashMap;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A device held in memory as a map of fixed-size pages; unwritten pages read as zeros, so memory
 * grows with the bytes written, not with the logical size. Multi-GB volumes fit in a test heap.
 *
 * <p>Thread safety: every method is synchronized on the device; tests use it from one writer.
 */
public final class SparseMemoryBlockDevice implements BlockDevice {

  /** The default page size: 64 KiB keeps metadata writes cheap and map entries few. */
  public static final int DEFAULT_PAGE_SIZE = 64 * 1024;

  private final Long2ObjectOpenHashMap<byte[]> pages = new Long2ObjectOpenHashMap<>();
  private final int pageSize;
  private final int pageShift;
  private final String name;
  private long size;

  /** Creates an all-zero device of {@code size} bytes with 64 KiB pages. */
  public SparseMemoryBlockDevice(long size) {
    this(size, DEFAULT_PAGE_SIZE, "memory");
  }

  /** Creates an all-zero device of {@code size} bytes with pages of {@code pageSize} bytes. */
  public SparseMemoryBlockDevice(long size, int pageSize, String name) {
    Preconditions.checkArgument(size >= 0, "negative size %s", size);
    Preconditions.checkArgument(Integer.bitCount(pageSize) == 1, "page size %s", pageSize);
    this.size = size;
    this.pageSize = pageSize;
    this.pageShift = Integer.numberOfTrailingZeros(pageSize);
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
    if (deviceOffset < 0 || deviceOffset + dst.remaining() > size) {
      throw new EOFException(
          "%s: read of %d bytes at 0x%x passes the end of the device (0x%x)"
              .formatted(name, dst.remaining(), deviceOffset, size));
    }
    long position = deviceOffset;
    while (dst.hasRemaining()) {
      int inPage = (int) (position & (pageSize - 1));
      int n = Math.min(dst.remaining(), pageSize - inPage);
      byte[] page = pages.get(position >>> pageShift);
      if (page == null) {
        int end = dst.position() + n;
        while (dst.position() < end) {
          dst.put((byte) 0);
        }
      } else {
        dst.put(page, inPage, n);
      }
      position += n;
    }
  }

  @Override
  public synchronized void write(long deviceOffset, ByteBuffer src) {
    Preconditions.checkArgument(deviceOffset >= 0, "negative offset %s", deviceOffset);
    long position = deviceOffset;
    while (src.hasRemaining()) {
      int inPage = (int) (position & (pageSize - 1));
      int n = Math.min(src.remaining(), pageSize - inPage);
      long index = position >>> pageShift;
      byte[] page = pages.get(index);
      if (page == null) {
        page = new byte[pageSize];
        pages.put(index, page);
      }
      src.get(page, inPage, n);
      position += n;
    }
    size = Math.max(size, position);
  }

  @Override
  public boolean isReadOnly() {
    return false;
  }

  @Override
  public void flush() {}

  @Override
  public String name() {
    return name;
  }

  @Override
  public synchronized void resize(long newSize) {
    Preconditions.checkArgument(newSize >= 0, "negative size %s", newSize);
    if (newSize < size) {
      long firstDropped = (newSize + pageSize - 1) >>> pageShift;
      pages.keySet().removeIf((long index) -> index >= firstDropped);
      int tail = (int) (newSize & (pageSize - 1));
      byte[] last = pages.get(newSize >>> pageShift);
      if (last != null && tail != 0) {
        java.util.Arrays.fill(last, tail, pageSize, (byte) 0);
      }
    }
    size = newSize;
  }

  @Override
  public void close() {}
}
