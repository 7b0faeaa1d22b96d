package org.vmfskit.fs.device;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.Set;

/**
 * A block device over a {@link FileChannel} using positional I/O only, so it works on jimfs and
 * on sparse host files alike; it never memory-maps (jimfs cannot).
 *
 * <p>{@link #openWritable} and {@link #create} hold the image's writer lock (see
 * {@link ImageFiles}) until {@link #close}; a channel wrapped with {@link #of} is the caller's to
 * lock.
 */
public final class FileChannelBlockDevice implements BlockDevice {

  private final FileChannel channel;
  private final String name;
  private final boolean readOnly;
  /** The writer lock this device holds, released after the channel is closed; null if none. */
  private final ImageLock lock;

  private FileChannelBlockDevice(FileChannel channel, String name, boolean readOnly, ImageLock lock) {
    this.channel = channel;
    this.name = name;
    this.readOnly = readOnly;
    this.lock = lock;
  }

  private FileChannelBlockDevice(FileChannel channel, String name, boolean readOnly) {
    this(channel, name, readOnly, null);
  }

  /** Wraps a channel open for writing, holding the image lock; closes the channel when refused. */
  private static FileChannelBlockDevice locked(FileChannel channel, Path image) throws IOException {
    try {
      return new FileChannelBlockDevice(channel, image.toString(), false, ImageLock.acquire(channel, image));
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /** Opens an existing image for reading only. */
  public static FileChannelBlockDevice openReadOnly(Path image) throws IOException {
    return new FileChannelBlockDevice(
        FileChannel.open(image, StandardOpenOption.READ), image.toString(), true);
  }

  /**
   * Opens an existing image for reading and writing, holding its writer lock until closed.
   *
   * @throws java.nio.file.FileSystemException "image is in use by another writer" when another
   *     writer, in this process or another, holds it
   */
  public static FileChannelBlockDevice openWritable(Path image) throws IOException {
    return locked(FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE), image);
  }

  /**
   * Creates a new sparse image file of {@code size} bytes, holding its writer lock until closed;
   * fails if the file exists.
   */
  public static FileChannelBlockDevice create(Path image, long size) throws IOException {
    Set<StandardOpenOption> options =
        EnumSet.of(
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.SPARSE,
            StandardOpenOption.READ,
            StandardOpenOption.WRITE);
    FileChannelBlockDevice device = locked(FileChannel.open(image, options), image);
    try {
      device.resize(size);
    } catch (IOException | RuntimeException e) {
      device.close();
      throw e;
    }
    return device;
  }

  /** Wraps an already open channel; the device closes it. */
  public static FileChannelBlockDevice of(FileChannel channel, String name, boolean readOnly) {
    return new FileChannelBlockDevice(channel, name, readOnly);
  }

  @Override
  public long size() throws IOException {
    return channel.size();
  }

  @Override
  public void readFully(long deviceOffset, ByteBuffer dst) throws IOException {
    long position = deviceOffset;
    while (dst.hasRemaining()) {
      int n = channel.read(dst, position);
      if (n < 0) {
        throw new EOFException(
            "%s: read of %d bytes at 0x%x passes the end of the device (0x%x)"
                .formatted(name, dst.remaining(), position, channel.size()));
      }
      position += n;
    }
  }

  @Override
  public void copyTo(long deviceOffset, long length, FileChannel target, long targetPosition) throws IOException {
    if (deviceOffset + length > channel.size()) {
      throw new EOFException("%s: copy of %d bytes at 0x%x passes the end of the device (0x%x)".formatted(name, length, deviceOffset, channel.size()));
    }
    long done = 0;
    target.position(targetPosition);
    while (done < length) {
      long n = channel.transferTo(deviceOffset + done, length - done, target);
      if (n <= 0) {
        BlockDevice.super.copyTo(deviceOffset + done, length - done, target, targetPosition + done);
        return;
      }
      done += n;
    }
  }

  @Override
  public void write(long deviceOffset, ByteBuffer src) throws IOException {
    if (readOnly) {
      throw new ReadOnlyDeviceException(name);
    }
    long position = deviceOffset;
    while (src.hasRemaining()) {
      position += channel.write(src, position);
    }
  }

  @Override
  public boolean isReadOnly() {
    return readOnly;
  }

  @Override
  public void flush() throws IOException {
    if (!readOnly) {
      channel.force(false);
    }
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void resize(long newSize) throws IOException {
    if (readOnly) {
      throw new ReadOnlyDeviceException(name);
    }
    long current = channel.size();
    if (newSize < current) {
      channel.truncate(newSize);
    } else if (newSize > current) {
      // Writing the last byte extends the file as a hole on file systems with sparse support.
      channel.write(ByteBuffer.wrap(new byte[1]), newSize - 1);
    }
  }

  @Override
  public void close() throws IOException {
    try {
      channel.close();
    } finally {
      if (lock != null) {
        lock.close();
      }
    }
  }
}
