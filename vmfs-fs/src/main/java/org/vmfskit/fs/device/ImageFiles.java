package org.vmfskit.fs.device;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The one place image files are opened as devices, by the library's front door
 * ({@code Vmfs.open(Path, …)}), the nio provider and the {@code vmfs} command alike.
 *
 * <p><b>Writers are exclusive.</b> A {@link Access#READ_WRITE} open takes the image lock: an
 * exclusive {@code FileChannel.tryLock} that other processes see, plus an in-process registry
 * keyed by the file's identity (JVM file locks cannot refuse a second channel of the same JVM
 * cleanly). A second writer, in this process or another, is refused with
 * {@link FileSystemException} "image is in use by another writer". The lock is released when the
 * device is closed.
 *
 * <p><b>Readers take no lock.</b> This is what ESXi does: any number of hosts read a datastore
 * while one of them changes it, and forensic reads must never be blocked by, nor block, a writer.
 * A reader is protected by being read-only (it never writes the image, so it cannot lose anyone's
 * data) and by the journal: an open replays a change that was pending at that moment into a
 * private view, so a reader sees the volume as of the last complete change it found. It may see
 * later changes partly; reopen for a fresh view.
 */
public final class ImageFiles {

  /** How an image is opened. */
  public enum Access {
    /** Reads only: no byte of the image is ever written, and no lock is taken. */
    READ_ONLY,
    /** Reads and writes, holding the exclusive image lock until the device is closed. */
    READ_WRITE
  }

  private ImageFiles() {}

  /**
   * Opens the existing image file {@code image}: read-only through a {@link ReadOnlyBlockDevice},
   * or read-write holding the image lock.
   *
   * @throws NoSuchFileException when there is no such file
   * @throws FileSystemException when it is a directory, or (writable) another writer holds it
   */
  public static BlockDevice open(Path image, Access access) throws IOException {
    checkIsFile(image);
    return switch (access) {
      case READ_ONLY -> new ReadOnlyBlockDevice(FileChannelBlockDevice.openReadOnly(image));
      case READ_WRITE -> FileChannelBlockDevice.openWritable(image);
    };
  }

  /**
   * Creates the new sparse image file {@code image} of {@code size} bytes, open for writing and
   * holding the image lock; fails when the file exists.
   */
  public static FileChannelBlockDevice create(Path image, long size) throws IOException {
    return FileChannelBlockDevice.create(image, size);
  }

  private static void checkIsFile(Path image) throws IOException {
    if (!Files.exists(image)) {
      throw new NoSuchFileException(image.toString());
    }
    if (Files.isDirectory(image)) {
      throw new FileSystemException(image.toString(), null, "is a directory, not an image file");
    }
  }
}
