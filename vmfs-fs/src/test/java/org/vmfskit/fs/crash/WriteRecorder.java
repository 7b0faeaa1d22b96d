package org.vmfskit.fs.crash;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.BitSet;
import org.vmfskit.fs.device.BlockDevice;

/**
 * Passes everything to a device and notes, per write (1-based), whether it crosses a 512-byte
 * boundary: only those can tear, so a torn-write run skips the others (for them a tear is the same
 * as the dropped-write run's cut).
 */
final class WriteRecorder implements BlockDevice {

  private final BlockDevice delegate;
  private final BitSet tearable = new BitSet();
  private long writes;

  WriteRecorder(BlockDevice delegate) {
    this.delegate = delegate;
  }

  /** Returns the writes that cross a sector boundary. */
  BitSet tearable() {
    return tearable;
  }

  @Override
  public long size() throws IOException {
    return delegate.size();
  }

  @Override
  public void readFully(long offset, ByteBuffer dst) throws IOException {
    delegate.readFully(offset, dst);
  }

  @Override
  public void write(long offset, ByteBuffer src) throws IOException {
    writes++;
    if (Math.floorDiv(offset, 512) != Math.floorDiv(offset + src.remaining() - 1, 512)) {
      tearable.set((int) writes);
    }
    delegate.write(offset, src);
  }

  @Override
  public boolean isReadOnly() {
    return false;
  }

  @Override
  public void flush() {}

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public void resize(long newSize) throws IOException {
    delegate.resize(newSize);
  }

  @Override
  public void close() {}
}
