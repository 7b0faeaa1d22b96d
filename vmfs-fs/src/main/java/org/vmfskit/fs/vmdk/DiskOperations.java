package org.vmfskit.fs.vmdk;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Whole-disk operations on a disk's files, as {@code vmkfstools} offers them: rename ({@code -E}),
 * delete ({@code -U}), clone ({@code -i}) and extend ({@code -X}). A plain rename or delete of a
 * descriptor leaves its {@code -flat} or {@code -delta} extent behind; these move every file of the
 * disk and keep its descriptor's extent lines and parent hint true.
 *
 * <p>Operations that would break a chain are refused: renaming, deleting or extending a disk that
 * another descriptor in its directory names as its parent (a snapshot on top), and extending a delta,
 * as vmkfstools refuses {@code -X} on a disk with a delta on top.
 */
public final class DiskOperations {

  /** Told how far a copy is: {@code done} of {@code total} bytes of the disk. */
  @FunctionalInterface
  public interface CopyProgress {
    /** Nothing shown. */
    CopyProgress NONE = (done, total) -> {};

    void copied(long done, long total);
  }

  private DiskOperations() {}

  /**
   * Renames the disk {@code from} to {@code to} (both ending in {@code .vmdk}, possibly in another
   * directory): the descriptor and each extent whose name starts with the old base name take the
   * new one ({@code a-flat.vmdk} becomes {@code b-flat.vmdk}), the extent lines are rewritten, and
   * a relative {@code parentFileNameHint} is rewritten to point from the new place.
   */
  public static void rename(DiskStore store, String from, String to) throws IOException {
    checkNotNull(store, "store");
    from = StorePaths.normalize(from);
    to = StorePaths.normalize(to);
    checkArgument(to.endsWith(".vmdk"), "%s does not end in .vmdk", to);
    if (from.equals(to)) {
      return;
    }
    if (store.exists(to)) {
      throw new FileAlreadyExistsException(to, null, "already exists");
    }
    refuseChildren(store, from, "rename");
    Descriptor descriptor;
    List<String[]> moves = new ArrayList<>();
    try (Layer layer = Layer.open(store, from, false)) {
      if (layer.embedded()) {
        store.rename(from, to);
        return;
      }
      descriptor = layer.descriptor();
    }
    List<Descriptor.ExtentLine> lines = new ArrayList<>();
    for (Descriptor.ExtentLine line : descriptor.extents()) {
      String newName = renamed(line.fileName(), baseName(from), baseName(to));
      String source = store.resolve(from, line.fileName());
      String target = store.resolve(to, newName);
      if (!source.equals(target)) {
        if (store.exists(target)) {
          throw new FileAlreadyExistsException(target, null, "already exists (an extent of " + to + " would take this name)");
        }
        moves.add(new String[] {source, target});
      }
      lines.add(new Descriptor.ExtentLine(line.access(), line.sectors(), line.type(), newName, line.offsetSectors()));
    }
    Descriptor moved = new Descriptor(descriptor.header(), lines, descriptor.ddb());
    Optional<String> hint = descriptor.parentFileNameHint();
    if (hint.isPresent() && !hint.get().startsWith("/")) {
      moved = moved.with("parentFileNameHint", DiskCreation.relativize(to, store.resolve(from, hint.get())), true);
    }
    // The new descriptor first, the old one last: until the end the old name still finds a disk.
    DiskCreation.writeDescriptor(store, to, moved, true);
    for (String[] move : moves) {
      store.rename(move[0], move[1]);
    }
    store.delete(from);
  }

  /** Deletes the disk {@code path}: its extents, then its descriptor. */
  public static void delete(DiskStore store, String path) throws IOException {
    checkNotNull(store, "store");
    path = StorePaths.normalize(path);
    refuseChildren(store, path, "delete");
    List<String> extents = new ArrayList<>();
    try (Layer layer = Layer.open(store, path, false)) {
      if (!layer.embedded()) {
        for (Descriptor.ExtentLine line : layer.descriptor().extents()) {
          extents.add(store.resolve(path, line.fileName()));
        }
      }
    }
    for (String extent : extents) {
      if (store.exists(extent)) {
        store.delete(extent);
      }
    }
    store.delete(path);
  }

  /**
   * Clones the disk {@code source}, flattened through its whole chain, into a new base disk
   * {@code target} ({@code createType="vmfs"} with a {@code -flat.vmdk}) of the given allocation;
   * the source is only read. {@code progress} is told the bytes of the disk copied so far.
   */
  public static void clone(DiskStore store, String source, String target, DiskStore.Allocation allocation, CopyProgress progress)
      throws IOException {
    checkNotNull(store, "store");
    checkNotNull(allocation, "allocation");
    checkNotNull(progress, "progress");
    if (store.exists(target)) {
      throw new FileAlreadyExistsException(StorePaths.normalize(target), null, "already exists");
    }
    try (VirtualDisk disk = VirtualDisk.open(store, source, false)) {
      long capacity = disk.capacity();
      disk.onExportProgress(done -> progress.copied(done, capacity));
      DiskCreation.createBase(store, target, disk.capacity(), allocation);
      String flat = StorePaths.normalize(target).replaceAll("\\.vmdk$", "-flat.vmdk");
      try (DiskFile out = store.open(flat, true)) {
        DiskExport.raw(disk, out);
      } catch (IOException | RuntimeException e) {
        delete(store, target);
        throw e;
      }
    }
  }

