package org.vmfskit.fs.vmdk;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.ReadOnlyFileSystemException;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.vmfskit.fs.device.FileChannelBlockDevice;

/**
 * A {@link DiskStore} over a directory of a {@link java.nio.file.FileSystem} (the default one or
 * jimfs). Store paths are slash-separated and relative to the root directory; a leading slash is
 * ignored. An absolute ESXi name {@code /vmfs/volumes/<label or uuid>/rest} resolves to {@code rest}
 * relative to the root, so a datastore copied to the host keeps working as the root of a store.
 *
 * <p>Any other absolute reference in a descriptor (qemu-img writes {@code parentFileNameHint="/abs/base.vmdk"})
 * is a host path: it resolves to its place inside the root, and one outside the root is refused with
 * a message, as no store path reaches outside the root. A store rooted at the file-system root
 * ({@link #ofFile}) follows every absolute reference, as {@code qemu-img} does.
 */
public final class HostDiskStore implements DiskStore {


  private final Path root;
  private final boolean readOnly;

  private HostDiskStore(Path root, boolean readOnly) {
    this.root = checkNotNull(root, "root");
    this.readOnly = readOnly;
  }

  /** Returns a writable store rooted at {@code root}, which must be a directory. */
  public static HostDiskStore of(Path root) {
    checkArgument(Files.isDirectory(root), "%s is not a directory", root);
    return new HostDiskStore(root, false);
  }

  /**
   * Returns the store for a disk named by its host path alone, as {@code qemu-img info FILE} names
   * it: rooted at the file-system root, so absolute parent references are followed wherever they
   * lie. Use {@link #storePath} for the disk's store path.
   */
  public static HostDiskStore ofFile(Path file, boolean writable) {
    Path root = file.toAbsolutePath().getRoot();
    return writable ? of(root) : readOnly(root);
  }

  /** Returns the store path of the host file {@code file} (absolute or relative to the working directory) in a store rooted at its file-system root. */
  public static String storePath(Path file) {
    Path absolute = file.toAbsolutePath().normalize();
    return slashes(absolute.getRoot().relativize(absolute));
  }

  private static String slashes(Path relative) {
    List<String> names = new ArrayList<>();
    relative.forEach(name -> names.add(name.toString()));
    return String.join("/", names);
  }

  /** Returns a store rooted at {@code root} that refuses every write. */
  public static HostDiskStore readOnly(Path root) {
    checkArgument(Files.isDirectory(root), "%s is not a directory", root);
    return new HostDiskStore(root, true);
  }

  /**
   * Returns the host path of a store path. The path is normalised first ({@code ..} never climbs
   * above the root), so no store path reaches outside the root directory.
   */
  public Path hostPath(String path) {
    String relative = StorePaths.normalize(StorePaths.stripVolume(path));
    return relative.isEmpty() ? root : root.resolve(relative);
  }

