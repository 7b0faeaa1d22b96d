package org.vmfskit.recovery;

import java.nio.ByteBuffer;
import java.nio.file.ReadOnlyFileSystemException;
import org.vmfskit.fs.vmdk.DiskFile;

/** A disk file that refuses every change: the recovery serves rebuilt files to the disk code for reading only. */
interface ReadOnlyDiskFile extends DiskFile {

  @Override
  default void write(long offset, ByteBuffer src) {
    throw new ReadOnlyFileSystemException();
  }

  @Override
  default void setSize(long newSize) {
    throw new ReadOnlyFileSystemException();
  }

  @Override
  default void allocate(long newSize) {
    throw new ReadOnlyFileSystemException();
  }

  @Override
  default boolean isReadOnly() {
    return true;
  }

  @Override
  default void close() {}
}
