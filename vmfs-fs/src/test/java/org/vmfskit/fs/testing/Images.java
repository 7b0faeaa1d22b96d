package org.vmfskit.fs.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.device.SparseMemoryBlockDevice;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.file.VmfsFile;
import org.vmfskit.fs.volume.FormatOptions;

/** Builders of reproducible test volumes and content. */
public final class Images {

  /** The creation time every test volume carries. */
  public static final long TIME = 1_700_000_000L;
  /** One MiB. */
  public static final long MIB = 1L << 20;
  /** One GiB. */
  public static final long GIB = 1L << 30;

  private Images() {}

  /** Returns the reproducible options of a volume of {@code volumeBytes}. */
  public static FormatOptions options(long volumeBytes) {
    return FormatOptions.builder(volumeBytes).seed(1).timeSeconds(TIME).label("testvol").build();
  }

  /** Formats a new sparse in-memory volume of {@code volumeBytes}. */
  public static Vmfs format(long volumeBytes) throws IOException {
    return Vmfs.format(new SparseMemoryBlockDevice(0), options(volumeBytes));
  }

  /** Returns {@code length} bytes of seeded pseudo-random content. */
  public static byte[] content(long seed, int length) {
    byte[] out = new byte[length];
    new SplittableRandom(seed).nextBytes(out);
    return out;
  }

  /** Creates {@code path} holding {@code content}. */
  public static VmfsFile createWith(Vmfs vmfs, String path, byte[] content) throws IOException {
    VmfsFile file = vmfs.createFile(path);
    file.write(0, ByteBuffer.wrap(content));
    return file;
  }

  /** Reads the whole of a file of at most 2 GiB. */
  public static byte[] readAll(VmfsFile file) throws IOException {
    long size = file.size();
    ByteBuffer buffer = ByteBuffer.allocate(Math.toIntExact(size));
    file.readFully(0, buffer);
    return buffer.array();
  }

  /** Reads {@code length} bytes at {@code pos} of a file. */
  public static byte[] read(VmfsFile file, long pos, int length) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(length);
    file.readFully(pos, buffer);
    return buffer.array();
  }

  /** Reads {@code length} raw bytes of a device. */
  public static byte[] raw(BlockDevice device, long offset, int length) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(length);
    device.readFully(offset, buffer);
    return buffer.array();
  }

  /** Returns the SHA-256 of the given file blocks of {@code volume}, read raw from its device in order. */
  public static byte[] hashBlocks(org.vmfskit.fs.volume.Volume volume, it.unimi.dsi.fastutil.ints.IntList blocks) throws IOException {
    try {
      java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
      ByteBuffer buffer = ByteBuffer.allocate((int) volume.geometry().blockSize());
      for (int block : blocks) {
        volume.device().readFully(volume.geometry().blockDeviceOffset(block), buffer.clear());
        sha.update(buffer.flip());
      }
      return sha.digest();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
