package org.vmfskit.fs.snapshot;

import java.io.IOException;

/** A snapshot operation that cannot be done: unknown or ambiguous name, pending consolidation. */
public final class SnapshotException extends IOException {

  /** Creates the exception with a one-line message. */
  public SnapshotException(String message) {
    super(message);
  }
}
