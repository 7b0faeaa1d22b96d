package org.vmfskit.recovery;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.atomic.LongAdder;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.device.ReadOnlyDeviceException;

/**
 * A read-only decorator that counts the bytes and reads that pass through it, so a scan can
 * prove how little of the volume it touched. Every write is refused.
 */
public final class CountingBlockDevice implements BlockDevice {

  private final BlockDevice delegate;
  private final LongAdder bytesRead = new LongAdder();
  private final LongAdder reads = new LongAdder();

  /** Wraps {@code delegate}; closing this device does not close the delegate. */
  public CountingBlockDevice(BlockDevice delegate) {
    this.delegate = delegate;
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
  public long size() throws IOException {
    return delegate.size();
  }

  @Override
  public void readFully(long deviceOffset, ByteBuffer dst) throws IOException {
    int length = dst.remaining();
    delegate.readFully(deviceOffset, dst);
    bytesRead.add(length);
    reads.increment();
  }

  @Override
  public void copyTo(long deviceOffset, long length, FileChannel target, long targetPosition) throws IOException {
    delegate.copyTo(deviceOffset, length, target, targetPosition);
    bytesRead.add(length);
    reads.increment();
  }

  @Override
  public void write(long deviceOffset, ByteBuffer src) throws IOException {
    throw new ReadOnlyDeviceException(delegate.name());
  }

  @Override
  public boolean isReadOnly() {
    return true;
  }

  @Override
  public void flush() {}

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public void resize(long newSize) throws IOException {
    throw new ReadOnlyDeviceException(delegate.name());
  }

  @Override
  public void close() {}
}
