package org.vmfskit.fs.nio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import org.vmfskit.fs.file.VmfsFile;

/**
 * A {@link FileChannel} over one {@link VmfsFile}: positional reads and writes straight through
 * to the file layer, whose volume lock makes them thread-safe. The channel's own position is
 * guarded by {@code this}. Memory mapping and locking are not supported.
 */
final class VmfsFileChannel extends FileChannel {

  private static final int TRANSFER_CHUNK = 1 << 20;

  private final VmfsFile file;
  private final VmfsFileSystem fileSystem;
  private final boolean readable;
  private final boolean writable;
  private final boolean append;
  private long position;

  VmfsFileChannel(VmfsFile file, VmfsFileSystem fileSystem, boolean readable, boolean writable, boolean append) {
    this.file = file;
    this.fileSystem = fileSystem;
    this.readable = readable;
    this.writable = writable;
    this.append = append;
  }

  private void checkReadable() throws ClosedChannelException {
    ensureOpen();
    if (!readable) {
      throw new NonReadableChannelException();
    }
  }

  private void checkWritable() throws ClosedChannelException {
    ensureOpen();
    if (!writable) {
      throw new NonWritableChannelException();
    }
  }

  private void ensureOpen() throws ClosedChannelException {
    if (!isOpen() || !fileSystem.isOpen()) {
      throw new ClosedChannelException();
    }
  }

  @Override
  public synchronized int read(ByteBuffer dst) throws IOException {
    checkReadable();
    int n = file.read(position, dst);
    if (n > 0) {
      position += n;
    }
    return n;
  }

  @Override
  public synchronized long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
    checkReadable();
    long total = 0;
    for (int i = offset; i < offset + length; i++) {
      if (!dsts[i].hasRemaining()) {
        continue;
      }
      int n = read(dsts[i]);
      if (n < 0) {
        return total == 0 ? -1 : total;
      }
      total += n;
      if (dsts[i].hasRemaining()) {
        break;
      }
    }
    return total;
  }

  @Override
  public synchronized int write(ByteBuffer src) throws IOException {
    checkWritable();
    if (append) {
      position = file.size();
    }
    int n = src.remaining();
    file.write(position, src);
    position += n;
    return n;
  }

  @Override
  public synchronized long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    long total = 0;
    for (int i = offset; i < offset + length; i++) {
      total += write(srcs[i]);
    }
    return total;
  }

  @Override
  public synchronized long position() throws IOException {
    ensureOpen();
    return append ? file.size() : position;
  }

  @Override
  public synchronized FileChannel position(long newPosition) throws IOException {
    ensureOpen();
    if (newPosition < 0) {
      throw new IllegalArgumentException("negative position " + newPosition);
    }
    position = newPosition;
    return this;
  }

  @Override
  public long size() throws IOException {
    ensureOpen();
    return file.size();
  }

  @Override
  public synchronized FileChannel truncate(long size) throws IOException {
    checkWritable();
    if (size < 0) {
      throw new IllegalArgumentException("negative size " + size);
    }
    if (size < file.size()) {
      file.truncate(size);
    }
    position = Math.min(position, size);
    return this;
  }

  @Override
  public void force(boolean metaData) throws IOException {
    ensureOpen();
    if (writable) {
      fileSystem.vmfs().flush();
    }
  }

  @Override
  public long transferTo(long from, long count, WritableByteChannel target) throws IOException {
    checkReadable();
    ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(TRANSFER_CHUNK, Math.max(count, 1)));
    long done = 0;
    while (done < count) {
      buffer.clear().limit((int) Math.min(buffer.capacity(), count - done));
      int n = file.read(from + done, buffer);
      if (n <= 0) {
        break;
      }
      buffer.flip();
      while (buffer.hasRemaining()) {
        target.write(buffer);
      }
      done += n;
    }
    return done;
  }

  @Override
  public long transferFrom(ReadableByteChannel src, long at, long count) throws IOException {
    checkWritable();
    ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(TRANSFER_CHUNK, Math.max(count, 1)));
    long done = 0;
    while (done < count) {
      buffer.clear().limit((int) Math.min(buffer.capacity(), count - done));
      int n = src.read(buffer);
      if (n <= 0) {
        break;
      }
      buffer.flip();
      file.write(at + done, buffer);
      done += n;
    }
    return done;
  }

  @Override
  public int read(ByteBuffer dst, long at) throws IOException {
    checkReadable();
    if (at < 0) {
      throw new IllegalArgumentException("negative position " + at);
    }
    return file.read(at, dst);
  }

  @Override
  public int write(ByteBuffer src, long at) throws IOException {
    checkWritable();
    if (at < 0) {
      throw new IllegalArgumentException("negative position " + at);
    }
    int n = src.remaining();
    file.write(at, src);
    return n;
  }

  /** Not supported: the file layer does positional I/O only, as jimfs and conventions §7 require. */
  @Override
  public MappedByteBuffer map(MapMode mode, long at, long size) {
    throw new UnsupportedOperationException("vmfs files cannot be memory-mapped");
  }

  @Override
  public FileLock lock(long at, long size, boolean shared) {
    throw new UnsupportedOperationException("vmfs files cannot be locked");
  }

  @Override
  public FileLock tryLock(long at, long size, boolean shared) {
    throw new UnsupportedOperationException("vmfs files cannot be locked");
  }

  @Override
  protected void implCloseChannel() {}
}
