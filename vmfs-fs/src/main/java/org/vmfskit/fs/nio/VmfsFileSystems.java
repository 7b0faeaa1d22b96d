package org.vmfskit.fs.nio;

import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.nio.file.spi.FileSystemProvider;
import java.util.Map;
import org.vmfskit.fs.device.BlockDevice;

/**
 * Static factories of vmfs file systems, as {@code Jimfs} has: over an image file, and over any
 * {@link BlockDevice}, such as an in-memory one for tests. The {@code env} properties
 * ({@code writable}, {@code create}, {@code size}, {@code label}, {@code blockSize}) are
 * documented in {@link VmfsFileSystemProvider}.
 *
 * <pre>{@code
 * try (FileSystem fs = VmfsFileSystems.newFileSystem(BlockDevices.sparseMemory(0),
 *     Map.of("create", true, "size", "10G", "label", "test"))) {
 *   Files.writeString(fs.getPath("/hello.txt"), "hello");
 * }
 * }</pre>
 */
public final class VmfsFileSystems {

  private VmfsFileSystems() {}

  /** Returns the installed {@code vmfs} provider (or a new one when service loading is off). */
  public static VmfsFileSystemProvider provider() {
    for (FileSystemProvider installed : FileSystemProvider.installedProviders()) {
      if (installed instanceof VmfsFileSystemProvider vmfs) {
        return vmfs;
      }
    }
    return Holder.FALLBACK;
  }

  /** Opens (or with {@code "create"} makes) the datastore in {@code image}; registered like any provider file system. */
  public static FileSystem newFileSystem(Path image, Map<String, ?> env) throws IOException {
    return provider().newFileSystem(image, env);
  }

  /**
   * Opens the datastore on {@code device}, or with {@code "create"} formats the device as a new
   * one. The file system owns the device: closing it, or a failure here, closes the device. It is
   * not registered with the provider (it has no image path), and its URIs name the device.
   */
  public static VmfsFileSystem newFileSystem(BlockDevice device, Map<String, ?> env) throws IOException {
    try {
      return provider().newFileSystem(device, env);
    } catch (IOException | RuntimeException e) {
      try {
        device.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** A provider for callers whose class loader does not see the installed one. */
  private static final class Holder {
    static final VmfsFileSystemProvider FALLBACK = new VmfsFileSystemProvider();
  }
}
