package org.vmfskit.recovery;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;

/**
 * Writing an output failed (a full disk, a missing permission, an output directory in the way):
 * names the output path, not the image, which was only read. Nothing partial is left at the output:
 * the run's temporary directory is removed.
 */
public final class RecoveryOutputException extends FileSystemException {

  /** {@code output} could not be written because of {@code reason}. */
  public RecoveryOutputException(Path output, String reason, Throwable cause) {
    super(output.toString(), null, reason);
    if (cause != null) {
      initCause(cause);
    }
  }

  /** Wraps a failure of writing {@code output}, keeping the operating system's reason. */
  static RecoveryOutputException of(Path output, IOException e) {
    if (e instanceof RecoveryOutputException already) {
      return already;
    }
    String reason = switch (e) {
      case FileSystemException f when f.getReason() != null -> f.getReason();
      case java.nio.file.FileAlreadyExistsException f -> f.getFile() + " is in the way (it exists and is not a directory)";
      case java.nio.file.NoSuchFileException f -> f.getFile() + ": no such file or directory";
      case java.nio.file.AccessDeniedException f -> f.getFile() + ": permission denied";
      default -> e.getMessage();
    };
    return new RecoveryOutputException(output, reason == null ? e.getClass().getSimpleName() : reason, e);
  }
}
