package org.vmfskit.fs.nio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.device.FileChannelBlockDevice;
import org.vmfskit.fs.device.ReadOnlyBlockDevice;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.format.LvmHeader;

/**
 * Recognises and opens image files for the provider: a read-only image goes through
 * {@link ReadOnlyBlockDevice} over a channel opened for reading only; a writable one is opened
 * read-write and exclusively locked.
 */
final class VolumeOpener {

  private VolumeOpener() {}

  /** Returns whether {@code image} is a regular file with the LVM magic at 0x100000. */
  static boolean hasVmfsMagic(Path image) throws IOException {
    if (!Files.isRegularFile(image)) {
      return false;
    }
    try (SeekableByteChannel channel = Files.newByteChannel(image, StandardOpenOption.READ)) {
      if (channel.size() < LvmHeader.IMAGE_OFFSET + LvmHeader.SIZE) {
        return false;
      }
      ByteBuffer magic = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
      channel.position(LvmHeader.IMAGE_OFFSET);
      while (magic.hasRemaining() && channel.read(magic) >= 0) {
        // Read until the four bytes are in.
      }
      return !magic.hasRemaining() && (magic.getInt(0) & 0xFFFFFFFFL) == LvmHeader.MAGIC;
    }
  }

  /** Opens the volume in {@code image}, writable (and locked) only when asked. */
  static Vmfs open(Path image, boolean writable) throws IOException {
    BlockDevice device;
    if (writable) {
      FileChannel channel = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE);
      lock(channel, image);
      device = FileChannelBlockDevice.of(channel, image.toString(), false);
    } else {
      device = new ReadOnlyBlockDevice(FileChannelBlockDevice.of(FileChannel.open(image, StandardOpenOption.READ), image.toString(), true));
    }
    try {
      return Vmfs.open(device);
    } catch (IOException | RuntimeException e) {
      device.close();
      throw e;
    }
  }

  private static void lock(FileChannel channel, Path image) throws IOException {
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    } catch (UnsupportedOperationException e) {
      return; // A host file system without locks (some in-memory ones): nothing to hold.
    }
    if (lock == null) {
      channel.close();
      throw new FileSystemException(image.toString(), null, "image is in use by another writer (it holds the lock)");
    }
  }
}
