package org.vmfskit.fs.testing;

import it.unimi.dsi.fastutil.longs.Long2ObjectOpenHashMap;
import java.util.Arrays;

/**
 * The expected content of a file as a sparse byte model: 64 KiB pages, unwritten bytes zero, a
 * length. Lets property tests model files of hundreds of GiB that are mostly holes.
 */
public final class SparseModel {

  private static final int PAGE = 1 << 16;

  private final Long2ObjectOpenHashMap<byte[]> pages = new Long2ObjectOpenHashMap<>();
  private long size;

  /** Returns the modelled length. */
  public long size() {
    return size;
  }

  /** Writes {@code data} at {@code pos}, extending the length. */
  public void write(long pos, byte[] data) {
    for (int i = 0; i < data.length; ) {
      long at = pos + i;
      int inPage = (int) (at % PAGE);
      int n = Math.min(data.length - i, PAGE - inPage);
      pages.computeIfAbsent(at / PAGE, _ -> new byte[PAGE]);
      System.arraycopy(data, i, pages.get(at / PAGE), inPage, n);
      i += n;
    }
    size = Math.max(size, pos + data.length);
  }

  /** Sets the length; bytes past a shrunk end are forgotten (they read as zeros if regrown). */
  public void truncate(long newSize) {
    if (newSize < size) {
      pages.keySet().removeIf((long index) -> index * PAGE >= newSize);
      byte[] last = pages.get(newSize / PAGE);
      if (last != null) {
        Arrays.fill(last, (int) (newSize % PAGE), PAGE, (byte) 0);
      }
    }
    size = newSize;
  }

  /** Returns the modelled bytes of {@code [pos, pos + length)}, clipped to nothing past the end. */
  public byte[] read(long pos, int length) {
    int n = (int) Math.max(0, Math.min(length, size - pos));
    byte[] out = new byte[n];
    for (int i = 0; i < n; ) {
      long at = pos + i;
      int inPage = (int) (at % PAGE);
      int k = Math.min(n - i, PAGE - inPage);
      byte[] page = pages.get(at / PAGE);
      if (page != null) {
        System.arraycopy(page, inPage, out, i, k);
      }
      i += k;
    }
    return out;
  }

  /** Returns the start offsets of every page that holds written bytes. */
  public long[] writtenPageOffsets() {
    return pages.keySet().toLongArray();
  }

  /** Returns the model's page size. */
  public static int pageSize() {
    return PAGE;
  }
}
