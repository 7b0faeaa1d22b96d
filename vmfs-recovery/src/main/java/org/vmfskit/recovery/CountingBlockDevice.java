package org.vmfskit.recovery;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.atomic.LongAdder;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.device.ReadOnlyBlockDevice;

/**
 * A read-only decorator that counts the bytes and reads that pass through it, so a scan can
 * prove how little of the volume it touched. Every write is refused.
 */
public final class CountingBlockDevice extends ReadOnlyBlockDevice {

  private final long logicalSize;
  private final LongAdder bytesRead = new LongAdder();
  private final LongAdder reads = new LongAdder();

  /** Wraps {@code delegate}; closing this device does not close the delegate. */
  public CountingBlockDevice(BlockDevice delegate) throws IOException {
    this(delegate, delegate.size());
  }

  /**
   * Wraps a truncated image so it appears {@code logicalSize} bytes long: bytes past its real end
   * read as zeros (and are not counted), so the volume still opens and the scan can say what is
   * missing instead of stopping.
   */
  public CountingBlockDevice(BlockDevice delegate, long logicalSize) throws IOException {
    super(delegate);
    this.logicalSize = Math.max(logicalSize, delegate.size());
  }

  /** Returns the real length of the wrapped image. */
  public long physicalSize() throws IOException {
    return delegate().size();
  }

  /** Returns the bytes read so far. */
  public long bytesRead() {
    return bytesRead.sum();
  }

  /** Returns the number of read calls so far. */
  public long reads() {
    return reads.sum();
  }

  @Override
  public long size() {
    return logicalSize;
  }

  @Override
  public void readFully(long deviceOffset, ByteBuffer dst) throws IOException {
    long physical = delegate().size();
    int length = (int) Math.max(0, Math.min(dst.remaining(), physical - deviceOffset));
    if (length < dst.remaining() && deviceOffset + dst.remaining() > logicalSize) {
      throw new java.io.EOFException("read of " + dst.remaining() + " bytes at " + deviceOffset + " passes the end of " + name());
    }
    if (length > 0) {
      delegate().readFully(deviceOffset, dst.slice(dst.position(), length));
    }
    for (int i = dst.position() + length; i < dst.limit(); i++) {
      dst.put(i, (byte) 0);
    }
    dst.position(dst.limit());
    bytesRead.add(length);
    reads.increment();
  }

  @Override
  public void copyTo(long deviceOffset, long length, FileChannel target, long targetPosition) throws IOException {
    delegate().copyTo(deviceOffset, length, target, targetPosition);
    bytesRead.add(length);
    reads.increment();
  }

  /** Leaves the wrapped device open: its owner closes it. */
  @Override
  public void close() {}
}
