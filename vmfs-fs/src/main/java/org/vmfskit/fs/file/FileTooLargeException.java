package org.vmfskit.fs.file;

import java.nio.file.FileSystemException;

/** Thrown when a write or truncate would pass the largest size a VMFS5 file can have. */
public final class FileTooLargeException extends FileSystemException {

  /** Creates the exception for {@code path}. */
  public FileTooLargeException(String path, long requested, long limit) {
    super(path, null, "file would be %d bytes; the limit is %d".formatted(requested, limit));
  }
}
