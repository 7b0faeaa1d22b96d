package org.vmfskit.fs.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.vmfskit.fs.file.FileStat;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.file.VmfsFile;
import org.vmfskit.fs.format.VmfsFormatException;
import org.vmfskit.fs.vmdk.Descriptor;
import org.vmfskit.fs.vmdk.VmfsDiskStore;

/**
 * A VM's directory on a datastore, named after the VM: {@code NAME.vmx}, {@code NAME.vmsd},
 * {@code NAME.vmem}, the disks ({@code NAME.vmdk} + {@code NAME-flat.vmdk}, deltas
 * {@code NAME-00000K.vmdk} + {@code NAME-00000K-delta.vmdk}) and the checkpoints
 * {@code NAME-SnapshotN.vmsn}. Paths handed out are store paths (no leading slash).
 */
public final class VmDirectory {

  /** The largest small file (.vmx, .vmsd, descriptor) read. */
  static final long MAX_SMALL_FILE = VmxDictionary.MAX_SIZE;
  /** The most files looked at in one directory. */
  static final int MAX_FILES = 100_000;

  private static final Pattern DELTA_NUMBER = Pattern.compile("(.*)-(\\d{6})\\.vmdk");

  private final Vmfs vmfs;
  private final VmfsDiskStore store;
  private final String dir;
  private final String name;

  VmDirectory(Vmfs vmfs, String directory) {
    this.vmfs = vmfs;
    this.store = VmfsDiskStore.of(vmfs);
    this.dir = String.join("/", Vmfs.join("", directory).split("/+")).replaceAll("^/+|/+$", "");
    if (dir.isEmpty()) {
      throw new IllegalArgumentException("a VM directory cannot be the volume root");
    }
    this.name = dir.substring(dir.lastIndexOf('/') + 1);
  }

  /** Returns the VM name (the directory's name). */
  public String name() {
    return name;
  }

  /** Returns the directory's store path. */
  public String path() {
    return dir;
  }

  /** Returns the volume. */
  public Vmfs vmfs() {
    return vmfs;
  }

  /** Returns the disk store over the volume. */
  public VmfsDiskStore store() {
    return store;
  }

  /** Returns the store path of {@code fileName} in this directory (absolute references resolve on the volume). */
  public String file(String fileName) {
    return store.resolve(dir + "/" + name + ".vmx", fileName);
  }

  /** Returns the volume path ({@code /dir/file}) of a store path. */
  static String volumePath(String storePath) {
    return "/" + storePath;
  }

  String vmxPath() {
    return file(name + ".vmx");
  }

  String vmsdPath() {
    return file(name + ".vmsd");
  }

  String vmemPath() {
    return file(name + ".vmem");
  }

  String checkpointName(int uid) {
    return name + "-Snapshot" + uid + ".vmsn";
  }

  /** Returns whether {@code storePath} exists. */
  boolean exists(String storePath) throws IOException {
    return vmfs.exists(volumePath(storePath));
  }

  /** Reads a whole small file. */
  byte[] read(String storePath) throws IOException {
    return read(storePath, MAX_SMALL_FILE);
  }

  byte[] read(String storePath, long limit) throws IOException {
    return vmfs.openFile(volumePath(storePath)).readAll(limit);
  }

  /** Suffix of the sibling a text file's new content is written to before it replaces the file. */
  static final String NEW_SUFFIX = ".vmfskit-new";

  /** Replaces a file's content (creating it when missing). */
  void write(String storePath, byte[] content) throws IOException {
    String path = volumePath(storePath);
    if (!vmfs.exists(path)) {
      vmfs.createFile(path).write(0, ByteBuffer.wrap(content));
      return;
    }
    VmfsFile file = vmfs.openFile(path);
    if (!isText(path)) {
      file.truncate(0);
      file.write(0, ByteBuffer.wrap(content));
      return;
    }
    // A text file (.vmx, .vmsd, descriptor) is never changed in place: a power cut inside that
    // write (its data is not journaled) could leave half old, half new text and lose every
    // snapshot. The new text goes to a sibling file first, which then replaces the old one in one
    // journaled change; a cut before that leaves the old file and a stale sibling, removed here
    // by the next write.
    String fresh = path + NEW_SUFFIX;
    if (vmfs.exists(fresh)) {
      vmfs.delete(fresh);
    }
    vmfs.createFile(fresh).write(0, ByteBuffer.wrap(content));
    vmfs.replace(fresh, path);
  }

  private static boolean isText(String path) {
    return path.endsWith(".vmx") || path.endsWith(".vmsd") || (path.endsWith(".vmdk") && !path.endsWith("-flat.vmdk")
        && !path.endsWith("-delta.vmdk") && !path.endsWith("-sesparse.vmdk"));
  }

  /** Opens (creating when missing) a file for direct use. */
  VmfsFile openOrCreate(String storePath) throws IOException {
    String path = volumePath(storePath);
    return vmfs.exists(path) ? vmfs.openFile(path) : vmfs.createFile(path);
  }

  /** Deletes a file with the file system's delete (blocks and MAPs freed, contents kept). */
  void delete(String storePath) throws IOException {
    vmfs.delete(volumePath(storePath));
  }

