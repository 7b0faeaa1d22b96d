package org.vmfskit.cli;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.ReadOnlyFileSystemException;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.cryptomator.jfuse.api.DirFiller;
import org.cryptomator.jfuse.api.Errno;
import org.cryptomator.jfuse.api.FileInfo;
import org.cryptomator.jfuse.api.FuseConfig;
import org.cryptomator.jfuse.api.FuseConnInfo;
import org.cryptomator.jfuse.api.FuseOperations;
import org.cryptomator.jfuse.api.Stat;
import org.cryptomator.jfuse.api.Statvfs;
import org.cryptomator.jfuse.api.TimeSpec;
import org.vmfskit.fs.format.DirEntry;
import org.vmfskit.fs.nio.VmfsFileAttributes;
import org.vmfskit.fs.nio.VmfsFileSystem;

/**
 * The FUSE operations of {@code vmfs mount}, mapped straight onto the vmfs nio file system: each
 * FUSE call becomes one nio call on the volume's {@link VmfsFileSystem} (which holds the image
 * lock), an open file is a {@link FileChannel} kept under its FUSE handle, and every exception
 * becomes the errno a POSIX program expects. Read-only unless {@code writable}: then only the
 * reading operations are registered with libfuse, and the kernel mount carries {@code ro}.
 *
 * <p>libfuse calls these from its worker threads concurrently; the volume's own lock serializes
 * what must be, so nothing here synchronizes.
 */
final class VmfsFuseOperations implements FuseOperations {

  /** Offset of {@code st_blocks} in {@code struct stat}: 64 on both linux x86_64 and aarch64. */
  private static final long ST_BLOCKS_OFFSET = 64;
  private static final int RENAME_NOREPLACE = 1;

  private static final Set<Operation> READ_OPERATIONS = EnumSet.of(Operation.INIT, Operation.GET_ATTR, Operation.READ_DIR,
      Operation.OPEN, Operation.READ, Operation.RELEASE, Operation.READLINK, Operation.STATFS);
  private static final Set<Operation> WRITE_OPERATIONS = EnumSet.of(Operation.WRITE, Operation.CREATE, Operation.MKDIR,
      Operation.UNLINK, Operation.RMDIR, Operation.RENAME, Operation.TRUNCATE, Operation.SYMLINK, Operation.UTIMENS,
      Operation.FLUSH, Operation.FSYNC);

  private final VmfsFileSystem fs;
  private final Errno errno;
  private final boolean writable;
  private final Map<Long, FileChannel> open = new ConcurrentHashMap<>();
  private final AtomicLong nextHandle = new AtomicLong(1);

  VmfsFuseOperations(VmfsFileSystem fs, Errno errno, boolean writable) {
    this.fs = fs;
    this.errno = errno;
    this.writable = writable;
  }

  @Override
  public Errno errno() {
    return errno;
  }

  @Override
  public Set<Operation> supportedOperations() {
    Set<Operation> operations = EnumSet.copyOf(READ_OPERATIONS);
    if (writable) {
      operations.addAll(WRITE_OPERATIONS);
    }
    return operations;
  }

  /** Returns the number of files open through the mount (for tests and the unmount message). */
  int openFiles() {
    return open.size();
  }

  @Override
  public void init(FuseConnInfo conn, FuseConfig cfg) {
    // Nothing to negotiate: the defaults (kernel page cache, attr_timeout from the mount flags) fit.
  }

