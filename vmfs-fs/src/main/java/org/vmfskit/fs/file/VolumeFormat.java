package org.vmfskit.fs.file;

import java.io.Closeable;
import java.io.IOException;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.vmfskit.fs.volume.VmfsVersion;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.format.FileDescriptorAddr;
import org.vmfskit.fs.format.FileType;
import org.vmfskit.fs.volume.VolumeInfo;

/**
 * The format seam: the one place per VMFS version that knows its geometry, address codec, FD
 * layout and directory implementation. {@link Vmfs} (paths, symbolic links, create, delete,
 * rename) and {@link VmfsFile} (content) are written once against this interface; VMFS5
 * ({@link Vmfs5Format}, over {@link org.vmfskit.fs.volume.Volume}) and VMFS6
 * ({@code Vmfs6Format}, over {@code Volume6}) implement it. Everything above
 * {@code file} (nio, vmdk, snapshot) sees only {@link Vmfs} and {@link VmfsFile}.
 */
sealed interface VolumeFormat extends Closeable permits Vmfs5Format {

  /** A body that may throw {@link IOException}. */
  @FunctionalInterface
  interface IoSupplier<T> {
    /** Runs the body. */
    T get() throws IOException;
  }

  /** Returns the version. */
  VmfsVersion version();

  /** Returns the device the volume is read from (and written to, when writable). */
  BlockDevice device();

  /** Returns whether nothing may be written (a read-only open, a VMFS3 volume, an unclean VMFS6 one). */
  boolean isReadOnly();

  /** Returns the datastore label. */
  String label();

  /** Returns the datastore (FS) UUID in ESXi's text form. */
  String fsUuid();

  /** Returns the file-block size. */
  long blockSize();

  /** Returns what {@code vmfs info} shows. */
  VolumeInfo info() throws IOException;

  /** Returns the volume's lock: reads share it, changes hold it exclusively. */
  ReentrantReadWriteLock lock();

  /** Runs {@code body} under the read lock. */
  <T> T read(IoSupplier<T> body) throws IOException;

  /**
   * Runs a namespace change under the write lock as one atomic change (journaled where the
   * version has vmfskit's journal), so a crash leaves it done or not begun.
   */
  <T> T change(IoSupplier<T> body) throws IOException;

  /** Returns the stat of the FD at {@code address}, named {@code name}. */
  FileStat stat(FileDescriptorAddr address, String name) throws IOException;

  /** Returns the content of the FD at {@code address}, opened by {@code path}. */
  FileContent content(FileDescriptorAddr address, String path);

  /** Returns the directory at {@code address}; {@link java.nio.file.NotDirectoryException} when it is none. */
  DirectoryView directory(FileDescriptorAddr address, String path) throws IOException;

  /**
   * Allocates and writes a new FD of {@code type} with its own content ("." and ".." for a
   * directory under {@code parent}, the target for a symbolic link), named by nothing yet; the
   * caller adds the entry, or {@linkplain FileContent#release releases} it on failure.
   */
  FileDescriptorAddr createNode(FileType type, long mode, FileDescriptorAddr parent, byte[] content, String path) throws IOException;

  /** Sets the link count of the FD at {@code address}. */
  void setLinkCount(FileDescriptorAddr address, long nlink) throws IOException;

  /** Writes what is buffered to the device. */
  void flush() throws IOException;
}
