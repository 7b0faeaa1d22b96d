package org.vmfskit.fs.file;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.List;
import java.util.function.LongConsumer;
import org.vmfskit.fs.format.FileDescriptor;
import org.vmfskit.fs.format.FileDescriptorAddr;
import org.vmfskit.fs.format.UnsupportedFormatException;
import org.vmfskit.fs.format.ResourceLimitException;

/**
 * The content of one file (or directory) on a volume: positional reads and writes, truncation and
 * preallocation. The same on every VMFS version: the version's own {@link FileContent} (VMFS5 or
 * VMFS6, chosen by the volume's {@link VolumeFormat}) resolves offsets through its FD layout and
 * block maps and promotes the addressing mode as the file grows.
 *
 * <p>Reads hold the volume's read lock; changes hold its write lock.
 */
public final class VmfsFile {

  /** How preallocated storage reads before it is written. */
  public enum Preallocation {
    /** Blocks flagged to-be-zeroed: allocated, read as zeros, nothing written. */
    TO_BE_ZEROED,
    /** Blocks written with zeros now. */
    ZEROED
  }

  private final FileContent content;
  private final FileDescriptorAddr address;
  private final String path;

  VmfsFile(FileContent content, FileDescriptorAddr address, String path) {
    this.content = content;
    this.address = address;
    this.path = path;
  }

  /** Returns the FD address. */
  public FileDescriptorAddr address() {
    return address;
  }

  /** Returns the path the file was opened by. */
  public String path() {
    return path;
  }

  /** Returns the file's stat: type, size, mode, times, addressing mode and blocks. */
  public FileStat stat() throws IOException {
    return content.stat();
  }

  /**
   * Returns the file's raw VMFS5 FD, for code that reads VMFS5 structures itself (the recovery
   * scan, structure-level tests).
   *
   * @throws UnsupportedFormatException on a volume of another version
   */
  public FileDescriptor descriptor() throws IOException {
    if (content instanceof Vmfs5File v5) {
      return v5.descriptor();
    }
    throw new UnsupportedFormatException("VmfsFile", -1, path + " is not on a VMFS5 volume: it has no VMFS5 FD");
  }

  /** Returns the file's length in bytes. */
  public long size() throws IOException {
    return content.size();
  }

  /** Returns the bytes of storage the file holds ({@link FileStat#allocatedBytes}: to-be-zeroed blocks included, holes not). */
  public long allocatedBytes() throws IOException {
    return content.stat().allocatedBytes();
  }

  /**
   * Reads up to {@code dst.remaining()} bytes at {@code pos}; returns the count, or -1 at or past
   * the end of the file.
   */
  public int read(long pos, ByteBuffer dst) throws IOException {
    return content.read(pos, dst);
  }

  /** Reads exactly {@code dst.remaining()} bytes at {@code pos}, failing at the end of the file. */
  public void readFully(long pos, ByteBuffer dst) throws IOException {
    long at = pos;
    while (dst.hasRemaining()) {
      int n = read(at, dst);
      if (n < 0) {
        throw new EOFException(path + ": read of " + dst.remaining() + " bytes at " + at + " passes the end of the file");
      }
      at += n;
    }
  }

  /** Returns the whole content; for files known to be small (directories, descriptors). */
  public byte[] readAll(long limit) throws IOException {
    long size = size();
    if (size > limit) {
      throw new ResourceLimitException("file " + path, -1, "size", limit, size);
    }
    ByteBuffer buffer = ByteBuffer.allocate((int) size);
    readFully(0, buffer);
    return buffer.array();
  }

  /** Returns the runs of {@code [pos, pos + length)} (clipped to the file) as device ranges or holes. */
  public List<Extent> extents(long pos, long length) throws IOException {
    return content.extents(pos, length);
  }

  /**
   * Copies {@code [pos, pos + length)} into {@code target} at {@code targetPos}, leaving holes
   * unwritten (so a sparse target stays sparse), letting the device copy data runs itself.
   */
  public void copyTo(long pos, long length, FileChannel target, long targetPos) throws IOException {
    content.copyTo(pos, length, target, targetPos);
  }

  /** Writes all of {@code src} at {@code pos}, extending the file and allocating as needed. */
  public void write(long pos, ByteBuffer src) throws IOException {
    content.write(pos, src);
  }

  /**
   * Fills this empty file with the first {@code length} bytes of {@code in}, as one metadata
   * change: the data goes to freshly allocated blocks chunk by chunk, and the file's blocks and
   * size are committed once at the end, so a crash leaves the file empty or complete, and a large
   * copy costs one journal commit instead of one per chunk. Block-aligned runs of zeros stay holes.
   * {@code progress} receives the bytes copied so far after each chunk.
   */
  public void fill(FileChannel in, long length, LongConsumer progress) throws IOException {
    content.fill(in, length, progress);
  }

  /** Sets the file's length; shrinking frees blocks past the end (their bytes are kept on disk). */
  public void truncate(long newSize) throws IOException {
    content.truncate(newSize);
  }

  /**
   * Extends the file to at least {@code newSize} with every block allocated: flagged to-be-zeroed
   * (zeroedthick) or written with zeros (eagerzeroedthick).
   */
  public void preallocate(long newSize, Preallocation how) throws IOException {
    content.preallocate(newSize, how);
  }

  /** Frees everything the file holds and its FD, as a delete does; the caller removed its name. */
  void release() throws IOException {
    content.release();
  }
}
