package org.vmfskit.fs.format;

/** A field of an on-disk structure holds a value that the format does not allow. */
public final class CorruptStructureException extends VmfsFormatException {

  private final String field;

  /**
   * Creates the exception; {@code expected} and {@code actual} may be null when the defect is not a
   * single wrong value.
   */
  public CorruptStructureException(
      String structure, long deviceOffset, String field, String defect, Object expected, Object actual) {
    super(structure, deviceOffset, message(structure, deviceOffset, field, defect, expected, actual), null);
    this.field = field;
  }

  /** Returns the name of the offending field. */
  public String field() {
    return field;
  }

  private static String message(
      String structure, long deviceOffset, String field, String defect, Object expected, Object actual) {
    StringBuilder text = new StringBuilder(where(structure, deviceOffset)).append(": ");
    text.append(defect == null ? "bad " + field : defect);
    if (expected != null || actual != null) {
      text.append(" (expected ").append(expected).append(", was ").append(actual).append(')');
    }
    return text.toString();
  }
}
