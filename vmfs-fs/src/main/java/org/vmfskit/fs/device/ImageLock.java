package org.vmfskit.fs.device;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The writer's lock on one image file, held from a writable open until the device is closed.
 * Two layers, because neither alone refuses every second writer:
 * <ul>
 *   <li>an in-process registry keyed by the file's identity (its file key, such as device and
 *       inode, or its real path where the file system has no key), since {@link FileLock}s belong
 *       to the whole JVM and a second {@code tryLock} in the same JVM throws
 *       {@link OverlappingFileLockException} instead of failing cleanly, and in-memory file
 *       systems such as jimfs grant every lock;</li>
 *   <li>an exclusive {@link FileChannel#tryLock()} on the image, which other processes (another
 *       JVM, or vmfs-tools built with locking) see.</li>
 * </ul>
 * Readers take no lock: see {@link ImageFiles}.
 */
final class ImageLock implements AutoCloseable {

  /** The images this JVM holds for writing. */
  private static final Set<Key> HELD = ConcurrentHashMap.newKeySet();

  /** A file's identity: the file system it lives on and its key there. */
  private record Key(FileSystem fileSystem, Object fileKey) {}

  private final Key key;
  /** Set once released, so a second close cannot free a lock a later writer has taken. */
  private final AtomicBoolean released = new AtomicBoolean();

  private ImageLock(Key key) {
    this.key = key;
  }

  /**
   * Takes the lock on {@code image}, open in {@code channel} for writing; on refusal nothing is
   * held and the caller still owns (and must close) the channel.
   *
   * @throws FileSystemException "image is in use by another writer" when this or another process
   *     holds it
   */
  static ImageLock acquire(FileChannel channel, Path image) throws IOException {
    Key key = keyOf(image);
    if (!HELD.add(key)) {
      throw inUse(image, "a writer in this process holds it");
    }
    try {
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null; // A channel of this JVM opened around the library holds it.
      } catch (UnsupportedOperationException e) {
        return new ImageLock(key); // No host locks here: the in-process registry is all there is.
      }
      if (lock == null) {
        throw inUse(image, "another process holds its lock");
      }
      return new ImageLock(key);
    } catch (IOException | RuntimeException e) {
      HELD.remove(key);
      throw e;
    }
  }

  private static Key keyOf(Path image) throws IOException {
    Object fileKey = Files.readAttributes(image, BasicFileAttributes.class).fileKey();
    return new Key(image.getFileSystem(), fileKey != null ? fileKey : image.toRealPath());
  }

  private static FileSystemException inUse(Path image, String why) {
    return new FileSystemException(image.toString(), null, "image is in use by another writer (" + why + ")");
  }

  /** Forgets the lock; the file lock itself goes with the channel, which the caller closes first. */
  @Override
  public void close() {
    if (released.compareAndSet(false, true)) {
      HELD.remove(key);
    }
  }
}
