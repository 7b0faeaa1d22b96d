package org.vmfskit.fs.file;

import com.google.common.base.Preconditions;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.vmfskit.fs.volume.VmfsVersion;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.device.BlockDevices;
import org.vmfskit.fs.device.ImageFiles;
import org.vmfskit.fs.format.DirEntry;
import org.vmfskit.fs.format.FileDescriptorAddr;
import org.vmfskit.fs.format.FileType;
import org.vmfskit.fs.volume.FormatOptions;
import org.vmfskit.fs.volume.Volume;
import org.vmfskit.fs.volume.VolumeInfo;

/**
 * The file tree of a VMFS volume: path lookup, directories, files, symbolic links, rename and
 * delete. Paths are slash-separated from the root; symbolic links in the middle of a path are
 * followed (at most 40), and ESXi's {@code /vmfs/volumes/<label or uuid>/} targets resolve to
 * this volume's root.
 *
 * <p>Delete removes the directory entry first, then frees the FD, blocks and MAPs in their bitmaps
 * without wiping their contents, as VMFS does and as recovery relies on.
 */
public final class Vmfs implements Closeable {

  /** Mode bits of new regular files: S_IFREG | 0644, as ESX stores type bits for files. */
  public static final long MODE_FILE = 0100644;
  /** Mode bits of new directories: 01755, without type bits as on ESX volumes. */
  public static final long MODE_DIRECTORY = 01755;
  /** Mode bits of new symbolic links: S_IFLNK | 0777. */
  public static final long MODE_SYMLINK = 0120777;

  private static final int MAX_LINK_HOPS = 40;
  private static final int MAX_DEPTH = 1024;

  private final VolumeFormat format;

  private Vmfs(VolumeFormat format) {
    this.format = format;
  }

  // ---- the front door: see VmfsFrontDoor for how each one opens and cleans up ----

  /** Opens the datastore in the image file {@code image} read-only. */
  public static Vmfs open(Path image) throws IOException {
    return open(image, OpenOptions.readOnly());
  }

  /**
   * Opens the datastore in the image file {@code image}, read-only unless {@code options} say
   * writable; a writable open holds the image's writer lock until {@link #close}, so a second
   * writer, in this process or another, is refused ({@link ImageFiles}). When the open fails the
   * image file is closed again.
   */
  public static Vmfs open(Path image, OpenOptions options) throws IOException {
    return open(ImageFiles.open(image, options.access()));
  }

  /**
   * Creates the image file {@code image} (which must not exist) holding a new datastore, and
   * opens it writable. When creating fails the partial file is deleted.
   */
  public static Vmfs create(Path image, CreateOptions options) throws IOException {
    return VmfsFrontDoor.create(image, options.format());
  }

  /**
   * Formats {@code device} (an in-memory one from {@link BlockDevices#sparseMemory}, say) as a
   * new datastore and opens it writable. The returned volume owns the device: closing it, or a
   * failure here, closes the device.
   */
  public static Vmfs create(BlockDevice device, CreateOptions options) throws IOException {
    return format(device, options.format());
  }

  /**
   * Opens the datastore on {@code device}; read-only when {@code options} say so (the device is
   * then wrapped so no byte is written). The returned volume owns the device: closing it, or a
   * failure here, closes the device.
   */
  public static Vmfs open(BlockDevice device, OpenOptions options) throws IOException {
    Preconditions.checkArgument(!options.isWritable() || !device.isReadOnly(), "a writable open needs a writable device, %s is read-only", device.name());
    return open(options.isWritable() ? device : BlockDevices.readOnly(device));
  }

  /**
   * Opens the volume on {@code device}, writable when the device is. The returned volume owns the
   * device: closing it, or a failure here, closes the device.
   */
  public static Vmfs open(BlockDevice device) throws IOException {
    return VmfsFrontDoor.closingOnFailure(device, () -> new Vmfs(VolumeFormats.open(device)));
  }

  /** Formats {@code device} and opens the new volume; a failure closes the device. */
  public static Vmfs format(BlockDevice device, FormatOptions options) throws IOException {
    return VmfsFrontDoor.closingOnFailure(device, () -> new Vmfs(VolumeFormats.format(device, options)));
  }

  /** Wraps an already open VMFS5 volume. */
  public static Vmfs of(Volume volume) {
    return new Vmfs(new Vmfs5Format(volume));
  }

