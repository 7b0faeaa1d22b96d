package org.vmfskit.fs.nio;

import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AccessMode;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.spi.FileSystemProvider;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.vmfskit.fs.file.FileStat;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.file.VmfsFile;

/**
 * The {@code vmfs} file system provider: VMFS5 datastore images as {@link FileSystem}s, after
 * zipfs and jimfs. {@code FileSystems.newFileSystem(image)} opens an image (which may itself live
 * on any file system, jimfs included); a file whose LVM magic does not match is declined with
 * {@link UnsupportedOperationException} so other providers are tried. URIs have the form
 * {@code vmfs:file:///data/ds1.img!/vm1/vm1.vmx}. A datastore on any
 * {@link org.vmfskit.fs.device.BlockDevice} (an in-memory one, say) opens through
 * {@link VmfsFileSystems#newFileSystem(org.vmfskit.fs.device.BlockDevice, Map)}.
 *
 * <p>File systems are <b>read-only unless opened with {@code "writable" = true}</b>. Open file
 * systems are registered by the image's real path: opening the same image twice gives
 * {@link FileSystemAlreadyExistsException}. A writable open holds the image's writer lock, so a
 * second writer, through this provider, {@code Vmfs.open} or another process, is refused.
 *
 * <table class="striped">
 * <caption>The {@code env} properties of {@code newFileSystem}</caption>
 * <thead><tr><th>Name</th><th>Type</th><th>Default</th><th>Meaning</th></tr></thead>
 * <tbody>
 * <tr><td>{@code writable}</td><td>{@link Boolean} or {@link String} {@code "true"} /
 *   {@code "false"}</td><td>{@code false} ({@code true} with {@code create})</td><td>Open the
 *   image for changes. The image file is then opened read-write and exclusively locked, so a
 *   second writer is refused ("image is in use by another writer"). Otherwise the image is opened
 *   read-only, every change fails with {@link java.nio.file.ReadOnlyFileSystemException}, and the
 *   image's bytes are never written (evidence stays untouched).</td></tr>
 * <tr><td>{@code create}</td><td>{@link Boolean} or {@link String}</td><td>{@code false}</td>
 *   <td>When the image file does not exist, create it holding a new datastore of {@code size}
 *   (an existing image is opened as usual, as zipfs does). On a device, format the device.
 *   Use the {@code vmfs:} URI form or this provider directly: through
 *   {@code FileSystems.newFileSystem(Path, Map)} another provider (zipfs) may claim a missing
 *   file first.</td></tr>
 * <tr><td>{@code size}</td><td>{@link Long}, {@link Integer} or {@link String} such as
 *   {@code "10G"} (K, M, G, T: binary)</td><td>none; on a device, its size less the 17 MiB LVM
 *   area</td><td>Size of a created datastore: a multiple of 256 MiB from 256 MiB to 64 TiB. The
 *   image file is 17 MiB larger and sparse.</td></tr>
 * <tr><td>{@code label}</td><td>{@link String}</td><td>{@code ""}</td><td>Label of a created
 *   datastore, at most 127 bytes.</td></tr>
 * <tr><td>{@code blockSize}</td><td>{@link Long}, {@link Integer} or {@link String} such as
 *   {@code "1M"}</td><td>1 MiB</td><td>File-block size of a created datastore: 1, 2, 4 or 8
 *   MiB.</td></tr>
 * <tr><td>{@code volume}</td><td>{@link Vmfs}</td><td>none</td><td>A volume the caller already
 *   opened (say through a container: a partition of a disk image, an {@code .E01} set, a VMDK);
 *   the file system serves it instead of opening the image, and closes it. {@code writable} must
 *   match how it was opened.</td></tr>
 * </tbody>
 * </table>
 *
 * <p>Unknown property names are rejected with {@link IllegalArgumentException}, so a misspelt
 * {@code "writeable"} cannot silently leave an image read-only (or the reverse).
 *
 * <p>Initial file attributes are refused except {@code posix:permissions}, which is accepted and
 * ignored (new files get mode 0644, directories 01755); times, owners and modes cannot be changed.
 *
 * <p>The methods here only check arguments and delegate to {@link Vmfs} and {@link VmfsFile}.
 */
public final class VmfsFileSystemProvider extends FileSystemProvider {

  private final Map<Path, VmfsFileSystem> open = new ConcurrentHashMap<>();

  /** Creates the provider; the JDK does this once when it loads installed providers. */
  public VmfsFileSystemProvider() {}

  @Override
  public String getScheme() {
    return VmfsUris.SCHEME;
  }

  // ---- file systems ----

  /** Opens (or with {@code "create"} makes) the image named by a {@code vmfs:<image URI>} URI. */
  @Override
  public FileSystem newFileSystem(URI uri, Map<String, ?> env) throws IOException {
    Path image = Path.of(VmfsUris.image(uri));
    if (!VolumeOpener.creates(image, VmfsEnvironment.of(env)) && !VolumeOpener.hasVmfsMagic(image)) {
      throw new IllegalArgumentException("not a VMFS datastore image: " + image);
    }
    return newFileSystem(image, env);
  }

