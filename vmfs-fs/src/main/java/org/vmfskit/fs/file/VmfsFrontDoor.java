package org.vmfskit.fs.file;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.device.ImageFiles;
import org.vmfskit.fs.volume.FormatOptions;

/**
 * How {@link Vmfs}'s static factories clean up: a device handed to an open that fails is closed
 * (so no channel or lock outlives the exception), and an image file that {@code create} made is
 * deleted again when formatting fails.
 */
final class VmfsFrontDoor {

  private VmfsFrontDoor() {}

  /** What an open does with the device; it may fail with any exception. */
  @FunctionalInterface
  interface Opening {
    Vmfs open() throws IOException;
  }

  /** Runs {@code opening}, closing {@code device} (failures of the close added as suppressed) when it fails. */
  static Vmfs closingOnFailure(BlockDevice device, Opening opening) throws IOException {
    try {
      return opening.open();
    } catch (IOException | RuntimeException | Error e) {
      try {
        device.close();
      } catch (IOException | RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** Creates and formats a new image file, deleting it when formatting fails. */
  static Vmfs create(Path image, FormatOptions options) throws IOException {
    BlockDevice device = ImageFiles.create(image, 0);
    try {
      return Vmfs.format(device, options);
    } catch (IOException | RuntimeException | Error e) {
      try {
        Files.deleteIfExists(image);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }
}
