package org.vmfskit.fs.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.vmfskit.fs.device.BlockDevice;

/** A decorator that lets {@code allowedWrites} writes through and then fails every write, like a crash. */
public final class FailingBlockDevice implements BlockDevice {

  private final BlockDevice delegate;
  private long allowedWrites;
  private long writes;

  /** Wraps {@code delegate}, failing from write number {@code allowedWrites} (0-based) on. */
  public FailingBlockDevice(BlockDevice delegate, long allowedWrites) {
    this.delegate = delegate;
    this.allowedWrites = allowedWrites;
  }

  /** Returns the number of writes attempted so far. */
  public long writes() {
    return writes;
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
  public void write(long deviceOffset, ByteBuffer src) throws IOException {
    if (writes++ >= allowedWrites) {
      throw new IOException("injected failure at write " + (writes - 1));
    }
    delegate.write(deviceOffset, src);
  }

  @Override
  public boolean isReadOnly() {
    return false;
  }

  @Override
  public void flush() throws IOException {
    delegate.flush();
  }

  @Override
  public String name() {
    return "failing " + delegate.name();
  }

  @Override
  public void resize(long newSize) throws IOException {
    delegate.resize(newSize);
  }

  @Override
  public void close() throws IOException {
    delegate.close();
  }
}