  /**
   * Opens the VMFS volume in {@code image} (or with {@code "create"} makes it); throws
   * UnsupportedOperationException when an existing image does not start with the VMFS LVM
   * header, so other providers are tried.
   */
  @Override
  public FileSystem newFileSystem(Path image, Map<String, ?> env) throws IOException {
    VmfsEnvironment environment = VmfsEnvironment.of(env);
    Vmfs given = VmfsEnvironment.volume(env);
    if (given == null && !VolumeOpener.creates(image, environment) && !VolumeOpener.hasVmfsMagic(image)) {
      throw new UnsupportedOperationException("not a VMFS datastore image (no LVM magic at 0x100000): " + image);
    }
    synchronized (open) {
      Path known = Files.exists(image) ? image.toRealPath() : null;
      if (known != null && open.containsKey(known)) {
        throw new FileSystemAlreadyExistsException(known.toString());
      }
      Vmfs vmfs = given != null ? given : VolumeOpener.open(image, environment);
      Path real = image.toRealPath();
      VmfsFileSystem fs = new VmfsFileSystem(this, real, vmfs, !environment.writable());
      open.put(real, fs);
      return fs;
    }
  }

  /** Opens the volume on {@code device} as an unregistered file system; see {@link VmfsFileSystems}. */
  VmfsFileSystem newFileSystem(org.vmfskit.fs.device.BlockDevice device, Map<String, ?> env) throws IOException {
    VmfsEnvironment environment = VmfsEnvironment.of(env);
    return new VmfsFileSystem(this, null, VolumeOpener.open(device, environment), !environment.writable());
  }

  @Override
  public FileSystem getFileSystem(URI uri) {
    Path image = Path.of(VmfsUris.image(uri));
    VmfsFileSystem fs;
    try {
      fs = open.get(image.toRealPath());
    } catch (IOException e) {
      fs = null;
    }
    if (fs == null) {
      throw new FileSystemNotFoundException("no open vmfs file system for " + image);
    }
    return fs;
  }

  @Override
  public Path getPath(URI uri) {
    return getFileSystem(uri).getPath(VmfsUris.path(uri));
  }

  void unregister(VmfsFileSystem fs) {
    if (fs.image() != null) {
      open.remove(fs.image(), fs);
    }
  }

  // ---- files ----

