package org.vmfskit.fs.format;

import java.io.IOException;

/**
 * The root of every checked exception caused by bytes read from an image. Messages follow one
 * shape, {@code <Structure> at 0x<offset>: <defect> (expected <x>, was <y>)}, where the offset is
 * the byte offset in the image file (or in the virtual-disk file for VMDK structures).
 */
public abstract sealed class VmfsFormatException extends IOException
    permits CorruptStructureException,
        UnsupportedFormatException,
        TruncatedImageException,
        ResourceLimitException {

  private final String structure;
  private final long deviceOffset;

  VmfsFormatException(String structure, long deviceOffset, String message, Throwable cause) {
    super(message, cause);
    this.structure = structure;
    this.deviceOffset = deviceOffset;
  }

  /** Returns the name of the structure that was being read, such as {@code FileDescriptor}. */
  public String structure() {
    return structure;
  }

  /** Returns the byte offset of the structure in the image, or -1 when it has none. */
  public long deviceOffset() {
    return deviceOffset;
  }

  static String where(String structure, long deviceOffset) {
    return deviceOffset < 0 ? structure : "%s at 0x%x".formatted(structure, deviceOffset);
  }
}
