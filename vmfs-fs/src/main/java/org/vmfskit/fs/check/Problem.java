package org.vmfskit.fs.check;

/**
 * One inconsistency the checker found.
 *
 * @param kind what is wrong
 * @param deviceOffset image offset of the structure at fault, or -1
 * @param message a one-line description naming the structure and the values involved
 */
public record Problem(Kind kind, long deviceOffset, String message) {

  /** The kinds of problems, each a counter in the report. */
  public enum Kind {
    /** A resource a file uses is marked free in its bitmap. */
    USED_BUT_FREE,
    /** A resource marked allocated that nothing uses (leaked). */
    LOST,
    /** A resource used by two files, or twice by one. */
    MULTIPLY_USED,
    /** A live FD that no directory names. */
    ORPHANED_FD,
    /** A directory entry naming no live FD, or with the wrong type. */
    BAD_ENTRY,
    /** A directory without the right "." and ".." or with a wrong link count. */
    DIRECTORY_ERROR,
    /** A structure that cannot be decoded, or an address out of range. */
    CORRUPT,
    /** A cluster header whose counters disagree with its bitmap. */
    BITMAP_COUNTER
  }

  @Override
  public String toString() {
    return kind + (deviceOffset >= 0 ? " at 0x" + Long.toHexString(deviceOffset) : "") + ": " + message;
  }
}
