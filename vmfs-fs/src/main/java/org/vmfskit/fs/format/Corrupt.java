package org.vmfskit.fs.format;

/**
 * Factories that return (never throw) format exceptions, so the call site reads
 * {@code throw Corrupt.field(...)} and the compiler sees the throw.
 */
public final class Corrupt {

  private Corrupt() {}

  /** A field whose value differs from the one value allowed. */
  public static CorruptStructureException field(
      String structure, long deviceOffset, String field, Object expected, Object actual) {
    return new CorruptStructureException(structure, deviceOffset, field, null, expected, actual);
  }

  /** A field that fails a rule described in {@code defect}. */
  public static CorruptStructureException defect(
      String structure, long deviceOffset, String field, String defect, Object expected, Object actual) {
    return new CorruptStructureException(structure, deviceOffset, field, defect, expected, actual);
  }

  /** A magic number that does not match. */
  public static CorruptStructureException magic(String structure, long deviceOffset, long expected, long actual) {
    return new CorruptStructureException(
        structure, deviceOffset, "magic", "bad magic", hex(expected), hex(actual));
  }

  /** A value outside {@code [min, max]}. */
  public static CorruptStructureException range(
      String structure, long deviceOffset, String field, long min, long max, long actual) {
    return new CorruptStructureException(
        structure, deviceOffset, field, field + " out of range", min + ".." + max, actual);
  }

  /** An address of a kind that may not appear where it was found. */
  public static CorruptStructureException unexpectedAddress(
      String structure, long deviceOffset, String expectedKind, BlockAddress actual) {
    return new CorruptStructureException(
        structure, deviceOffset, "address", "unexpected address", expectedKind, actual);
  }

  /** Formats {@code value} as {@code 0x…} hex. */
  public static String hex(long value) {
    return "0x" + Long.toHexString(value).toUpperCase(java.util.Locale.ROOT);
  }

  /** Adds two non-negative values read from disk, failing on overflow. */
  public static long addExact(String structure, long deviceOffset, String field, long a, long b)
      throws CorruptStructureException {
    try {
      return Math.addExact(a, b);
    } catch (ArithmeticException e) {
      throw defect(structure, deviceOffset, field, "arithmetic overflow", null, a + " + " + b);
    }
  }

  /** Multiplies two non-negative values read from disk, failing on overflow. */
  public static long multiplyExact(String structure, long deviceOffset, String field, long a, long b)
      throws CorruptStructureException {
    try {
      return Math.multiplyExact(a, b);
    } catch (ArithmeticException e) {
      throw defect(structure, deviceOffset, field, "arithmetic overflow", null, a + " * " + b);
    }
  }
}
