package org.vmfskit.fs.vmdk;

import java.io.IOException;
import java.util.List;

/**
 * A directory tree holding virtual-disk files: a host directory or a VMFS volume. Names are
 * slash-separated paths; relative ones resolve against the directory of the referring file, and
 * absolute {@code /vmfs/volumes/<label or uuid>/…} names resolve on the store's volume.
 */
public interface DiskStore {

  /** How a new file's storage is provided. */
  enum Allocation {
    /** Nothing allocated until written; unwritten ranges read as zeros. */
    THIN,
    /** All storage allocated now and marked to-be-zeroed, so it reads as zeros without a write. */
    ZEROED_THICK,
    /** All storage allocated now and written with zeros. */
    EAGER_ZEROED_THICK
  }

  /** Opens an existing file. */
  DiskFile open(String path, boolean writable) throws IOException;

  /** Creates a new empty file; fails if it exists. */
  DiskFile create(String path) throws IOException;

  /** Creates a new file of {@code size} bytes with the given allocation; fails if it exists. */
  DiskFile create(String path, long size, Allocation allocation) throws IOException;

  /** Returns whether a file exists at {@code path}. */
  boolean exists(String path) throws IOException;

  /** Deletes a file. */
  void delete(String path) throws IOException;

  /** Renames a file within the store. */
  void rename(String from, String to) throws IOException;

  /** Lists the names of the entries in a directory. */
  List<String> list(String directory) throws IOException;

  /**
   * Resolves {@code reference} (such as a {@code parentFileNameHint}) as seen from the file at
   * {@code from}, returning a path in this store.
   */
  String resolve(String from, String reference);

  /** Returns whether the store refuses writes. */
  boolean isReadOnly();
}
