package org.vmfskit.fs.device;

import it.unimi.dsi.fastutil.longs.Long2ObjectOpenHashMap;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The page store shared by the in-memory devices: bytes written live in fixed-size pages of a map,
 * and what an unwritten page reads as is up to the subclass (zeros for
 * {@link SparseMemoryBlockDevice}, the base device for {@link CopyOnWriteBlockDevice}). Memory
 * grows with the pages written, not with the device's size.
 *
 * <p>Not thread-safe: subclasses serialise access as their contract says.
 */
abstract class PagedBlockDevice implements BlockDevice {

  final Long2ObjectOpenHashMap<byte[]> pages = new Long2ObjectOpenHashMap<>();
  final int pageSize;
  private final int pageShift;
  long size;

  PagedBlockDevice(long size, int pageSize) {
    if (size < 0 || pageSize < 512 || Integer.bitCount(pageSize) != 1) {
      throw new IllegalArgumentException("size " + size + ", page size " + pageSize + " (a power of two of at least 512)");
    }
    this.size = size;
    this.pageSize = pageSize;
    this.pageShift = Integer.numberOfTrailingZeros(pageSize);
  }

  /** Fills {@code dst} with the bytes at {@code position}, where no page has been written. */
  abstract void readUnwritten(long position, ByteBuffer dst) throws IOException;

  /** Returns what page {@code index} holds before its first write (what reads there now). */
  abstract byte[] unwrittenPage(long index) throws IOException;

  final void readPages(long deviceOffset, ByteBuffer dst) throws IOException {
    if (deviceOffset < 0 || deviceOffset + dst.remaining() > size) {
      throw new EOFException("%s: read of %d bytes at 0x%x passes the end of the device (0x%x)"
          .formatted(name(), dst.remaining(), deviceOffset, size));
    }
    long position = deviceOffset;
    while (dst.hasRemaining()) {
      int inPage = (int) (position & (pageSize - 1));
      int n = Math.min(dst.remaining(), pageSize - inPage);
      byte[] page = pages.get(position >>> pageShift);
      if (page != null) {
        dst.put(page, inPage, n);
      } else {
        // One call for the whole run of unwritten pages.
        long next = (position >>> pageShift) + 1;
        while (n < dst.remaining() && !pages.containsKey(next)) {
          n = (int) Math.min(dst.remaining(), n + (long) pageSize);
          next++;
        }
        readUnwritten(position, dst.slice(dst.position(), n));
        dst.position(dst.position() + n);
      }
      position += n;
    }
  }

  final void writePages(long deviceOffset, ByteBuffer src) throws IOException {
    if (deviceOffset < 0) {
      throw new IllegalArgumentException("negative offset " + deviceOffset);
    }
    long position = deviceOffset;
    while (src.hasRemaining()) {
      int inPage = (int) (position & (pageSize - 1));
      int n = Math.min(src.remaining(), pageSize - inPage);
      long index = position >>> pageShift;
      byte[] page = pages.get(index);
      if (page == null) {
        page = n == pageSize ? new byte[pageSize] : unwrittenPage(index);
        pages.put(index, page);
      }
      src.get(page, inPage, n);
      position += n;
    }
    size = Math.max(size, position);
  }

  /**
   * Sets the size. Pages past a smaller end are dropped and the kept tail of the last written page
   * is zeroed, so those bytes read as zeros if the device grows again (a subclass makes its
   * unwritten bytes there read as zeros too).
   */
  final void resizePages(long newSize) {
    if (newSize < 0) {
      throw new IllegalArgumentException("negative size " + newSize);
    }
    if (newSize < size) {
      long firstDropped = (newSize + pageSize - 1) >>> pageShift;
      pages.keySet().removeIf((long index) -> index >= firstDropped);
      int tail = (int) (newSize & (pageSize - 1));
      if (tail != 0) {
        byte[] last = pages.get(newSize >>> pageShift);
        if (last != null) {
          Arrays.fill(last, tail, pageSize, (byte) 0);
        }
      }
    }
    size = newSize;
  }

  @Override
  public void flush() {}
}
