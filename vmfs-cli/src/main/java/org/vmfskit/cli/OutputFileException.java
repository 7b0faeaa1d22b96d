package org.vmfskit.cli;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.List;
import org.vmfskit.fs.format.VmfsFormatException;

/**
 * A failure writing a host output file ({@code get}, {@code disk export}): {@link VmfsCli} names
 * this file on the error line, not the image the command read.
 */
final class OutputFileException extends FileSystemException {

  /**
   * What only a write can fail with (ENOSPC, EDQUOT, EFBIG, EROFS). The image is open read-only,
   * so one of these during a copy comes from the output whatever call raised it: a kernel copy
   * reads and writes in one call.
   */
  private static final List<String> WRITE_FAILURES =
      List.of("No space left on device", "Disk quota exceeded", "File too large", "Read-only file system");

  private OutputFileException(Path output, IOException cause) {
    super(output.toString(), null, cause.getMessage());
    initCause(cause);
  }

  /** Returns {@code e} as a failure of {@code output} when only writing it can have caused it, else {@code e}. */
  static IOException attribute(IOException e, Path output) {
    if (e instanceof FileSystemException || e instanceof VmfsFormatException || e.getMessage() == null) {
      return e;
    }
    return WRITE_FAILURES.stream().anyMatch(e.getMessage()::contains) ? new OutputFileException(output, e) : e;
  }
}
