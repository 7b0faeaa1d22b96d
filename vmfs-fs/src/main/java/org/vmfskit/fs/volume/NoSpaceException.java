package org.vmfskit.fs.volume;

import java.nio.file.FileSystemException;

/** Thrown when a volume has no free resource of the kind an operation needs. */
public final class NoSpaceException extends FileSystemException {

  /** Creates the exception for the volume on {@code device}. */
  public NoSpaceException(String device, String reason) {
    super(device, null, "no space left on volume: " + reason);
  }
}