  /**
   * Grows the base disk {@code path} to {@code newCapacity} bytes (a multiple of 512): its single
   * flat extent grows (thin: a hole; thick: allocated, reading as zeros) and its extent line and
   * geometry follow. Refuses to shrink, and refuses a delta or a disk with a delta on top.
   */
  public static void extend(DiskStore store, String path, long newCapacity) throws IOException {
    checkNotNull(store, "store");
    path = StorePaths.normalize(path);
    checkArgument(newCapacity > 0 && newCapacity % 512 == 0, "new capacity %s is not a positive multiple of 512", newCapacity);
    Descriptor descriptor;
    try (Layer layer = Layer.open(store, path, false)) {
      descriptor = layer.descriptor();
      if (descriptor.parentFileNameHint().isPresent()) {
        throw new FileSystemException(path, null, "is a delta (a snapshot); extend the base disk after deleting its snapshots");
      }
      if (layer.embedded() || descriptor.extents().size() != 1
          || !(layer.extents().getFirst() instanceof FlatExtent flat) || flat.startOffset() != 0) {
        throw new FileSystemException(path, null, "only a disk with one flat extent can be extended (createType "
            + descriptor.createType() + "); clone it first");
      }
    }
    refuseChildren(store, path, "extend");
    long capacity = descriptor.capacitySectors() * 512;
    if (newCapacity <= capacity) {
      throw new FileSystemException(path, null, "new size " + newCapacity + " is not larger than the capacity " + capacity
          + " (a disk is never shrunk: its guest would lose data)");
    }
    Descriptor.ExtentLine line = descriptor.extents().getFirst();
    String extentPath = store.resolve(path, line.fileName());
    try (DiskFile extent = store.open(extentPath, true)) {
      if (descriptor.ddbValue("ddb.thinProvisioned").orElse("0").equals("1")) {
        extent.setSize(newCapacity);
      } else {
        extent.allocate(newCapacity);
      }
    }
    long cylinders = Math.min(65535, Math.max(1, newCapacity / 512 / (255 * 63)));
    Descriptor grown = new Descriptor(descriptor.header(),
        List.of(new Descriptor.ExtentLine(line.access(), newCapacity / 512, line.type(), line.fileName(), line.offsetSectors())),
        descriptor.ddb());
    if (grown.ddbValue("ddb.geometry.cylinders").isPresent()) {
      grown = grown.withDdb("ddb.geometry.cylinders", Long.toString(cylinders));
    }
    DiskCreation.writeDescriptor(store, path, grown.withCid(DiskCreation.newCid()), false);
  }

  /**
   * Returns the descriptors in {@code path}'s directory whose {@code parentFileNameHint} names it:
   * the snapshots (deltas) stacked on it there. Files that are no descriptor (extents) are skipped.
   */
  public static List<String> children(DiskStore store, String path) throws IOException {
    path = StorePaths.normalize(path);
    int slash = path.lastIndexOf('/');
    String directory = slash < 0 ? "" : path.substring(0, slash);
    List<String> children = new ArrayList<>();
    for (String name : store.list(directory.isEmpty() ? "/" : directory)) {
      String candidate = directory.isEmpty() ? name : directory + "/" + name;
      if (!name.endsWith(".vmdk") || candidate.equals(path)) {
        continue;
      }
      Optional<Descriptor> descriptor = readDescriptor(store, candidate);
      Optional<String> hint = descriptor.flatMap(Descriptor::parentFileNameHint);
      if (hint.isPresent() && StorePaths.normalize(store.resolve(candidate, hint.get())).equals(path)) {
        children.add(candidate);
      }
    }
    return children;
  }

  private static void refuseChildren(DiskStore store, String path, String operation) throws IOException {
    List<String> children = children(store, path);
    if (!children.isEmpty()) {
      throw new FileSystemException(path, null, "has a snapshot (delta) on top: " + String.join(", ", children)
          + "; " + operation + " would break its chain (delete or consolidate the snapshots first)");
    }
  }

  /** Reads the descriptor of {@code path}, text or embedded, or returns empty when it is none (an extent, a broken file). */
  private static Optional<Descriptor> readDescriptor(DiskStore store, String path) {
    try (Layer layer = Layer.open(store, path, false)) {
      return Optional.of(layer.descriptor());
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Returns {@code name} with a leading {@code oldBase} (the disk's name without .vmdk) replaced by {@code newBase}. */
  private static String renamed(String name, String oldBase, String newBase) {
    return name.startsWith(oldBase) ? newBase + name.substring(oldBase.length()) : name;
  }

  private static String baseName(String path) {
    String name = path.substring(path.lastIndexOf('/') + 1);
    checkArgument(name.endsWith(".vmdk"), "%s does not end in .vmdk", path);
    return name.substring(0, name.length() - ".vmdk".length());
  }
}
