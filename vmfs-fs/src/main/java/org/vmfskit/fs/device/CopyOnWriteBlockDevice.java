package org.vmfskit.fs.device;

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
public final class CopyOnWriteBlockDevice extends PagedBlockDevice {

  private final BlockDevice base;
  /** Base bytes at and past this offset read as zeros: the smallest size this view has had. */
  private long baseLimit;

  /** Creates an overlay of {@code base} with 4 KiB pages. */
  public CopyOnWriteBlockDevice(BlockDevice base) throws IOException {
    this(base, 4096);
  }

  /** Creates an overlay of {@code base} whose private copies are {@code pageSize} bytes (a power of two). */
  public CopyOnWriteBlockDevice(BlockDevice base, int pageSize) throws IOException {
    super(base.size(), pageSize);
    this.base = base;
    this.baseLimit = size;
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
    long first = deviceOffset / pageSize;
    long last = (deviceOffset + length - 1) / pageSize;
    if (last - first > pages.size()) {
      for (long index : pages.keySet()) {
        if (index >= first && index <= last) {
          return true;
        }
      }
      return false;
    }
    for (long index = first; index <= last; index++) {
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
    baseLimit = size;
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public void readFully(long deviceOffset, ByteBuffer dst) throws IOException {
    if (pages.isEmpty() && deviceOffset >= 0 && deviceOffset + dst.remaining() <= size) {
      base.readFully(deviceOffset, dst);
      return;
    }
    readPages(deviceOffset, dst);
  }

  /** Reads base bytes; past the base's end, or past where this view was ever shrunk to, they are zeros. */
  @Override
  void readUnwritten(long position, ByteBuffer dst) throws IOException {
    long limit = Math.min(baseLimit, base.size());
    int fromBase = (int) Math.max(0, Math.min(dst.remaining(), limit - position));
    if (fromBase > 0) {
      base.readFully(position, dst.slice(dst.position(), fromBase));
    }
    for (int i = dst.position() + fromBase; i < dst.limit(); i++) {
      dst.put(i, (byte) 0);
    }
  }

  @Override
  byte[] unwrittenPage(long index) throws IOException {
    byte[] copy = new byte[pageSize];
    long start = index * pageSize;
    if (start < size) {
      readUnwritten(start, ByteBuffer.wrap(copy, 0, (int) Math.min(pageSize, size - start)));
    }
    return copy;
  }

  @Override
  public void write(long deviceOffset, ByteBuffer src) throws IOException {
    writePages(deviceOffset, src);
  }

  @Override
  public boolean isReadOnly() {
    return false;
  }

  @Override
  public String name() {
    return "copy-on-write view of " + base.name();
  }

  @Override
  public void resize(long newSize) throws IOException {
    baseLimit = Math.min(baseLimit, newSize);
    resizePages(newSize);
  }

  /** Closes nothing: the base belongs to whoever opened it. */
  @Override
  public void close() {}
}
