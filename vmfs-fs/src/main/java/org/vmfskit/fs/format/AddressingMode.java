package org.vmfskit.fs.format;

/** The addressing modes ("zero-level address type", ZLA) of a file descriptor's data area. */
public enum AddressingMode {
  /**
   * ZLA 0: no data at all. Other writers may store it for empty files (what ESXi stores for them
   * is unsure); vmfskit reads it as an empty file and writes resident files instead.
   */
  EMPTY(0),
  /** ZLA 1: up to 256 direct file-block addresses. */
  FILE_BLOCKS(1),
  /** ZLA 2: up to 256 direct sub-block addresses; blockSize is the sub-block size. */
  SUB_BLOCKS(2),
  /** ZLA 3: up to 256 pointer blocks of file-block addresses. */
  POINTER_BLOCKS(3),
  /** ZLA 5: pointer blocks in .pb2.sf; not read by vmfskit. */
  POINTER_BLOCKS_2(5),
  /** ZLA 4304: pointer blocks of pointer blocks, for files over 256 GiB at 1 MiB blocks. */
  DOUBLE_INDIRECT(4304),
  /** ZLA 4305: content kept in the descriptor's data area, at most 1 KiB. */
  RESIDENT(4305);

  private final int code;

  AddressingMode(int code) {
    this.code = code;
  }

  /** Returns the on-disk ZLA code. */
  public int code() {
    return code;
  }

  /** Returns the mode of {@code code}, or throws naming the structure. */
  public static AddressingMode of(long code, String structure, long deviceOffset) throws CorruptStructureException {
    for (AddressingMode mode : values()) {
      if (mode.code == code) {
        return mode;
      }
    }
    throw Corrupt.defect(structure, deviceOffset, "zla", "unknown addressing mode", "1, 2, 3, 5, 4304 or 4305", code);
  }
}