  @Override
  public SeekableByteChannel newByteChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs) throws IOException {
    return newFileChannel(path, options, attrs);
  }

  @Override
  public FileChannel newFileChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs) throws IOException {
    VmfsPath p = VmfsPath.check(path);
    VmfsFileSystem fs = p.getFileSystem();
    fs.ensureOpen();
    rejectAttributes(attrs);
    boolean append = options.contains(StandardOpenOption.APPEND);
    boolean write = append || options.contains(StandardOpenOption.WRITE);
    boolean read = options.contains(StandardOpenOption.READ) || !write;
    if (append && (options.contains(StandardOpenOption.READ) || options.contains(StandardOpenOption.TRUNCATE_EXISTING))) {
      throw new IllegalArgumentException("APPEND cannot be combined with READ or TRUNCATE_EXISTING");
    }
    if (write) {
      fs.ensureWritable();
    }
    Vmfs vmfs = fs.vmfs();
    String name = p.volumePath();
    boolean exists = vmfs.exists(name);
    VmfsFile file;
    if (write && options.contains(StandardOpenOption.CREATE_NEW)) {
      file = vmfs.createFile(name);
    } else if (!exists && write && options.contains(StandardOpenOption.CREATE)) {
      file = vmfs.createFile(name);
    } else {
      file = vmfs.openFile(name);
      if (write && options.contains(StandardOpenOption.TRUNCATE_EXISTING)) {
        file.truncate(0);
      }
    }
    return new VmfsFileChannel(file, fs, read, write, append);
  }

  @Override
  public DirectoryStream<Path> newDirectoryStream(Path dir, DirectoryStream.Filter<? super Path> filter) throws IOException {
    VmfsPath p = VmfsPath.check(dir);
    return new VmfsDirectoryStream(p, p.getFileSystem().vmfs().list(p.volumePath()), filter);
  }

  @Override
  public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
    VmfsPath p = writable(dir);
    rejectAttributes(attrs);
    p.getFileSystem().vmfs().mkdir(p.volumePath());
  }

  @Override
  public void createSymbolicLink(Path link, Path target, FileAttribute<?>... attrs) throws IOException {
    VmfsPath p = writable(link);
    rejectAttributes(attrs);
    p.getFileSystem().vmfs().symlink(VmfsPath.check(target).toString(), p.volumePath());
  }

  @Override
  public Path readSymbolicLink(Path link) throws IOException {
    VmfsPath p = VmfsPath.check(link);
    return p.getFileSystem().getPath(p.getFileSystem().vmfs().readLink(p.volumePath()));
  }

  @Override
  public void delete(Path path) throws IOException {
    VmfsPath p = writable(path);
    p.getFileSystem().vmfs().delete(p.volumePath());
  }

  @Override
  public void copy(Path source, Path target, CopyOption... options) throws IOException {
    VmfsPath from = VmfsPath.check(source);
    VmfsPath to = writable(target);
    sameFileSystem(from, to);
    VolumeCopier.copy(from, to, options);
  }

  @Override
  public void move(Path source, Path target, CopyOption... options) throws IOException {
    VmfsPath from = writable(source);
    VmfsPath to = writable(target);
    sameFileSystem(from, to);
    VolumeCopier.move(from, to, options);
  }

  @Override
  public boolean isSameFile(Path path, Path path2) throws IOException {
    VmfsPath a = VmfsPath.check(path);
    if (a.equals(path2)) {
      return true;
    }
    if (!(path2 instanceof VmfsPath b) || b.getFileSystem() != a.getFileSystem()) {
      return false;
    }
    Vmfs vmfs = a.getFileSystem().vmfs();
    return vmfs.stat(a.volumePath()).address().equals(vmfs.stat(b.volumePath()).address());
  }

  /** Returns whether the name starts with a dot, as on Unix. */
  @Override
  public boolean isHidden(Path path) {
    Path name = VmfsPath.check(path).getFileName();
    return name != null && name.toString().startsWith(".");
  }

  @Override
  public FileStore getFileStore(Path path) throws IOException {
    VmfsPath p = VmfsPath.check(path);
    p.getFileSystem().vmfs().stat(p.volumePath());
    return p.getFileSystem().store();
  }

  @Override
  public void checkAccess(Path path, AccessMode... modes) throws IOException {
    VmfsPath p = VmfsPath.check(path);
    FileStat stat = p.getFileSystem().vmfs().stat(p.volumePath());
    Set<AccessMode> wanted = new HashSet<>(Arrays.asList(modes));
    if (wanted.contains(AccessMode.WRITE) && p.getFileSystem().isReadOnly()) {
      throw new AccessDeniedException(p.toString(), null, "read-only vmfs file system");
    }
    if (wanted.contains(AccessMode.EXECUTE) && !stat.isDirectory() && (stat.mode() & 0111) == 0) {
      throw new AccessDeniedException(p.toString(), null, "not executable");
    }
  }

  // ---- attributes ----

  @Override
  @SuppressWarnings("unchecked")
  public <V extends FileAttributeView> V getFileAttributeView(Path path, Class<V> type, LinkOption... options) {
    VmfsPath p = VmfsPath.check(path);
    String name = type == VmfsFileAttributeView.class ? "vmfs"
        : type == PosixFileAttributeView.class ? "posix"
        : type == BasicFileAttributeView.class ? "basic" : null;
    return name == null ? null : (V) new AttributeViews(name, p, !noFollow(options));
  }

  @Override
  @SuppressWarnings("unchecked")
  public <A extends BasicFileAttributes> A readAttributes(Path path, Class<A> type, LinkOption... options) throws IOException {
    if (type != BasicFileAttributes.class && type != PosixFileAttributes.class && type != VmfsFileAttributes.class) {
      throw new UnsupportedOperationException("no attributes of type " + type.getName() + " (have basic, posix, vmfs)");
    }
    return (A) new AttributeViews("vmfs", VmfsPath.check(path), !noFollow(options)).readAttributes();
  }

  @Override
  public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options) throws IOException {
    VmfsFileAttributes read = new AttributeViews("vmfs", VmfsPath.check(path), !noFollow(options)).readAttributes();
    return AttributeProvider.read(read, attributes);
  }

  @Override
  public void setAttribute(Path path, String attribute, Object value, LinkOption... options) {
    writable(path);
    throw new UnsupportedOperationException("setting attribute '" + attribute + "' on a vmfs volume is not supported");
  }

  // ---- checks ----

  static boolean noFollow(LinkOption... options) {
    return Arrays.asList(options).contains(LinkOption.NOFOLLOW_LINKS);
  }

  private static VmfsPath writable(Path path) {
    VmfsPath p = VmfsPath.check(path);
    p.getFileSystem().ensureWritable();
    return p;
  }

  private static void sameFileSystem(VmfsPath a, VmfsPath b) {
    if (a.getFileSystem() != b.getFileSystem()) {
      throw new java.nio.file.ProviderMismatchException("copy and move work within one vmfs file system; use Files.copy via streams across volumes");
    }
  }

  /**
   * Refuses initial attributes, except {@code posix:permissions}, which is accepted and ignored:
   * new files get mode 0644 and directories 01755, as ESXi creates them, and FUSE's
   * {@code create} always passes the caller's mode.
   */
  private static void rejectAttributes(FileAttribute<?>... attrs) {
    for (FileAttribute<?> attr : attrs) {
      if (!attr.name().equals("posix:permissions")) {
        throw new UnsupportedOperationException("initial attribute " + attr.name() + " is not supported on vmfs");
      }
    }
  }

  static NoSuchFileException noSuchFile(VmfsPath path) {
    return new NoSuchFileException(path.toString());
  }

  static FileAlreadyExistsException alreadyExists(VmfsPath path) {
    return new FileAlreadyExistsException(path.toString());
  }
}
