package org.vmfskit.fs.device;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A window of {@code length} bytes at {@code start} of a delegate device, such as one partition
 * of a whole-disk image: offsets are shifted by {@code start}, and nothing outside the window is
 * read or written. The window cannot be resized. Closing it closes the delegate.
 */
public final class PartitionBlockDevice implements BlockDevice {

  private final BlockDevice delegate;
  private final long start;
  private final long length;
  private final String name;

  /** Creates the window {@code [start, start + length)} of {@code delegate}, named {@code name} in messages. */
  public PartitionBlockDevice(BlockDevice delegate, long start, long length, String name) {
    checkArgument(start >= 0 && length >= 0 && start <= Long.MAX_VALUE - length, "bad window %s+%s", start, length);
    this.delegate = delegate;
    this.start = start;
    this.length = length;
    this.name = name;
  }

  /** Returns the window's start in the delegate, in bytes. */
  public long start() {
    return start;
  }

  @Override
  public long size() {
    return length;
  }

  @Override
  public void readFully(long deviceOffset, ByteBuffer dst) throws IOException {
    checkWindow(deviceOffset, dst.remaining(), "read");
    delegate.readFully(start + deviceOffset, dst);
  }

  @Override
  public void copyTo(long deviceOffset, long count, FileChannel target, long targetPosition) throws IOException {
    checkWindow(deviceOffset, count, "copy");
    delegate.copyTo(start + deviceOffset, count, target, targetPosition);
  }

  @Override
  public void write(long deviceOffset, ByteBuffer src) throws IOException {
    if (delegate.isReadOnly()) {
      throw new ReadOnlyDeviceException(name);
    }
    checkWindow(deviceOffset, src.remaining(), "write");
    delegate.write(start + deviceOffset, src);
  }

  private void checkWindow(long deviceOffset, long count, String what) throws EOFException {
    if (deviceOffset < 0 || count > length || deviceOffset > length - count) {
      throw new EOFException("%s: %s of %d bytes at 0x%x passes the end of the partition (0x%x)"
          .formatted(name, what, count, deviceOffset, length));
    }
  }

  @Override
  public boolean isReadOnly() {
    return delegate.isReadOnly();
  }

  @Override
  public void flush() throws IOException {
    delegate.flush();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void resize(long newSize) throws IOException {
    if (newSize != length) {
      // A partition's size is fixed by the partition table; growing it would overwrite its neighbour.
      throw new java.nio.file.FileSystemException(name, null, "a partition cannot be resized (size 0x%x, asked 0x%x)".formatted(length, newSize));
    }
  }

  @Override
  public void close() throws IOException {
    delegate.close();
  }
}
