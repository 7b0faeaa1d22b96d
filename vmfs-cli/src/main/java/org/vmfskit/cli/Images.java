package org.vmfskit.cli;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.vmfskit.fs.file.OpenOptions;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.TruncatedImageException;

/**
 * Opens image files for commands through the library's front door ({@code Vmfs.open(Path,
 * OpenOptions)}): read commands get a read-only volume (evidence is never written), changing
 * commands a writable one holding the library's writer lock, so a second writer is refused with a
 * clear message instead of corrupting the volume. This class adds what only the command needs:
 * {@code .gz} working copies and naming input that is not a VMFS image.
 */
final class Images {

  private Images() {}

  /** Opens {@code image} read-only; a {@code .gz} image is expanded to a working copy first. */
  static Vmfs openReadOnly(Path image) throws IOException {
    checkExists(image);
    if (CompressedImages.isCompressed(image)) {
      image = CompressedImages.expand(image);
    }
    return openVolume(image, OpenOptions.readOnly());
  }

  /** Returns the image itself, or for a {@code .gz} image its expanded read-only working copy. */
  static Path uncompressed(Path image) throws IOException {
    checkExists(image);
    return CompressedImages.isCompressed(image) ? CompressedImages.expand(image) : image;
  }

  /**
   * Names an image for reports: a compressed one with its own SHA-256 and the working copy that
   * was read.
   */
  static String describe(Path image) throws IOException {
    if (!CompressedImages.isCompressed(image)) {
      return image.toString();
    }
    return image + " (gzip, SHA-256 " + CompressedImages.sha256(image) + "; read through its expanded copy " + CompressedImages.expand(image) + ")";
  }

  /**
   * Opens {@code image} for changes, holding the library's writer lock: a second writer, in this
   * process or another, is refused ("image is in use by another writer").
   */
  static Vmfs openWritable(Path image) throws IOException {
    checkExists(image);
    if (CompressedImages.isCompressed(image)) {
      throw new FileSystemException(image.toString(), null, "a compressed image opens read-only; expand it first (gunzip -k)");
    }
    return openVolume(image, OpenOptions.writable());
  }

  /** Opens through the library's front door (which closes the image on failure), naming non-VMFS input. */
  private static Vmfs openVolume(Path image, OpenOptions options) throws IOException {
    try {
      return Vmfs.open(image, options);
    } catch (CorruptStructureException e) {
      if (e.structure().equals("LvmHeader") && e.field().equals("magic")) {
        throw new FileSystemException(image.toString(), null,
            "not a VMFS datastore image (" + e.getMessage() + "); give the image file itself, not a VMDK or partition dump");
      }
      throw e;
    } catch (TruncatedImageException e) {
      if (e.structure().equals("LvmHeader") || e.structure().equals("FsDescriptor")) {
        throw new FileSystemException(image.toString(), null, "not a VMFS datastore image, or a truncated one (" + e.getMessage() + ")");
      }
      throw e;
    }
  }

  private static void checkExists(Path image) throws IOException {
    if (!Files.exists(image)) {
      throw new NoSuchFileException(image.toString());
    }
    if (Files.isDirectory(image)) {
      throw new FileSystemException(image.toString(), null, "is a directory, not an image file");
    }
  }
}
