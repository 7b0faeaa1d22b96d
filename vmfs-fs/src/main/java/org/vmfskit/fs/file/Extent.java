package org.vmfskit.fs.file;

/**
 * A run of file bytes that is either one contiguous range of the image or a hole.
 *
 * @param fileOffset where the run starts in the file
 * @param length its length in bytes
 * @param deviceOffset its image offset, or {@link #HOLE} when it reads as zeros
 */
public record Extent(long fileOffset, long length, long deviceOffset) {

  /** The device offset of a hole (unallocated, or allocated to-be-zeroed). */
  public static final long HOLE = -1;

  /** Returns whether the run reads as zeros without touching the device. */
  public boolean isHole() {
    return deviceOffset == HOLE;
  }
}
