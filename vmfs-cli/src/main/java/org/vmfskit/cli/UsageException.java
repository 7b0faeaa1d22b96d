package org.vmfskit.cli;

/** A command was called wrongly; the CLI prints the message and the usage and exits 2. */
final class UsageException extends Exception {

  UsageException(String message) {
    super(message);
  }
}
