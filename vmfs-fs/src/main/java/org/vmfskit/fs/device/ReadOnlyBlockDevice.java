package org.vmfskit.fs.device;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A decorator that passes reads through and refuses every write, so evidence stays untouched.
 * Read-only views that do more on reads (counting them, say) extend it.
 */
public class ReadOnlyBlockDevice implements BlockDevice {

  private final BlockDevice delegate;

  /** Wraps {@code delegate}; closing this device closes the delegate. */
  public ReadOnlyBlockDevice(BlockDevice delegate) {
    this.delegate = delegate;
  }

  /** Returns the wrapped device. */
  protected final BlockDevice delegate() {
    return delegate;
  }

  @Override
  public long size() throws IOException {
    return delegate.size();
  }

  @Override
  public void readFully(long deviceOffset, ByteBuffer dst) throws IOException {
    delegate.readFully(deviceOffset, dst);
  }

  @Override
  public void copyTo(long deviceOffset, long length, java.nio.channels.FileChannel target, long targetPosition) throws IOException {
    delegate.copyTo(deviceOffset, length, target, targetPosition);
  }

  @Override
  public final void write(long deviceOffset, ByteBuffer src) throws IOException {
    throw new ReadOnlyDeviceException(delegate.name());
  }

  @Override
  public final boolean isReadOnly() {
    return true;
  }

  @Override
  public final void flush() {}

  @Override
  public final String name() {
    return delegate.name();
  }

  @Override
  public final void resize(long newSize) throws IOException {
    throw new ReadOnlyDeviceException(delegate.name());
  }

  @Override
  public void close() throws IOException {
    delegate.close();
  }
}