  /**
   * Returns the VMFS5 (or VMFS3) volume underneath, for the VMFS5-only checker, repairer and
   * recovery scan.
   *
   * @throws UnsupportedOperationException on a VMFS6 volume, whose structures are another kind
   */
  public Volume volume() {
    if (format instanceof Vmfs5Format v5) {
      return v5.volume();
    }
    throw new UnsupportedOperationException(format.version().id() + " volume: this operation reads VMFS5 structures only");
  }

  /**
   * Returns the VMFS version that the headers on {@code device} name, reading a few bytes and
   * checking nothing else (opening the volume checks it all).
   */
  public static VmfsVersion probeVersion(BlockDevice device) throws IOException {
    return VolumeFormats.probe(device);
  }

  /** Returns the volume's VMFS version. */
  public VmfsVersion version() {
    return format.version();
  }

  /** Returns the datastore label. */
  public String label() {
    return format.label();
  }

  /** Returns the datastore UUID in ESXi's text form. */
  public String fsUuid() {
    return format.fsUuid();
  }

  /** Returns the file-block size of the volume. */
  public long blockSize() {
    return format.blockSize();
  }

  /** Returns whether nothing may be written to this volume. */
  public boolean isReadOnly() {
    return format.isReadOnly();
  }

  /** Returns the device the volume is read from. */
  public BlockDevice device() {
    return format.device();
  }

  /** Returns what {@code vmfs info} shows of the volume. */
  public VolumeInfo info() throws IOException {
    return format.info();
  }

  /** Writes what is buffered to the device. */
  public void flush() throws IOException {
    format.flush();
  }

  /** Returns the volume's lock: reads share it, changes hold it exclusively (for the checker). */
  public java.util.concurrent.locks.ReentrantReadWriteLock lock() {
    return format.lock();
  }

  // ---- lookup ----

  /** The result of resolving a path: the parent directory, the last name and its entry if any. */
  private record Resolved(FileDescriptorAddr parent, String name, DirEntry entry, String path) {}

  /** Splits {@code path} into names, rejecting empty and over-long ones. */
  static List<String> components(String path) {
    List<String> names = new ArrayList<>();
    for (String part : path.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      names.add(part);
    }
    return names;
  }

  private Resolved resolve(String path, boolean followLast) throws IOException {
    List<String> pending = new ArrayList<>(components(path));
    FileDescriptorAddr dir = FileDescriptorAddr.ROOT;
    FileDescriptorAddr parent = FileDescriptorAddr.ROOT;
    DirEntry current = null;
    String name = "/";
    int hops = 0;
    int steps = 0;
    while (!pending.isEmpty()) {
      if (++steps > MAX_DEPTH) {
        throw new FileSystemException(path, null, "path too deep or looping");
      }
      name = pending.removeFirst();
      if (current != null && !namesDirectory(current)) {
        throw new NotDirectoryException(path);
      }
      java.util.Optional<DirEntry> found = directory(dir, path).find(name);
      parent = dir;
      if (found.isEmpty()) {
        if (!pending.isEmpty()) {
          throw new NoSuchFileException(path);
        }
        return new Resolved(parent, name, null, path);
      }
      current = found.get();
      if (current.type() == FileType.SYMLINK && (followLast || !pending.isEmpty())) {
        if (++hops > MAX_LINK_HOPS) {
          throw new FileSystemException(path, null, "too many levels of symbolic links");
        }
        String target = readLinkTarget(FileDescriptorAddr.decodeFd(current.rawAddress(), "DirEntry", -1), path);
        List<String> rest = new ArrayList<>(components(localTarget(target)));
        rest.addAll(pending);
        pending = rest;
        if (target.startsWith("/")) {
          dir = FileDescriptorAddr.ROOT;
        }
        current = null;
        name = "/";
        parent = dir;
        continue;
      }
      dir = FileDescriptorAddr.decodeFd(current.rawAddress(), "DirEntry", -1);
    }
    if (current == null) {
      // The root itself (or a link that resolved to it).
      return new Resolved(dir, "/", new DirEntry(FileType.DIRECTORY, dir.raw(), 1, "."), path);
    }
    return new Resolved(parent, name, current, path);
  }

