package org.vmfskit.fs.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import java.util.BitSet;
import org.vmfskit.fs.device.BlockDevice;

/**
 * Passes everything to a device and notes where each write went and, per write (1-based), whether
 * it crosses a 512-byte boundary: only those can tear, so a torn-write run skips the others (for
 * them a tear is the same as the dropped-write run's cut).
 */
public final class WriteRecorder implements BlockDevice {

  private final BlockDevice delegate;
  private final BitSet tearable = new BitSet();
  private final LongArrayList offsets = new LongArrayList();
  private long writes;

  /** Records the writes to {@code delegate}. */
  public WriteRecorder(BlockDevice delegate) {
    this.delegate = delegate;
  }

  /** Returns the writes that cross a sector boundary. */
  public BitSet tearable() {
    return tearable;
  }

  /** Returns the device offset of every write, in order. */
  public LongArrayList offsets() {
    return offsets;
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
    offsets.add(offset);
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