  @Override
  public DiskFile open(String path, boolean writable) throws IOException {
    checkArgument(!writable || !readOnly, "store %s is read-only", root);
    Path file = hostPath(path);
    FileChannel channel =
        writable
            ? FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)
            : FileChannel.open(file, StandardOpenOption.READ);
    return new HostDiskFile(channel, file, !writable);
  }

  @Override
  public DiskFile create(String path) throws IOException {
    return create(path, 0, Allocation.THIN);
  }

  @Override
  public DiskFile create(String path, long size, Allocation allocation) throws IOException {
    checkArgument(size >= 0, "negative size %s", size);
    ensureWritable();
    Path file = hostPath(path);
    Set<StandardOpenOption> options =
        EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
    if (allocation == Allocation.THIN) {
      options.add(StandardOpenOption.SPARSE);
    }
    HostDiskFile disk = new HostDiskFile(FileChannel.open(file, options), file, false);
    try {
      switch (allocation) {
        case THIN, ZEROED_THICK -> disk.setSize(size);
        case EAGER_ZEROED_THICK -> disk.writeZeros(0, size);
      }
    } catch (IOException | RuntimeException e) {
      disk.close();
      // A host disk too full for a thick file keeps no partial one behind.
      Files.deleteIfExists(file);
      throw e;
    }
    return disk;
  }

  @Override
  public boolean exists(String path) {
    return Files.exists(hostPath(path));
  }

  @Override
  public void delete(String path) throws IOException {
    ensureWritable();
    Files.delete(hostPath(path));
  }

  @Override
  public void rename(String from, String to) throws IOException {
    ensureWritable();
    Files.move(hostPath(from), hostPath(to));
  }

  @Override
  public List<String> list(String directory) throws IOException {
    List<String> names = new ArrayList<>();
    try (Stream<Path> entries = Files.list(hostPath(directory))) {
      entries.forEach(p -> names.add(p.getFileName().toString()));
    }
    names.sort(null);
    return names;
  }

  @Override
  public String resolve(String from, String reference) {
    checkNotNull(reference, "reference");
    if (reference.startsWith("/") && !reference.startsWith(StorePaths.VOLUMES_PREFIX)) {
      return insideRoot(reference);
    }
    return StorePaths.resolve(from, reference);
  }

  /**
   * Returns the store path of an absolute host path, which must lie inside the root (compared as
   * written, and else by real paths, so a root reached through a symbolic link still matches).
   */
  private String insideRoot(String hostPath) {
    Path absolute = root.getFileSystem().getPath(hostPath).normalize();
    Path base = root.toAbsolutePath().normalize();
    if (!absolute.startsWith(base)) {
      try {
        base = root.toRealPath();
        Path parent = absolute.getParent();
        if (parent != null && Files.isDirectory(parent)) {
          absolute = parent.toRealPath().resolve(absolute.getFileName());
        }
      } catch (IOException e) {
        // Unresolvable: compared as written, and refused below.
      }
    }
    if (!absolute.startsWith(base)) {
      throw new IllegalArgumentException("%s lies outside the host directory %s; name the disk by its own path (without a directory) to follow it"
          .formatted(hostPath, root));
    }
    return slashes(base.relativize(absolute));
  }

  @Override
  public boolean isReadOnly() {
    return readOnly;
  }

  @Override
  public String toString() {
    return "HostDiskStore[" + root + "]";
  }

  private void ensureWritable() {
    if (readOnly) {
      throw new ReadOnlyFileSystemException();
    }
  }

  /**
   * A host file reached with positional channel I/O only, except that exports copy into it and out
   * of it with the kernel ({@link KernelCopySource}).
   */
  static final class HostDiskFile implements DiskFile, KernelCopySource {
    private static final int ZERO_CHUNK = 1 << 20;

    private final FileChannel channel;
    private final Path path;
    private final String name;
    private final boolean readOnly;

    HostDiskFile(FileChannel channel, Path path, boolean readOnly) {
      this.channel = channel;
      this.path = path;
      this.name = path.toString();
      this.readOnly = readOnly;
    }

    /** Returns the channel, for an export that copies into this file with the kernel. */
    FileChannel channel() throws IOException {
      checkWritable();
      return channel;
    }

    @Override
    public Optional<List<DataRange>> dataRanges(long from, long to) {
      return SeekDataRanges.of(path, from, to);
    }

    @Override
    public void copyTo(long from, long length, FileChannel target, long targetOffset) throws IOException {
      // The device wrapper is only borrowed for its kernel copy (transferTo, copy_file_range on
      // Linux); it is not closed, as the channel belongs to this file.
      FileChannelBlockDevice.of(channel, name, true).copyTo(from, length, target, targetOffset);
    }

    @Override
    public long size() throws IOException {
      return channel.size();
    }

    /** The bytes of the file's data ranges ({@code SEEK_DATA}); its length where the host cannot tell. */
    @Override
    public long allocatedBytes() throws IOException {
      long size = channel.size();
      return SeekDataRanges.of(path, 0, size)
          .map(ranges -> ranges.stream().mapToLong(r -> r.end() - r.start()).sum())
          .orElse(size);
    }

    @Override
    public void readFully(long offset, ByteBuffer dst) throws IOException {
      long position = offset;
      while (dst.hasRemaining()) {
        int n = channel.read(dst, position);
        if (n < 0) {
          throw new java.io.EOFException(
              "%s: read of %d bytes at 0x%x passes the end of the file (0x%x)"
                  .formatted(name, dst.remaining(), position, channel.size()));
        }
        position += n;
      }
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
      checkWritable();
      long position = offset;
      while (src.hasRemaining()) {
        position += channel.write(src, position);
      }
    }

    @Override
    public void setSize(long newSize) throws IOException {
      checkWritable();
      long size = channel.size();
      if (newSize < size) {
        channel.truncate(newSize);
      } else if (newSize > size) {
        // Writing the last byte extends the file sparsely; FileChannel cannot grow otherwise.
        channel.write(ByteBuffer.allocate(1), newSize - 1);
      }
    }

    @Override
    public void allocate(long newSize) throws IOException {
      setSize(Math.max(newSize, channel.size()));
    }

    void writeZeros(long offset, long length) throws IOException {
      ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(ZERO_CHUNK, Math.max(length, 1)));
      long done = 0;
      while (done < length) {
        zeros.clear().limit((int) Math.min(zeros.capacity(), length - done));
        write(offset + done, zeros);
        done += zeros.limit();
      }
    }

    @Override
    public boolean isReadOnly() {
      return readOnly;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }

    private void checkWritable() throws IOException {
      if (readOnly) {
        throw new java.nio.file.AccessDeniedException(name, null, "opened read-only");
      }
    }
  }
}
