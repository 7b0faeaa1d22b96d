package org.vmfskit.fs.device;

import it.unimi.dsi.fastutil.longs.Long2ObjectOpenHashMap;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A copy-on-write view of a base device: writes land in private pages, reads fall through to the
 * base where no page was written, and the base is never written. Used to stage a metadata change
 * before it is journaled, to replay a journal over evidence opened read-only, and in tests to let
 * each corruption case damage its own copy of a template volume without copying gigabytes.
 *
 * <p>Not thread-safe: callers serialise access (the volume's write lock, or a test's own thread).
 */
public final class CopyOnWriteBlockDevice implements BlockDevice {

  private final BlockDevice base;
  private final int pageSize;
  private final Long2ObjectOpenHashMap<byte[]> pages = new Long2ObjectOpenHashMap<>();
  private long size;

  /** Creates an overlay of {@code base} with 4 KiB pages. */
  public CopyOnWriteBlockDevice(BlockDevice base) throws IOException {
    this(base, 4096);
  }

  /** Creates an overlay of {@code base} whose private copies are {@code pageSize} bytes (a power of two). */
  public CopyOnWriteBlockDevice(BlockDevice base, int pageSize) throws IOException {
    if (pageSize < 512 || Integer.bitCount(pageSize) != 1) {
      throw new IllegalArgumentException("page size " + pageSize + " is not a power of two of at least 512");
    }
    this.base = base;
    this.pageSize = pageSize;
    this.size = base.size();
  }

  /** Returns the size of the private pages. */
  public int pageSize() {
    return pageSize;
  }

  /** Returns the indices of the pages written so far, in ascending order. */
  public long[] writtenPages() {
    long[] indices = pages.keySet().toLongArray();
    Arrays.sort(indices);
    return indices;
  }

  /** Returns the private copy of written page {@code index} (not a copy: callers must not change it). */
  public byte[] writtenPage(long index) {
    byte[] page = pages.get(index);
    if (page == null) {
      throw new IllegalArgumentException("page " + index + " was not written");
    }
    return page;
  }

  /** Returns whether any page overlapping {@code [deviceOffset, deviceOffset + length)} was written. */
  public boolean hasWrittenPages(long deviceOffset, long length) {
    if (pages.isEmpty() || length <= 0) {
      return false;
    }
    long last = (deviceOffset + length - 1) / pageSize;
    if (last - deviceOffset / pageSize > pages.size()) {
      for (long index : pages.keySet()) {
        if (index >= deviceOffset / pageSize && index <= last) {
          return true;
        }
      }
      return false;
    }
    for (long index = deviceOffset / pageSize; index <= last; index++) {
      if (pages.containsKey(index)) {
        return true;
      }
    }
    return false;
  }

  /** Returns whether nothing has been written. */
  public boolean isClean() {
    return pages.isEmpty();
  }

  /** Forgets every written page, so reads see the base again. */
  public void discard() throws IOException {
    pages.clear();
    size = base.size();
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public void readFully(long deviceOffset, ByteBuffer dst) throws IOException {
    if (deviceOffset < 0 || deviceOffset + dst.remaining() > size) {
      throw new EOFException("overlay: read of %d bytes at 0x%x passes the end (0x%x)".formatted(dst.remaining(), deviceOffset, size));
    }
    if (pages.isEmpty()) {
      base.readFully(deviceOffset, dst);
      return;
    }
    long position = deviceOffset;
    while (dst.hasRemaining()) {
      int inPage = (int) (position % pageSize);
      int n = Math.min(dst.remaining(), pageSize - inPage);
      byte[] page = pages.get(position / pageSize);
      if (page != null) {
        dst.put(page, inPage, n);
      } else {
        // Read straight from the base, as far as the next written page.
        long index = position / pageSize + 1;
        while (n < dst.remaining() && !pages.containsKey(index)) {
          n = (int) Math.min(dst.remaining(), n + (long) pageSize);
          index++;
        }
        readBase(position, dst.slice(dst.position(), n));
        dst.position(dst.position() + n);
      }
      position += n;
    }
  }

  /** Reads base bytes; past the base's end (after a grow) they are zeros. */
  private void readBase(long position, ByteBuffer dst) throws IOException {
    long baseSize = base.size();
    int fromBase = (int) Math.max(0, Math.min(dst.remaining(), baseSize - position));
    if (fromBase > 0) {
      base.readFully(position, dst.slice(dst.position(), fromBase));
    }
    for (int i = dst.position() + fromBase; i < dst.limit(); i++) {
      dst.put(i, (byte) 0);
    }
  }

  private byte[] copyOfPage(long index) throws IOException {
    byte[] copy = new byte[pageSize];
    long start = index * pageSize;
    if (start < size) {
      readBase(start, ByteBuffer.wrap(copy, 0, (int) Math.min(pageSize, size - start)));
    }
    return copy;
  }

  @Override
  public void write(long deviceOffset, ByteBuffer src) throws IOException {
    long position = deviceOffset;
    while (src.hasRemaining()) {
      int inPage = (int) (position % pageSize);
      int n = Math.min(src.remaining(), pageSize - inPage);
      long index = position / pageSize;
      byte[] page = pages.get(index);
      if (page == null) {
        page = n == pageSize ? new byte[pageSize] : copyOfPage(index);
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
    return "copy-on-write view of " + base.name();
  }

  @Override
  public void resize(long newSize) throws IOException {
    if (newSize < size) {
      long first = (newSize + pageSize - 1) / pageSize;
      // Materialise the kept tail page so bytes past the new end read as zeros after regrowth.
      long tailIndex = newSize / pageSize;
      if (newSize % pageSize != 0) {
        byte[] tail = pages.get(tailIndex);
        if (tail == null) {
          tail = copyOfPage(tailIndex);
          pages.put(tailIndex, tail);
        }
        Arrays.fill(tail, (int) (newSize % pageSize), pageSize, (byte) 0);
      }
      pages.keySet().removeIf((long index) -> index >= first);
    }
    size = newSize;
  }

  /** Closes nothing: the base belongs to whoever opened it. */
  @Override
  public void close() {}
}
