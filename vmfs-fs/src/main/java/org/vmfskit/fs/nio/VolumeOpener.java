package org.vmfskit.fs.nio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.file.OpenOptions;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.format.LvmHeader;

/**
 * Recognises, opens and creates volumes for the provider, through {@link Vmfs}'s front door, which
 * opens read-only images without writing them and holds the writer lock of writable ones.
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

  /** Returns whether {@code env} asks for a new image at {@code image}: "create" and no such file. */
  static boolean creates(Path image, VmfsEnvironment env) {
    return env.create() && !Files.exists(image);
  }

  /** Opens the volume in {@code image}, creating it first when {@code env} asks for a new one. */
  static Vmfs open(Path image, VmfsEnvironment env) throws IOException {
    if (creates(image, env)) {
      Vmfs created = Vmfs.create(image, env.createOptions(0));
      if (env.writable()) {
        return created;
      }
      created.close();
    }
    return Vmfs.open(image, env.writable() ? OpenOptions.writable() : OpenOptions.readOnly());
  }

  /** Opens the volume on {@code device}, formatting it first when {@code env} says "create". */
  static Vmfs open(BlockDevice device, VmfsEnvironment env) throws IOException {
    if (!env.create()) {
      return Vmfs.open(device, env.writable() ? OpenOptions.writable() : OpenOptions.readOnly());
    }
    if (!env.writable()) {
      throw new IllegalArgumentException("a datastore created on a device opens writable; leave out \"writable\" = false");
    }
    long fromDevice = device.size() - LvmHeader.DATA_OFFSET;
    return Vmfs.create(device, env.createOptions(fromDevice - Math.floorMod(fromDevice, LvmHeader.PE_SIZE)));
  }
}