  /** Maps an ESXi absolute target ({@code /vmfs/volumes/<label or uuid>/rest}) to a path here. */
  private String localTarget(String target) {
    String prefix = "/vmfs/volumes/";
    if (target.startsWith(prefix)) {
      String rest = target.substring(prefix.length());
      int slash = rest.indexOf('/');
      String volumeName = slash < 0 ? rest : rest.substring(0, slash);
      if (volumeName.equals(format.label()) || volumeName.equals(format.fsUuid())) {
        return slash < 0 ? "/" : rest.substring(slash);
      }
    }
    return target;
  }

  /**
   * Returns whether {@code entry} names a directory. The FD decides, not the name: a system entry
   * ({@code .sdd.sf} on ESXi volumes) is a directory when its FD is one.
   */
  private boolean namesDirectory(DirEntry entry) throws IOException {
    return entry.type() == FileType.DIRECTORY || entry.type() == FileType.SYSTEM && format.stat(addressOf(entry), entry.name()).isDirectory();
  }

  private DirectoryView directory(FileDescriptorAddr address, String path) throws IOException {
    return format.directory(address, path);
  }

  private VmfsFile file(FileDescriptorAddr address, String path) {
    return new VmfsFile(format.content(address, path), address, path);
  }

  private Resolved existing(String path, boolean followLast) throws IOException {
    Resolved resolved = resolve(path, followLast);
    if (resolved.entry() == null) {
      throw new NoSuchFileException(path);
    }
    return resolved;
  }

  private static FileDescriptorAddr addressOf(DirEntry entry) throws IOException {
    return FileDescriptorAddr.decodeFd(entry.rawAddress(), "DirEntry", -1);
  }

  /** Returns the stat of {@code path}, following a final symbolic link. */
  public FileStat stat(String path) throws IOException {
    return stat(path, true);
  }

  /** Returns the stat of {@code path}; {@code follow} decides whether a final link is followed. */
  public FileStat stat(String path, boolean follow) throws IOException {
    return withReadLock(() -> {
      Resolved r = existing(path, follow);
      FileDescriptorAddr address = addressOf(r.entry());
      return format.stat(address, r.name());
    });
  }

  /** Returns whether {@code path} names anything (without following a final link). */
  public boolean exists(String path) throws IOException {
    return withReadLock(() -> {
      try {
        return resolve(path, false).entry() != null;
      } catch (NoSuchFileException | NotDirectoryException e) {
        // A missing parent, or a file used as one, means the path names nothing (as Files.exists).
        return false;
      }
    });
  }

  /** Lists a directory: every entry but "." and "..", with its stat, in on-disk order. */
  public List<FileStat> list(String path) throws IOException {
    return withReadLock(() -> {
      Resolved r = existing(path, true);
      if (!namesDirectory(r.entry())) {
        throw new NotDirectoryException(path);
      }
      DirectoryView directory = directory(addressOf(r.entry()), path);
      List<FileStat> out = new ArrayList<>();
      for (DirEntry entry : directory.entries()) {
        if (entry.name().equals(".") || entry.name().equals("..")) {
          continue;
        }
        FileDescriptorAddr address = addressOf(entry);
        out.add(format.stat(address, entry.name()));
      }
      return out;
    });
  }

  /** Returns the raw entries of a directory, "." and ".." included (for the checker). */
  public List<DirEntry> entries(FileDescriptorAddr directory) throws IOException {
    return withReadLock(() -> directory(directory, "<" + directory + ">").entries());
  }

  /** Opens the file at {@code path} (following links) for reading and writing its content. */
  public VmfsFile openFile(String path) throws IOException {
    return withReadLock(() -> {
      Resolved r = existing(path, true);
      if (namesDirectory(r.entry())) {
        throw new FileSystemException(path, null, "is a directory");
      }
      return file(addressOf(r.entry()), path);
    });
  }

  /** Opens the file with FD {@code address} directly (for the checker and scanners). */
  public VmfsFile openFile(FileDescriptorAddr address) {
    return file(address, "<" + address + ">");
  }

  /** Returns the target of the symbolic link at {@code path}. */
  public String readLink(String path) throws IOException {
    return withReadLock(() -> {
      Resolved r = existing(path, false);
      if (r.entry().type() != FileType.SYMLINK) {
        throw new FileSystemException(path, null, "not a symbolic link");
      }
      return readLinkTarget(addressOf(r.entry()), path);
    });
  }

