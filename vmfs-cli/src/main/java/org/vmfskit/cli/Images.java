package org.vmfskit.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Collections;
import java.util.EnumSet;
import java.util.OptionalInt;
import java.util.Set;
import org.apache.commons.cli.Option;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.device.ImageFiles;
import org.vmfskit.fs.device.container.ImageLayout;
import org.vmfskit.fs.device.container.ImageOpener;
import org.vmfskit.fs.device.container.OpenedImage;
import org.vmfskit.fs.file.OpenOptions;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.TruncatedImageException;

/**
 * Opens image files for commands, by content (a datastore, a GPT/MBR disk image, an EWF set, a
 * VMDK), through the library: read commands get a read-only volume (evidence is never written),
 * changing commands a writable one holding the library's writer lock, so a second writer is refused
 * with a clear message instead of corrupting the volume. This class adds what only the command
 * needs: {@code .gz} working copies, the {@code --partition} choice, the refusal of images whose
 * mode is read-only, and naming input that is not a VMFS image.
 */
final class Images {

  /** The partition chosen with the global {@code --partition N} option, bound for one command run. */
  static final ScopedValue<OptionalInt> PARTITION = ScopedValue.newInstance();

  /** A volume opened through its container, and how it was found. */
  record Opened(Vmfs vmfs, ImageLayout layout) implements java.io.Closeable {
    @Override
    public void close() throws IOException {
      vmfs.close();
    }
  }

  private Images() {}

  private static OptionalInt partition() {
    return PARTITION.orElse(OptionalInt.empty());
  }

  /**
   * Opens {@code image} read-only, by content: a datastore, a GPT/MBR disk image (the VMFS
   * partition, or the one given with {@code --partition}), an EWF set or a VMDK; a {@code .gz}
   * image is expanded to a working copy first.
   */
  static Vmfs openReadOnly(Path image) throws IOException {
    return open(image).vmfs();
  }

  /** Opens {@code image} read-only as {@link #openReadOnly} does, keeping its container layout. */
  static Opened open(Path image) throws IOException {
    OpenedImage opened = openDevice(image);
    return new Opened(openVolume(image, opened.device(), OpenOptions.readOnly()), opened.layout());
  }

  /** Opens the datastore device inside {@code image}, read-only, by content. */
  static OpenedImage openDevice(Path image) throws IOException {
    checkExists(image);
    return ImageOpener.open(CompressedImages.isCompressed(image) ? CompressedImages.expand(image) : image, partition());
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

  /** The option of every changing command that lets it write to an image file whose mode is read-only. */
  static Option force() {
    return Option.builder("f").longOpt("force").desc("write even to an image file whose mode is read-only (chmod a-w)").get();
  }

  /** Opens {@code image} for changes as {@link #openWritable(Path, boolean)} does without force. */
  static Vmfs openWritable(Path image) throws IOException {
    return openWritable(image, false);
  }

  /**
   * Opens {@code image} for changes, holding the library's writer lock (a second writer, in this
   * process or another, is refused: "image is in use by another writer"), and, unless
   * {@code force}, refusing an image file no one may write by its mode: root may write any file,
   * but an image made read-only with {@code chmod 444} is usually evidence someone meant to protect.
   * A datastore partition of a disk image is written in place; containers (EWF, VMDK) are refused.
   */
  static Vmfs openWritable(Path image, boolean force) throws IOException {
    checkExists(image);
    if (CompressedImages.isCompressed(image)) {
      throw new FileSystemException(image.toString(), null, "a compressed image opens read-only; expand it first (gunzip -k)");
    }
    if (!force) {
      refuseReadOnlyMode(image);
    }
    BlockDevice file;
    try {
      file = ImageFiles.open(image, ImageFiles.Access.READ_WRITE);
    } catch (AccessDeniedException e) {
      throw new AccessDeniedException(image.toString(), null, "permission denied opening it for writing (commands that only read it, "
          + "such as info, ls and get, do not need that)");
    }
    return openVolume(image, ImageOpener.open(image, file, partition()).device(), OpenOptions.writable());
  }

  private static void refuseReadOnlyMode(Path image) throws IOException {
    Set<PosixFilePermission> permissions;
    try {
      permissions = Files.getPosixFilePermissions(image);
    } catch (UnsupportedOperationException e) {
      return;
    }
    if (Collections.disjoint(permissions, EnumSet.of(PosixFilePermission.OWNER_WRITE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE))) {
      int mode = 0;
      for (PosixFilePermission permission : permissions) {
        mode |= 0400 >> permission.ordinal();
      }
      throw new FileSystemException(image.toString(), null, "the image file is read-only (mode 0%o); pass --force to write to it anyway".formatted(mode));
    }
  }

  /** Opens the volume through the library's front door (which closes the device on failure), naming non-VMFS input. */
  private static Vmfs openVolume(Path image, BlockDevice device, OpenOptions options) throws IOException {
    try {
      return Vmfs.open(device, options);
    } catch (CorruptStructureException e) {
      if (e.structure().equals("LvmHeader") && e.field().equals("magic")) {
        throw new FileSystemException(image.toString(), null,
            "not a VMFS datastore image (" + e.getMessage() + "); give a datastore image, a disk image with a VMFS partition, an .E01 set or a .vmdk");
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
