package org.vmfskit.fs.format;

/** A structure is valid but uses a version or feature vmfskit does not support. */
public final class UnsupportedFormatException extends VmfsFormatException {

  /** Creates the exception for {@code structure} at {@code deviceOffset}. */
  public UnsupportedFormatException(String structure, long deviceOffset, String defect) {
    super(structure, deviceOffset, where(structure, deviceOffset) + ": " + defect, null);
  }
}
