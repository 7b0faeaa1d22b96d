package org.vmfskit.fs.format;

/** A structure extends past the end of the image. */
public final class TruncatedImageException extends VmfsFormatException {

  /** Creates the exception for a read of {@code length} bytes at {@code deviceOffset}. */
  public TruncatedImageException(String structure, long deviceOffset, long length, Throwable cause) {
    super(
        structure,
        deviceOffset,
        "%s: image ends before the structure (needed %d bytes)"
            .formatted(where(structure, deviceOffset), length),
        cause);
  }
}
