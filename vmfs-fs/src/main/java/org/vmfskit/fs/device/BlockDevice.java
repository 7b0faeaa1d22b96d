package org.vmfskit.fs.device;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A random-access store of bytes addressed by device offset: an image file, a sparse memory
 * device, or a decorator over either. A device knows nothing of the structures stored in it.
 *
 * <p>Reads past the end of the device throw {@link java.io.EOFException} naming the offset; the
 * layer that knows which structure it was reading turns that into a format exception.
 */
public interface BlockDevice extends Closeable {

  /** Returns the current size of the device in bytes. */
  long size() throws IOException;

  /**
   * Reads exactly {@code dst.remaining()} bytes starting at {@code deviceOffset} into {@code dst}.
   *
   * @throws java.io.EOFException if the range extends past the end of the device
   */
  void readFully(long deviceOffset, ByteBuffer dst) throws IOException;

  /** Writes all of {@code src} at {@code deviceOffset}, growing the device if needed. */
  void write(long deviceOffset, ByteBuffer src) throws IOException;

  /** Returns whether writes are refused. */
  boolean isReadOnly();

  /** Forces written bytes to stable storage. */
  void flush() throws IOException;

  /** Returns a short human-readable name of the device for messages, such as its path. */
  String name();

  /**
   * Sets the device's size; shrinking discards bytes, growing adds zeros (as a hole where the
   * storage supports them).
   */
  void resize(long newSize) throws IOException;

  /**
   * Copies {@code length} bytes at {@code deviceOffset} into {@code target} at
   * {@code targetPosition}. Devices over files override this to let the kernel copy.
   */
  default void copyTo(long deviceOffset, long length, java.nio.channels.FileChannel target, long targetPosition) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocateDirect((int) Math.min(length, 8 << 20));
    long done = 0;
    while (done < length) {
      buffer.clear().limit((int) Math.min(buffer.capacity(), length - done));
      readFully(deviceOffset + done, buffer);
      buffer.flip();
      while (buffer.hasRemaining()) {
        done += target.write(buffer, targetPosition + done);
      }
    }
  }

  /** Reads {@code length} bytes at {@code deviceOffset} into a new little-endian buffer. */
  default ByteBuffer read(long deviceOffset, int length) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    readFully(deviceOffset, buffer);
    return buffer.flip();
  }
}