  @Override
  public int getattr(String path, Stat stat, FileInfo fi) {
    try {
      VmfsFileAttributes a = Files.readAttributes(fs.getPath(path), VmfsFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      int type = a.isDirectory() ? Stat.S_IFDIR : a.isSymbolicLink() ? Stat.S_IFLNK : Stat.S_IFREG;
      int permissions = (int) (a.mode() & 07777);
      if (permissions == 0) {
        permissions = a.isRegularFile() ? 0644 : 0755; // no mode stored (ESXi system files)
      }
      stat.setMode(type | permissions);
      stat.setNLink((short) Math.max(1, Math.min(Short.MAX_VALUE, a.nlink())));
      stat.setUid(Integer.parseInt(a.owner().getName()));
      stat.setGid(Integer.parseInt(a.group().getName()));
      stat.setSize(a.size());
      stat.mTime().set(a.lastModifiedTime().toInstant());
      stat.aTime().set(a.lastAccessTime().toInstant());
      stat.cTime().set(a.creationTime().toInstant());
      setBlocks(stat, a.allocatedSize()); // blocks held, TBZ included, holes and FD-resident data not
      return 0;
    } catch (IOException | RuntimeException e) {
      return error(path, e);
    }
  }

  /**
   * Sets {@code st_blocks} (512-byte units), which jfuse's {@link Stat} does not offer: its Linux
   * implementations are records over the native {@code struct stat} segment, whose
   * {@code st_blocks} sits at the same offset on x86_64 and aarch64. {@code du} and
   * {@code ls -s} then show the blocks the file really holds (thin files hold few).
   */
  private static void setBlocks(Stat stat, long allocatedBytes) {
    MemorySegment segment = StatSegment.of(stat);
    if (segment != null && segment.byteSize() >= ST_BLOCKS_OFFSET + Long.BYTES) {
      segment.set(ValueLayout.JAVA_LONG_UNALIGNED, ST_BLOCKS_OFFSET, (allocatedBytes + 511) / 512);
    }
  }

  /** Finds the native segment behind a jfuse {@link Stat}, once per class; empty when there is none. */
  private static final class StatSegment {
    private static final ClassValue<Optional<Method>> ACCESSORS = new ClassValue<>() {
      @Override
      protected Optional<Method> computeValue(Class<?> type) {
        try {
          Method method = type.getDeclaredMethod("segment");
          method.setAccessible(true);
          return method.getReturnType() == MemorySegment.class ? Optional.of(method) : Optional.empty();
        } catch (ReflectiveOperationException | RuntimeException e) {
          return Optional.empty();
        }
      }
    };

    static MemorySegment of(Stat stat) {
      try {
        Optional<Method> accessor = ACCESSORS.get(stat.getClass());
        return accessor.isPresent() ? (MemorySegment) accessor.get().invoke(stat) : null;
      } catch (ReflectiveOperationException | RuntimeException e) {
        return null;
      }
    }
  }

  @Override
  public int readdir(String path, DirFiller filler, long offset, FileInfo fi, int flags) {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(fs.getPath(path))) {
      filler.fill(".");
      filler.fill("..");
      for (Path entry : entries) {
        filler.fill(entry.getFileName().toString());
      }
      return 0;
    } catch (IOException | RuntimeException e) {
      return error(path, e);
    }
  }

  @Override
  public int readlink(String path, ByteBuffer buf, long len) {
    try {
      byte[] target = Files.readSymbolicLink(fs.getPath(path)).toString().getBytes(StandardCharsets.UTF_8);
      int n = (int) Math.min(target.length, Math.max(0, Math.min(len, buf.remaining()) - 1));
      buf.put(target, 0, n).put((byte) 0);
      return 0;
    } catch (IOException | RuntimeException e) {
      return error(path, e);
    }
  }

  @Override
  public int open(String path, FileInfo fi) {
    return openChannel(path, fi, fi.getOpenFlags());
  }

  @Override
  public int create(String path, int mode, FileInfo fi) {
    Set<StandardOpenOption> options = new HashSet<>(fi.getOpenFlags());
    options.add(StandardOpenOption.CREATE_NEW);
    options.add(StandardOpenOption.WRITE);
    return openChannel(path, fi, options);
  }

  private int openChannel(String path, FileInfo fi, Set<StandardOpenOption> flags) {
    Set<OpenOption> options = new HashSet<>(flags);
    // Writes come with their offsets (the kernel resolves O_APPEND); the channel would refuse READ + APPEND.
    options.remove(StandardOpenOption.APPEND);
    if (!writable) {
      options.retainAll(Set.of(StandardOpenOption.READ));
    }
    if (!options.contains(StandardOpenOption.WRITE)) {
      options.add(StandardOpenOption.READ);
    }
    try {
      FileChannel channel = fs.provider().newFileChannel(fs.getPath(path), options);
      long handle = nextHandle.getAndIncrement();
      open.put(handle, channel);
      fi.setFh(handle);
      return 0;
    } catch (IOException | RuntimeException e) {
      return error(path, e);
    }
  }

  @Override
  public int read(String path, ByteBuffer buf, long size, long offset, FileInfo fi) {
    FileChannel channel = open.get(fi.getFh());
    if (channel == null) {
      return -errno.ebadf();
    }
    try {
      int limit = (int) Math.min(size, buf.remaining());
      buf.limit(buf.position() + limit);
      int total = 0;
      // FUSE wants the whole request except at the end of the file.
      while (buf.hasRemaining()) {
        int n = channel.read(buf, offset + total);
        if (n < 0) {
          break;
        }
        total += n;
      }
      return total;
    } catch (IOException | RuntimeException e) {
      return error(path, e);
    }
  }

  @Override
  public int write(String path, ByteBuffer buf, long size, long offset, FileInfo fi) {
    FileChannel channel = open.get(fi.getFh());
    if (channel == null) {
      return -errno.ebadf();
    }
    try {
      int limit = (int) Math.min(size, buf.remaining());
      buf.limit(buf.position() + limit);
      int total = 0;
      while (buf.hasRemaining()) {
        total += channel.write(buf, offset + total);
      }
      return total;
    } catch (IOException | RuntimeException e) {
      return error(path, e);
    }
  }

