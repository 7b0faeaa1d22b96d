package org.vmfskit.recovery;

import java.util.Objects;

/**
 * One thing recovery noticed about the image: a rejected candidate, a damaged structure, a gap or
 * an overwritten range.
 *
 * @param severity how much it matters
 * @param deviceOffset byte offset in the image the finding is about, or -1 when it has none
 * @param message one sentence
 */
public record Finding(Severity severity, long deviceOffset, String message) {

  /** How much a finding matters. */
  public enum Severity {
    /** Informational: nothing is lost. */
    INFO,
    /** Something is missing, suspect or unverified. */
    WARNING,
    /** A structure is damaged or a candidate was rejected. */
    ERROR
  }

  /** Checks the components. */
  public Finding {
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(message, "message");
  }

  static Finding info(long deviceOffset, String message) {
    return new Finding(Severity.INFO, deviceOffset, message);
  }

  static Finding warning(long deviceOffset, String message) {
    return new Finding(Severity.WARNING, deviceOffset, message);
  }

  static Finding error(long deviceOffset, String message) {
    return new Finding(Severity.ERROR, deviceOffset, message);
  }
}
