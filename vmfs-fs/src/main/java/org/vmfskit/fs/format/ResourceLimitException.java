package org.vmfskit.fs.format;

/** A size or count read from disk exceeds a limit vmfskit sets to protect memory and time. */
public final class ResourceLimitException extends VmfsFormatException {

  /** Creates the exception for a {@code field} whose value {@code actual} exceeds {@code limit}. */
  public ResourceLimitException(String structure, long deviceOffset, String field, long limit, long actual) {
    super(
        structure,
        deviceOffset,
        "%s: %s exceeds the limit (expected at most %d, was %d)"
            .formatted(where(structure, deviceOffset), field, limit, actual),
        null);
  }
}
