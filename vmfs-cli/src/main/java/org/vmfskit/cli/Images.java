package org.vmfskit.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import org.apache.commons.cli.Option;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.device.FileChannelBlockDevice;
import org.vmfskit.fs.device.container.ImageLayout;
import org.vmfskit.fs.device.container.ImageOpener;
import org.vmfskit.fs.device.container.OpenedImage;
import org.vmfskit.fs.file.Vmfs;

/**
 * Opens image files for commands: read commands get a read-only device (evidence is never
 * written), changing commands a writable one holding an exclusive lock, so a second writer is
 * refused with a clear message instead of corrupting the volume.
 */
final class Images {

  /** The partition chosen with the global {@code --partition N} option, bound for one command run. */
  static final ScopedValue<java.util.OptionalInt> PARTITION = ScopedValue.newInstance();

  /** A volume opened through its container, and how it was found. */
  record Opened(Vmfs vmfs, ImageLayout layout) implements java.io.Closeable {
    @Override
    public void close() throws IOException {
      vmfs.close();
    }
  }

  private Images() {}

  private static java.util.OptionalInt partition() {
    return PARTITION.orElse(java.util.OptionalInt.empty());
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
    return new Opened(openVolume(opened.device()), opened.layout());
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
   * Opens {@code image} for changes, refusing when another process holds it, and, unless
   * {@code force}, when no one may write the file by its mode: root may write any file, but an
   * image made read-only with {@code chmod 444} is usually evidence someone meant to protect.
   */
  static Vmfs openWritable(Path image, boolean force) throws IOException {
    checkExists(image);
    if (CompressedImages.isCompressed(image)) {
      throw new java.nio.file.FileSystemException(image.toString(), null, "a compressed image opens read-only; expand it first (gunzip -k)");
    }
    if (!force) {
      refuseReadOnlyMode(image);
    }
    FileChannel channel;
    try {
      channel = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (AccessDeniedException e) {
      throw new AccessDeniedException(image.toString(), null, "permission denied opening it for writing (commands that only read it, "
          + "such as info, ls and get, do not need that)");
    }
    lock(channel, image);
    // Containers (EWF, VMDK) are refused by the opener; a datastore partition of a disk image is written in place.
    return openVolume(ImageOpener.open(image, FileChannelBlockDevice.of(channel, image.toString(), false), partition()).device());
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
      throw new java.nio.file.FileSystemException(image.toString(), null,
          "the image file is read-only (mode 0%o); pass --force to write to it anyway".formatted(mode));
    }
  }

  /** Takes the exclusive lock on a writable image channel. */
  static void lock(FileChannel channel, Path image) throws IOException {
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      channel.close();
      throw new java.nio.file.FileSystemException(image.toString(), null, "image is in use by another vmfs process (it holds the write lock)");
    }
  }

  private static Vmfs openVolume(BlockDevice device) throws IOException {
    try {
      return Vmfs.open(device);
    } catch (org.vmfskit.fs.format.CorruptStructureException e) {
      device.close();
      if (e.structure().equals("LvmHeader") && e.field().equals("magic")) {
        throw new java.nio.file.FileSystemException(device.name(), null,
            "not a VMFS datastore image (" + e.getMessage() + "); give a datastore image, a disk image with a VMFS partition, an .E01 set or a .vmdk");
      }
      throw e;
    } catch (org.vmfskit.fs.format.TruncatedImageException e) {
      device.close();
      if (e.structure().equals("LvmHeader") || e.structure().equals("FsDescriptor")) {
        throw new java.nio.file.FileSystemException(device.name(), null, "not a VMFS datastore image, or a truncated one (" + e.getMessage() + ")");
      }
      throw e;
    } catch (IOException | RuntimeException e) {
      device.close();
      throw e;
    }
  }

  private static void checkExists(Path image) throws IOException {
    if (!Files.exists(image)) {
      throw new NoSuchFileException(image.toString());
    }
    if (Files.isDirectory(image)) {
      throw new java.nio.file.FileSystemException(image.toString(), null, "is a directory, not an image file");
    }
  }
}
