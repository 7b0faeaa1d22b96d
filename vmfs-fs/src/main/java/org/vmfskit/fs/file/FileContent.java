package org.vmfskit.fs.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * The content of one file as one VMFS version stores it: the part of the format seam
 * ({@link VolumeFormat}) that {@link VmfsFile} delegates to. VMFS5 ({@link Vmfs5File}) and VMFS6
 * ({@code Vmfs6File}) each resolve offsets through their own FD layout, address codec and block
 * maps; the caller sees only bytes, {@link Extent}s and {@link FileStat}s.
 */
interface FileContent {

  /** Returns the FD's stat, named by the path the file was opened by. */
  FileStat stat() throws IOException;

  /** Returns the file's length in bytes. */
  long size() throws IOException;

  /** Reads up to {@code dst.remaining()} bytes at {@code pos}; the count, or -1 at or past the end. */
  int read(long pos, ByteBuffer dst) throws IOException;

  /** Returns the runs of {@code [pos, pos + length)} (clipped to the file) as device ranges or holes. */
  List<Extent> extents(long pos, long length) throws IOException;

  /** Copies {@code [pos, pos + length)} into {@code target} at {@code targetPos}, leaving holes unwritten. */
  void copyTo(long pos, long length, FileChannel target, long targetPos) throws IOException;

  /** Writes all of {@code src} at {@code pos}, extending the file and allocating as needed. */
  void write(long pos, ByteBuffer src) throws IOException;

  /** Fills this empty file with the first {@code length} bytes of {@code in} as one change. */
  void fill(FileChannel in, long length, LongConsumer progress) throws IOException;

  /** Sets the file's length; shrinking frees what lies past the end without wiping it. */
  void truncate(long newSize) throws IOException;

  /** Extends the file to at least {@code newSize} with every block allocated. */
  void preallocate(long newSize, VmfsFile.Preallocation how) throws IOException;

  /** Frees everything the file holds and its FD, as the second half of a delete. */
  void release() throws IOException;
}