  @Override
  public int flush(String path, FileInfo fi) {
    return 0; // every write is already in the volume; fsync forces it to the image
  }

  @Override
  public int fsync(String path, int datasync, FileInfo fi) {
    FileChannel channel = open.get(fi.getFh());
    try {
      if (channel != null) {
        channel.force(datasync == 0);
      }
      return 0;
    } catch (IOException | RuntimeException e) {
      return error(path, e);
    }
  }

  @Override
  public int release(String path, FileInfo fi) {
    FileChannel channel = open.remove(fi.getFh());
    if (channel == null) {
      return 0;
    }
    try {
      channel.close();
      return 0;
    } catch (IOException | RuntimeException e) {
      return error(path, e);
    }
  }

  @Override
  public int statfs(String path, Statvfs statvfs) {
    try {
      FileStore store = Files.getFileStore(fs.getPath("/"));
      long blockSize = store.getBlockSize();
      statvfs.setBsize(blockSize);
      statvfs.setFrsize(blockSize);
      statvfs.setBlocks(store.getTotalSpace() / blockSize);
      statvfs.setBfree(store.getUnallocatedSpace() / blockSize);
      statvfs.setBavail(store.getUsableSpace() / blockSize);
      statvfs.setNameMax(DirEntry.MAX_NAME_BYTES);
      return 0;
    } catch (IOException | RuntimeException e) {
      return error(path, e);
    }
  }

  @Override
  public int mkdir(String path, int mode) {
    try {
      Files.createDirectory(fs.getPath(path));
      return 0;
    } catch (IOException | RuntimeException e) {
      return error(path, e);
    }
  }

  @Override
  public int unlink(String path) {
    return delete(path);
  }

  @Override
  public int rmdir(String path) {
    return delete(path);
  }

  private int delete(String path) {
    try {
      Files.delete(fs.getPath(path));
      return 0;
    } catch (IOException | RuntimeException e) {
      return error(path, e);
    }
  }

  @Override
  public int rename(String oldPath, String newPath, int flags) {
    if ((flags & ~RENAME_NOREPLACE) != 0) {
      return -errno.einval(); // RENAME_EXCHANGE, RENAME_WHITEOUT: VMFS has no atomic swap
    }
    try {
      if ((flags & RENAME_NOREPLACE) != 0) {
        Files.move(fs.getPath(oldPath), fs.getPath(newPath));
      } else {
        Files.move(fs.getPath(oldPath), fs.getPath(newPath), StandardCopyOption.REPLACE_EXISTING);
      }
      return 0;
    } catch (IOException | RuntimeException e) {
      return error(oldPath, e);
    }
  }

  @Override
  public int symlink(String linkTarget, String path) {
    try {
      Files.createSymbolicLink(fs.getPath(path), fs.getPath(linkTarget));
      return 0;
    } catch (IOException | RuntimeException e) {
      return error(path, e);
    }
  }

  /** Shrinks or grows the file; growing reads zeros (FileChannel.truncate only shrinks). */
  @Override
  public int truncate(String path, long size, FileInfo fi) {
    try {
      fs.vmfs().openFile(path).truncate(size);
      return 0;
    } catch (IOException | RuntimeException e) {
      return error(path, e);
    }
  }

  /** Sets the modification time; VMFS keeps no access time worth setting (see the nio view). */
  @Override
  public int utimens(String path, TimeSpec atime, TimeSpec mtime, FileInfo fi) {
    if (mtime.isUtimeOmit()) {
      return 0;
    }
    try {
      Instant when = mtime.isUtimeNow() ? Instant.now() : mtime.get();
      Files.getFileAttributeView(fs.getPath(path), BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
          .setTimes(FileTime.from(when), null, null);
      return 0;
    } catch (IOException | RuntimeException e) {
      return error(path, e);
    }
  }

  @Override
  public void destroy() {
    for (FileChannel channel : open.values()) {
      try {
        channel.close();
      } catch (IOException e) {
        // The volume is closed next; nothing more to do for one channel.
      }
    }
    open.clear();
  }

  /** Maps an exception to the negative errno libfuse returns; unexpected ones are reported. */
  private int error(String path, Exception e) {
    int code = switch (e) {
      case NoSuchFileException x -> errno.enoent();
      case FileAlreadyExistsException x -> errno.eexist();
      case DirectoryNotEmptyException x -> errno.enotempty();
      case NotDirectoryException x -> errno.enotdir();
      case NotLinkException x -> errno.einval();
      case AccessDeniedException x -> errno.eacces();
      case ClosedChannelException x -> errno.ebadf();
      case ReadOnlyFileSystemException x -> errno.erofs();
      case UnsupportedOperationException x -> errno.enotsup();
      case IllegalArgumentException x -> errno.einval();
      default -> errno.eio();
    };
    if (code == errno.eio()) {
      System.err.println("vmfs: " + path + ": " + e);
    }
    return -code;
  }
}
