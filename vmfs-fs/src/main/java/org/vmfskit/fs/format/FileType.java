package org.vmfskit.fs.format;

/** The type codes of file descriptors and directory entries. */
public enum FileType {
  /** Code 1, the volume itself (unused in practice). */
  VOLUME(1),
  /** Code 2, a directory. */
  DIRECTORY(2),
  /** Code 3, a regular file. */
  REGULAR(3),
  /** Code 4, a symbolic link whose content is the target path. */
  SYMLINK(4),
  /** Code 5, a system (resource or metadata) file. */
  SYSTEM(5),
  /** Code 6, a raw device mapping. */
  RDM(6);

  private final int code;

  FileType(int code) {
    this.code = code;
  }

  /** Returns the on-disk code. */
  public int code() {
    return code;
  }

  /** Returns the type of {@code code}, or throws naming the structure. */
  public static FileType of(long code, String structure, long deviceOffset) throws CorruptStructureException {
    if (code < 1 || code > 6) {
      throw Corrupt.range(structure, deviceOffset, "type", 1, 6, code);
    }
    return values()[(int) code - 1];
  }
}