  private String readLinkTarget(FileDescriptorAddr address, String path) throws IOException {
    byte[] raw = file(address, path).readAll(4096);
    return new String(raw, StandardCharsets.UTF_8);
  }

  // ---- changes ----

  /** Creates an empty regular file; the parent must exist and the name must be free. */
  public VmfsFile createFile(String path) throws IOException {
    return withWriteLock(() -> file(create(path, FileType.REGULAR, MODE_FILE), path));
  }

  /** Gives a new file its content before any name shows it (see {@link #createFile(String, boolean, Content)}). */
  @FunctionalInterface
  public interface Content {
    /** Writes the content of the new, empty {@code file}. */
    void fill(VmfsFile file) throws IOException;
  }

  /**
   * Creates a regular file with its content as one atomic change: after a crash, or when
   * {@code content} fails (a full volume, a source that cannot be read), {@code path} is as it was
   * before, never an empty or partial file. With {@code replaceExisting} an existing regular file
   * at {@code path} is replaced in the same change; without it an existing one is an error.
   * The content's data blocks bypass the journal (nothing refers to them until the change commits).
   */
  public VmfsFile createFile(String path, boolean replaceExisting, Content content) throws IOException {
    return withWriteLock(() -> {
      Resolved r = resolve(path, false);
      boolean replacing = r.entry() != null && replaceExisting && !r.name().equals("/");
      if (replacing && r.entry().type() == FileType.DIRECTORY) {
        throw new FileSystemException(path, null, "cannot replace a directory");
      }
      // A replacement is built under a name of its own in the same directory; the rename that
      // puts it in place belongs to the same change, so that name never reaches the disk.
      String building = replacing ? join(parentOf(path), ".vmfskit-new-" + Long.toHexString(System.nanoTime())) : path;
      FileDescriptorAddr address = create(building, FileType.REGULAR, MODE_FILE);
      try {
        content.fill(file(address, path));
      } catch (IOException | RuntimeException e) {
        try {
          delete(building);
        } catch (IOException | RuntimeException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
      if (replacing) {
        replace(building, path);
      }
      return file(address, path);
    });
  }

  private static String parentOf(String path) {
    String trimmed = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
    int slash = trimmed.lastIndexOf('/');
    return slash <= 0 ? "/" : trimmed.substring(0, slash);
  }

  /** Creates a directory holding "." and "..". */
  public void mkdir(String path) throws IOException {
    withWriteLock(() -> create(path, FileType.DIRECTORY, MODE_DIRECTORY));
  }

  /** Creates a symbolic link at {@code path} whose content is {@code target}. */
  public void symlink(String target, String path) throws IOException {
    Preconditions.checkArgument(!target.isEmpty() && target.getBytes(StandardCharsets.UTF_8).length <= 4095, "bad link target %s", target);
    withWriteLock(() -> {
      FileDescriptorAddr address = create(path, FileType.SYMLINK, MODE_SYMLINK, target.getBytes(StandardCharsets.UTF_8));
      return address;
    });
  }

  private FileDescriptorAddr create(String path, FileType type, long mode) throws IOException {
    return create(path, type, mode, null);
  }

  private FileDescriptorAddr create(String path, FileType type, long mode, byte[] content) throws IOException {
    Resolved r = resolve(path, false);
    if (r.entry() != null || r.name().equals("/")) {
      throw new FileAlreadyExistsException(path);
    }
    if (!DirEntry.isLegalName(r.name()) || r.name().equals("..")) {
      throw new FileSystemException(path, null, "illegal file name (1 to 127 bytes, no '/')");
    }
    DirectoryView parent = directory(r.parent(), path);
    // Steps 1 and 2: the FD and its own content ("." and ".." or the link target), named by nothing.
    FileDescriptorAddr address = format.createNode(type, mode, r.parent(), content, path);
    try {
      // Step 3: the entry that names it, then the parent's link count.
      parent.add(new DirEntry(type, address.raw(), format.stat(address, r.name()).generation(), r.name()));
    } catch (IOException e) {
      // Nothing names the new FD yet: free it rather than leave an orphan (a full volume, say).
      try {
        format.content(address, path).release();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    if (type == FileType.DIRECTORY) {
      adjustLinks(r.parent(), +1);
    }
    return address;
  }

  private void adjustLinks(FileDescriptorAddr address, int delta) throws IOException {
    format.setLinkCount(address, Math.max(1, format.stat(address, "").nlink() + delta));
  }

  /** Deletes a file, link or empty directory. */
  public void delete(String path) throws IOException {
    withWriteLock(() -> {
      Resolved r = existing(path, false);
      if (r.name().equals("/") || r.name().equals(".") || r.name().equals("..")) {
        throw new FileSystemException(path, null, "cannot remove the root or a dot entry");
      }
      FileDescriptorAddr address = addressOf(r.entry());
      FileStat stat = format.stat(address, r.name());
      if (stat.type() == FileType.SYSTEM) {
        throw new FileSystemException(path, null, "refusing to remove a system file");
      }
      if (stat.type() == FileType.DIRECTORY && directory(address, path).entries().size() > 2) {
        throw new DirectoryNotEmptyException(path);
      }
      directory(r.parent(), path).remove(r.name());
      if (stat.type() == FileType.DIRECTORY) {
        adjustLinks(r.parent(), -1);
      }
      format.content(address, path).release();
      return null;
    });
  }

  /** Deletes {@code path} and, for a directory, everything below it. */
  public void deleteRecursive(String path) throws IOException {
    FileStat stat = stat(path, false);
    if (stat.isDirectory()) {
      for (FileStat child : list(path)) {
        deleteRecursive(join(path, child.name()));
      }
    }
    delete(path);
  }

  /**
   * Renames {@code from} to {@code to}. When {@code to} is an existing directory the entry moves
   * into it; an existing file at {@code to} is an error (nothing is replaced silently).
   */
  public void rename(String from, String to) throws IOException {
    withWriteLock(() -> {
      Resolved source = existing(from, false);
      if (source.name().equals("/") || source.name().equals("..") || source.name().equals(".")) {
        throw new FileSystemException(from, null, "cannot rename the root or a dot entry");
      }
      Resolved target = resolve(to, true);
      if (target.entry() != null && target.entry().type() == FileType.DIRECTORY) {
        target = resolve(join(to, source.name()), false);
      }
      if (target.entry() != null) {
        throw new FileAlreadyExistsException(to);
      }
      if (!DirEntry.isLegalName(target.name())) {
        throw new FileSystemException(to, null, "illegal file name");
      }
      FileDescriptorAddr moving = addressOf(source.entry());
      if (source.entry().type() == FileType.DIRECTORY && isInside(target.parent(), moving)) {
        throw new FileSystemException(from, to, "cannot move a directory into itself");
      }
      DirEntry renamed = new DirEntry(source.entry().type(), source.entry().rawAddress(), source.entry().generation(), target.name());
      if (source.parent().equals(target.parent())) {
        directory(source.parent(), from).rename(source.name(), renamed);
        return null;
      }
      directory(target.parent(), to).add(renamed);
      directory(source.parent(), from).remove(source.name());
      if (source.entry().type() == FileType.DIRECTORY) {
        directory(moving, to).setParent(target.parent(), format.stat(target.parent(), "..").generation());
        adjustLinks(target.parent(), +1);
        adjustLinks(source.parent(), -1);
      }
      return null;
    });
  }

  /**
   * Renames {@code source} to {@code target}, replacing a regular file already named
   * {@code target}, as one atomic change: after a crash the name holds either the old file or the
   * new one. The old file is freed as a delete frees it.
   */
  public void replace(String source, String target) throws IOException {
    withWriteLock(() -> {
      if (exists(target)) {
        FileStat old = stat(target, false);
        if (old.isDirectory()) {
          throw new FileSystemException(target, null, "cannot replace a directory");
        }
        delete(target);
      }
      rename(source, target);
      return null;
    });
  }

  // ---- repair (used by org.vmfskit.fs.check.VolumeRepairer) ----

  /**
   * Frees a live FD that no directory entry names, with its blocks, sub-blocks and MAPs, as the
   * second half of a delete does. The caller has made sure nothing names it.
   */
  public void releaseUnnamed(FileDescriptorAddr address) throws IOException {
    withWriteLock(() -> {
      format.content(address, "<" + address + ">").release();
      return null;
    });
  }

  /** Removes slot {@code slotIndex} of directory {@code directory}, keeping the directory compact. */
  public void removeEntryAt(FileDescriptorAddr directory, int slotIndex) throws IOException {
    withWriteLock(() -> {
      vmfs5("remove a directory slot").directory(directory, "<" + directory + ">").remove(slotIndex);
      return null;
    });
  }

  /** Returns the raw entries of a directory with their slot indices (null entries: deleted slots). */
  public List<DirEntry> slots(FileDescriptorAddr directory) throws IOException {
    return withReadLock(() -> {
      Directory dir = vmfs5("list directory slots").directory(directory, "<" + directory + ">");
      List<DirEntry> out = new ArrayList<>();
      for (int i = 0; i < dir.slotCount(); i++) {
        out.add(dir.slot(i).entry());
      }
      return out;
    });
  }

  /** Returns whether the last slot of a directory is a stale copy left by an interrupted remove. */
  public boolean hasStaleTail(FileDescriptorAddr directory) throws IOException {
    return withReadLock(() -> vmfs5("check a directory's tail").directory(directory, "<" + directory + ">").hasStaleTail());
  }

  /** Points the ".." entry of directory {@code directory} at {@code parent}. */
  public void setParent(FileDescriptorAddr directory, FileDescriptorAddr parent) throws IOException {
    withWriteLock(() -> {
      directory(directory, "<" + directory + ">").setParent(parent, format.stat(parent, "..").generation());
      return null;
    });
  }

  /** Sets the link count of the FD at {@code address}. */
  public void setLinkCount(FileDescriptorAddr address, long nlink) throws IOException {
    Preconditions.checkArgument(nlink > 0, "link count %s", nlink);
    withWriteLock(() -> {
      format.setLinkCount(address, nlink);
      return null;
    });
  }

  /**
   * Adds an entry {@code name} for the live FD at {@code address} to the directory at
   * {@code directoryPath} (reconnecting an unnamed FD, as e2fsck does into lost+found).
   */
  public void link(FileDescriptorAddr address, String directoryPath, String name) throws IOException {
    withWriteLock(() -> {
      Resolved r = existing(directoryPath, true);
      FileDescriptorAddr dir = addressOf(r.entry());
      DirectoryView directory = directory(dir, directoryPath);
      if (directory.find(name).isPresent()) {
        throw new FileAlreadyExistsException(join(directoryPath, name));
      }
      FileStat fd = format.stat(address, name);
      if (fd.type() == FileType.DIRECTORY) {
        DirectoryView moved = directory(address, name);
        if (moved.find("..").isPresent()) {
          moved.setParent(dir, format.stat(dir, "..").generation());
        }
      }
      directory.add(new DirEntry(fd.type(), address.raw(), fd.generation(), name));
      if (fd.type() == FileType.DIRECTORY) {
        adjustLinks(dir, +1);
      }
      return null;
    });
  }

  private boolean isInside(FileDescriptorAddr directory, FileDescriptorAddr ancestor) throws IOException {
    FileDescriptorAddr current = directory;
    for (int depth = 0; depth < MAX_DEPTH; depth++) {
      if (current.equals(ancestor)) {
        return true;
      }
      if (current.equals(FileDescriptorAddr.ROOT)) {
        return false;
      }
      java.util.Optional<DirEntry> dotdot = directory(current, "..").find("..");
      if (dotdot.isEmpty()) {
        return false;
      }
      current = addressOf(dotdot.get());
    }
    throw new FileSystemException(directory.toString(), null, "directory chain too deep or looping");
  }

  /** Joins a directory path and a name. */
  public static String join(String directory, String name) {
    return directory.endsWith("/") ? directory + name : directory + "/" + name;
  }

  @Override
  public void close() throws IOException {
    format.close();
  }

  /** Returns the VMFS5 format for an operation only VMFS5 has, or refuses on other versions. */
  private Vmfs5Format vmfs5(String what) throws IOException {
    if (format instanceof Vmfs5Format v5) {
      return v5;
    }
    throw new org.vmfskit.fs.format.UnsupportedFormatException("Vmfs", -1, "cannot " + what + " on a " + format.version().id() + " volume: slots are a VMFS5 notion");
  }

  private <T> T withReadLock(VolumeFormat.IoSupplier<T> body) throws IOException {
    return format.read(body);
  }

  /**
   * Runs a namespace change (create, delete, rename, link ...) under the write lock as one atomic
   * change, so a crash leaves it either done or not begun.
   */
  private <T> T withWriteLock(VolumeFormat.IoSupplier<T> body) throws IOException {
    return format.change(body);
  }
}
