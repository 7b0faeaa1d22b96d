package org.vmfskit.fs.snapshot;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.vmfskit.fs.file.Extent;
import org.vmfskit.fs.file.VmfsFile;

/**
 * Guest physical memory as a sparse map of its non-zero 4 KiB pages (absent pages read as zeros),
 * so its size in memory grows with the pages in use, not with the guest's RAM size. The VM's
 * {@code NAME.vmem} holds it raw: guest physical address = file offset.
 */
public final class MemoryImage {

  /** The page size in bytes. */
  public static final int PAGE = 4096;
  private static final byte[] ZERO_PAGE = new byte[PAGE];

  private final long sizeBytes;
  private final TreeMap<Integer, byte[]> pages = new TreeMap<>();

  private MemoryImage(long sizeBytes) {
    checkArgument(sizeBytes >= 0 && sizeBytes % PAGE == 0 && sizeBytes / PAGE <= Integer.MAX_VALUE, "memory size %s", sizeBytes);
    this.sizeBytes = sizeBytes;
  }

  /** Returns all-zero memory of {@code sizeBytes}. */
  public static MemoryImage zero(long sizeBytes) {
    return new MemoryImage(sizeBytes);
  }

  /** Reads the first {@code sizeBytes} of {@code file} (a {@code .vmem}), skipping its holes. */
  public static MemoryImage read(VmfsFile file, long sizeBytes) throws IOException {
    MemoryImage image = new MemoryImage(sizeBytes);
    long length = Math.min(sizeBytes, file.size());
    ByteBuffer chunk = ByteBuffer.allocate(1 << 20);
    for (Extent extent : file.extents(0, length)) {
      if (extent.isHole()) {
        continue;
      }
      long from = extent.fileOffset() / PAGE * PAGE;
      long to = Math.min(length, Math.ceilDiv(extent.fileOffset() + extent.length(), PAGE) * PAGE);
      for (long at = from; at < to; at += chunk.capacity()) {
        int n = (int) Math.min(chunk.capacity(), to - at);
        file.readFully(at, chunk.clear().limit(n));
        for (int p = 0; p + PAGE <= n; p += PAGE) {
          image.put((int) ((at + p) / PAGE), chunk.array(), p);
        }
      }
    }
    return image;
  }

  /** Rewrites {@code file} with this memory: emptied, then sized sparse, then the non-zero pages written. */
  public void writeTo(VmfsFile file) throws IOException {
    file.truncate(0);
    file.truncate(sizeBytes);
    for (Map.Entry<Integer, byte[]> page : pages.entrySet()) {
      file.write((long) page.getKey() * PAGE, ByteBuffer.wrap(page.getValue()));
    }
  }

  /** Returns the size in bytes. */
  public long sizeBytes() {
    return sizeBytes;
  }

  /** Returns the number of non-zero pages. */
  public int nonZeroPages() {
    return pages.size();
  }

  /** Returns a copy of page {@code n} (zeros when absent). */
  public byte[] page(int n) {
    byte[] page = pages.get(n);
    return page == null ? ZERO_PAGE.clone() : page.clone();
  }

  /** Sets page {@code n} from {@code src} at {@code offset}; an all-zero page is dropped. */
  public void put(int n, byte[] src, int offset) {
    checkArgument(n >= 0 && (long) n * PAGE < sizeBytes, "page %s outside %s bytes", n, sizeBytes);
    if (Arrays.equals(src, offset, offset + PAGE, ZERO_PAGE, 0, PAGE)) {
      pages.remove(n);
    } else {
      pages.put(n, Arrays.copyOfRange(src, offset, offset + PAGE));
    }
  }

  /** Writes {@code src} at guest physical address {@code offset}. */
  public void write(long offset, byte[] src) {
    checkArgument(offset >= 0 && offset + src.length <= sizeBytes, "write of %s at %s outside %s", src.length, offset, sizeBytes);
    for (long at = offset; at < offset + src.length; ) {
      int n = (int) (at / PAGE);
      int inPage = (int) (at % PAGE);
      int length = (int) Math.min(PAGE - inPage, offset + src.length - at);
      byte[] page = page(n);
      System.arraycopy(src, (int) (at - offset), page, inPage, length);
      put(n, page, 0);
      at += length;
    }
  }

  /** Returns the pages where this memory differs from {@code base} (which must be as large). */
  public MemoryDelta diff(MemoryImage base, int baseUid) {
    checkArgument(base.sizeBytes == sizeBytes, "memory sizes differ: %s and %s", base.sizeBytes, sizeBytes);
    TreeMap<Integer, byte[]> changed = new TreeMap<>();
    for (Map.Entry<Integer, byte[]> page : pages.entrySet()) {
      byte[] old = base.pages.get(page.getKey());
      if (old == null || !Arrays.equals(old, page.getValue())) {
        changed.put(page.getKey(), page.getValue());
      }
    }
    for (Integer n : base.pages.keySet()) {
      if (!pages.containsKey(n)) {
        changed.put(n, ZERO_PAGE);
      }
    }
    return MemoryDelta.of(baseUid, sizeBytes, changed);
  }

  /** Applies a delta's pages on top of this memory. */
  public void apply(MemoryDelta delta) {
    checkArgument(delta.sizeBytes() == sizeBytes, "memory sizes differ: %s and %s", delta.sizeBytes(), sizeBytes);
    for (int i = 0; i < delta.pageCount(); i++) {
      put(delta.pageNumber(i), delta.pageData(), i * PAGE);
    }
  }

  /** Returns the same content as a delta over zero memory. */
  public MemoryDelta asDelta(int baseUid) {
    return MemoryDelta.of(baseUid, sizeBytes, pages);
  }

  /** Feeds the size and every non-zero page (number and bytes) to {@code digest}. */
  public void digestInto(MessageDigest digest) {
    digest.update(ByteBuffer.allocate(8).putLong(0, sizeBytes).array());
    ByteBuffer number = ByteBuffer.allocate(4);
    for (Map.Entry<Integer, byte[]> page : pages.entrySet()) {
      digest.update(number.putInt(0, page.getKey()).array());
      digest.update(page.getValue());
    }
  }

  /** Returns the full content as a byte array (for tests and small memories). */
  public byte[] toByteArray() {
    checkArgument(sizeBytes <= Integer.MAX_VALUE - 8, "memory of %s bytes does not fit an array", sizeBytes);
    byte[] out = new byte[(int) sizeBytes];
    for (Map.Entry<Integer, byte[]> page : pages.entrySet()) {
      System.arraycopy(page.getValue(), 0, out, page.getKey() * PAGE, PAGE);
    }
    return out;
  }
}
