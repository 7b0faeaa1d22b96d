package org.vmfskit.fs.testing;

import it.unimi.dsi.fastutil.longs.Long2ObjectOpenHashMap;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.vmfskit.fs.device.BlockDevice;

/**
 * A copy-on-write view of a base device for tests: writes land in private pages, reads fall
 * through to the base where no page was written. Lets each corruption case damage its own copy of
 * a template volume without copying gigabytes.
 */
public final class OverlayBlockDevice implements BlockDevice {

  private static final int PAGE = 4096;

  private final BlockDevice base;
  private final Long2ObjectOpenHashMap<byte[]> pages = new Long2ObjectOpenHashMap<>();
  private long size;

  /** Creates an overlay of {@code base}; the base is never written. */
  public OverlayBlockDevice(BlockDevice base) throws IOException {
    this.base = base;
    this.size = base.size();
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
    long position = deviceOffset;
    while (dst.hasRemaining()) {
      int inPage = (int) (position % PAGE);
      int n = Math.min(dst.remaining(), PAGE - inPage);
      byte[] page = page(position / PAGE);
      dst.put(page, inPage, n);
      position += n;
    }
  }

  private byte[] page(long index) throws IOException {
    byte[] page = pages.get(index);
    if (page != null) {
      return page;
    }
    byte[] copy = new byte[PAGE];
    long start = index * PAGE;
    long baseSize = base.size();
    if (start < baseSize) {
      int n = (int) Math.min(PAGE, baseSize - start);
      base.readFully(start, ByteBuffer.wrap(copy, 0, n));
    }
    return copy;
  }

  @Override
  public void write(long deviceOffset, ByteBuffer src) throws IOException {
    long position = deviceOffset;
    while (src.hasRemaining()) {
      int inPage = (int) (position % PAGE);
      int n = Math.min(src.remaining(), PAGE - inPage);
      long index = position / PAGE;
      byte[] page = pages.get(index);
      if (page == null) {
        page = page(index);
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
    return "overlay of " + base.name();
  }

  @Override
  public void resize(long newSize) throws IOException {
    if (newSize < size) {
      long first = (newSize + PAGE - 1) / PAGE;
      // Materialise the kept tail page so bytes past the new end read as zeros after regrowth.
      long tailIndex = newSize / PAGE;
      if (newSize % PAGE != 0) {
        byte[] tail = pages.get(tailIndex);
        if (tail == null) {
          tail = page(tailIndex);
          pages.put(tailIndex, tail);
        }
        java.util.Arrays.fill(tail, (int) (newSize % PAGE), PAGE, (byte) 0);
      }
      pages.keySet().removeIf((long index) -> index >= first);
    }
    size = newSize;
  }

  @Override
  public void close() {}
}
