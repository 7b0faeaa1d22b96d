package org.vmfskit.fs.file;

import com.google.common.base.Preconditions;
import org.vmfskit.fs.device.ImageFiles;

/**
 * How {@link Vmfs#open(java.nio.file.Path, OpenOptions)} opens a datastore: read-only unless
 * {@link #writable()} is asked for, so evidence is never changed by accident.
 *
 * @param access read-only, or read-write holding the image's writer lock until the volume is
 *     closed
 */
public record OpenOptions(ImageFiles.Access access) {

  private static final OpenOptions READ_ONLY = new OpenOptions(ImageFiles.Access.READ_ONLY);
  private static final OpenOptions WRITABLE = new OpenOptions(ImageFiles.Access.READ_WRITE);

  /** Checks the access is given. */
  public OpenOptions {
    Preconditions.checkNotNull(access, "access");
  }

  /** Returns the default: read-only, no byte of the image is ever written, no lock is taken. */
  public static OpenOptions readOnly() {
    return READ_ONLY;
  }

  /** Returns options for a writable open, exclusive against every other writer. */
  public static OpenOptions writable() {
    return WRITABLE;
  }

  /** Returns whether the volume may be changed. */
  public boolean isWritable() {
    return access == ImageFiles.Access.READ_WRITE;
  }
}