  /** Reads and parses a disk descriptor. */
  Descriptor descriptor(String storePath) throws IOException {
    return Descriptor.parse(read(storePath), 0);
  }

  /** Rewrites a disk descriptor. */
  void writeDescriptor(String storePath, Descriptor descriptor) throws IOException {
    write(storePath, descriptor.toBytes());
  }

  /** Deletes a disk: its descriptor and every extent file it names that exists. */
  void deleteDisk(String descriptorPath) throws IOException {
    Descriptor descriptor = descriptor(descriptorPath);
    delete(descriptorPath);
    for (Descriptor.ExtentLine extent : descriptor.extents()) {
      String extentPath = store.resolve(descriptorPath, extent.fileName());
      if (exists(extentPath)) {
        delete(extentPath);
      }
    }
  }

  /** Returns the names of the regular files in the directory. */
  List<String> fileNames() throws IOException {
    List<FileStat> stats = vmfs.list(volumePath(dir));
    if (stats.size() > MAX_FILES) {
      throw new FileSystemException(dir, null, "more than " + MAX_FILES + " files");
    }
    return stats.stream().filter(s -> !s.isDirectory()).map(FileStat::name).sorted().toList();
  }

  /**
   * Returns every text descriptor in the directory mapped to its parsed descriptor; files that are
   * not descriptors (extents, other files) are left out.
   */
  Map<String, Descriptor> descriptors() throws IOException {
    Map<String, Descriptor> out = new LinkedHashMap<>();
    for (String fileName : fileNames()) {
      if (!fileName.endsWith(".vmdk") || fileName.endsWith("-flat.vmdk") || fileName.endsWith("-delta.vmdk")
          || fileName.endsWith("-sesparse.vmdk")) {
        continue;
      }
      String path = file(fileName);
      if (vmfs.stat(volumePath(path)).size() > MAX_SMALL_FILE) {
        continue;
      }
      try {
        out.put(path, descriptor(path));
      } catch (VmfsFormatException e) {
        // Not a text descriptor (a hosted sparse disk, or damaged): not part of a snapshot chain.
      }
    }
    return out;
  }

  /**
   * Returns the disks of this directory that deltas in other top-level directories of the volume
   * (linked clones) name as their parent: such a disk must never be merged into or deleted.
   */
  java.util.Set<String> parentsUsedElsewhere() throws IOException {
    java.util.Set<String> out = new java.util.HashSet<>();
    String own = "/" + dir.substring(0, dir.contains("/") ? dir.indexOf('/') : dir.length());
    List<FileStat> top = vmfs.list("/");
    if (top.size() > MAX_FILES) {
      throw new FileSystemException("/", null, "more than " + MAX_FILES + " entries");
    }
    for (FileStat stat : top) {
      if (!stat.isDirectory() || stat.name().startsWith(".") || ("/" + stat.name()).equals(own)) {
        continue;
      }
      VmDirectory other = new VmDirectory(vmfs, stat.name());
      for (Map.Entry<String, Descriptor> entry : other.descriptors().entrySet()) {
        other.parentOf(entry.getKey(), entry.getValue()).filter(p -> p.startsWith(dir + "/")).ifPresent(out::add);
      }
    }
    return out;
  }

  /** Returns the store path of {@code descriptor}'s parent, if it names one. */
  Optional<String> parentOf(String path, Descriptor descriptor) {
    return descriptor.parentFileNameHint().map(hint -> store.resolve(path, hint));
  }

  /** Returns the base name of a disk's files: {@code vm} for {@code vm.vmdk} and {@code vm-000003.vmdk}. */
  static String diskBaseName(String fileName) {
    String bare = fileName.substring(fileName.lastIndexOf('/') + 1);
    Matcher m = DELTA_NUMBER.matcher(bare);
    if (m.matches()) {
      return m.group(1);
    }
    return bare.endsWith(".vmdk") ? bare.substring(0, bare.length() - 5) : bare;
  }

  /** Returns the first free delta descriptor name {@code BASE-00000K.vmdk} (K from 1) in this directory. */
  String nextDeltaPath(String baseName) throws IOException {
    for (int k = 1; k <= 999_999; k++) {
      String candidate = file("%s-%06d.vmdk".formatted(baseName, k));
      String extent = file("%s-%06d-delta.vmdk".formatted(baseName, k));
      if (!exists(candidate) && !exists(extent)) {
        return candidate;
      }
    }
    throw new FileSystemException(dir, null, "no free delta file name for " + baseName);
  }

  /** Returns the file name of a store path in this directory, or the store path when elsewhere. */
  String relative(String storePath) {
    return storePath.startsWith(dir + "/") && storePath.indexOf('/', dir.length() + 1) < 0
        ? storePath.substring(dir.length() + 1) : "/" + storePath;
  }

  /** Fails unless the directory holds {@code NAME.vmx}. */
  void checkIsVm() throws IOException {
    if (!exists(vmxPath())) {
      throw new NoSuchFileException(volumePath(vmxPath()), null, "not a VM directory (no " + name + ".vmx)");
    }
  }
}
