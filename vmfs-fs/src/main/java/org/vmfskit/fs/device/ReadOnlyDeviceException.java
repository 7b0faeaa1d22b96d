package org.vmfskit.fs.device;

import java.nio.file.AccessDeniedException;

/** Thrown when something tries to change a device that was opened for reading only. */
public final class ReadOnlyDeviceException extends AccessDeniedException {

  /** Creates the exception for the device called {@code deviceName}. */
  public ReadOnlyDeviceException(String deviceName) {
    super(deviceName, null, "device is open read-only; refusing to write");
  }
}
