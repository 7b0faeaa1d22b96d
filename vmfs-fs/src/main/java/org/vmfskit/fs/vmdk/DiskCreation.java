package org.vmfskit.fs.vmdk;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileAlreadyExistsException;
import java.security.SecureRandom;
import java.util.List;

/** Writing new disks: base descriptors with flat extents, delta descriptors with empty deltas, CIDs and names. */
final class DiskCreation {

  private static final SecureRandom RANDOM = new SecureRandom();

  private DiskCreation() {}

  /**
   * Creates a base disk {@code createType="vmfs"}: descriptor {@code path} (ending in
   * {@code .vmdk}) and flat extent {@code <name>-flat.vmdk}; THIN adds
   * {@code ddb.thinProvisioned = "1"}.    */
  static void createBase(DiskStore store, String path, long capacityBytes,
      DiskStore.Allocation allocation) throws IOException {
    checkArgument(capacityBytes > 0 && capacityBytes % 512 == 0, "capacity %s is not a positive multiple of 512",
        capacityBytes);
    String flat = baseName(path) + "-flat.vmdk";
    Descriptor descriptor = Descriptor.of("vmfs", newCid(), Descriptor.NO_PARENT_CID,
        List.of(new Descriptor.ExtentLine(Descriptor.Access.RW, capacityBytes / 512, Descriptor.ExtentType.VMFS,
            fileName(flat), -1)));
    descriptor = withGeometry(descriptor, capacityBytes);
    if (allocation == DiskStore.Allocation.THIN) {
      descriptor = descriptor.withDdb("ddb.thinProvisioned", "1");
    }
    if (store.exists(path)) {
      throw new FileAlreadyExistsException(path);
    }
    try (DiskFile file = store.create(flat, capacityBytes, allocation)) {
      checkState(file.size() == capacityBytes, "flat extent %s has the wrong size", flat);
    }
    try {
      writeDescriptor(store, path, descriptor, true);
    } catch (IOException | RuntimeException e) {
      // A flat extent without its descriptor is no disk, and would block the retry.
      try {
        if (store.exists(path)) {
          store.delete(path);
        }
        store.delete(flat);
      } catch (IOException | RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /**
   * Creates a delta {@code path} (ending in {@code .vmdk}) on top of {@code parent}'s top layer,
   * with {@code parentCID} = the parent's current CID and a new random CID, and returns the new
   * chain; the caller freezes the parent.
   */
  static void createDelta(DiskStore store, String parentPath, Descriptor parentDescriptor, long capacity,
      String path, VirtualDisk.DeltaFormat format) throws IOException {
    long sectors = capacity / 512;
    checkArgument(format != VirtualDisk.DeltaFormat.VMFS_SPARSE || sectors <= 0xFFFFFFFFL,
        "vmfsSparse deltas hold less than 2 TiB (capacity %s); use SE_SPARSE", capacity);
    String extent = baseName(path) + (format == VirtualDisk.DeltaFormat.VMFS_SPARSE ? "-delta.vmdk" : "-sesparse.vmdk");
    try (DiskFile file = store.create(extent)) {
      switch (format) {
        case VMFS_SPARSE -> CowdExtent.create(file, sectors).flush();
        case SE_SPARSE -> SeSparseExtent.create(file, sectors).flush();
      }
    }
    Descriptor.ExtentType type =
        format == VirtualDisk.DeltaFormat.VMFS_SPARSE ? Descriptor.ExtentType.VMFSSPARSE : Descriptor.ExtentType.SESPARSE;
    Descriptor descriptor = Descriptor.of(format == VirtualDisk.DeltaFormat.VMFS_SPARSE ? "vmfsSparse" : "seSparse",
            newCid(), parentDescriptor.cid(),
            List.of(new Descriptor.ExtentLine(Descriptor.Access.RW, sectors, type, fileName(extent), -1)))
        .with("parentFileNameHint", relativize(path, parentPath), true);
    for (Descriptor.Entry entry : parentDescriptor.ddb()) {
      if (!entry.key().equals("ddb.thinProvisioned") && !entry.key().equals("ddb.deletable")) {
        descriptor = descriptor.withDdb(entry.key(), entry.value());
      }
    }
    writeDescriptor(store, path, descriptor, true);
  }

  static void writeDescriptor(DiskStore store, String path, Descriptor descriptor, boolean create)
      throws IOException {
    byte[] bytes = descriptor.toBytes();
    try (DiskFile file = create ? store.create(path) : store.open(path, true)) {
      file.write(0, ByteBuffer.wrap(bytes));
      file.setSize(bytes.length);
    }
  }

  /** Returns a random CID other than the reserved ffffffff and fffffffe. */
  static long newCid() {
    long cid;
    do {
      cid = Integer.toUnsignedLong(RANDOM.nextInt());
    } while (cid >= 0xFFFFFFFEL);
    return cid;
  }

  private static Descriptor withGeometry(Descriptor descriptor, long capacityBytes) {
    long cylinders = Math.min(65535, Math.max(1, capacityBytes / 512 / (255 * 63)));
    return descriptor.withDdb("ddb.adapterType", "lsilogic")
        .withDdb("ddb.geometry.cylinders", Long.toString(cylinders))
        .withDdb("ddb.geometry.heads", "255")
        .withDdb("ddb.geometry.sectors", "63")
        .withDdb("ddb.virtualHWVersion", "13");
  }

  private static String baseName(String path) {
    checkArgument(path.endsWith(".vmdk"), "%s does not end in .vmdk", path);
    return path.substring(0, path.length() - ".vmdk".length());
  }

  private static String fileName(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  /** Returns {@code target} relative to the directory of {@code from} (both store paths). */
  static String relativize(String from, String target) {
    String[] a = directoryParts(from);
    String[] b = target.replaceAll("^/+", "").split("/");
    int common = 0;
    while (common < a.length && common < b.length - 1 && a[common].equals(b[common])) {
      common++;
    }
    StringBuilder out = new StringBuilder();
    for (int i = common; i < a.length; i++) {
      out.append("../");
    }
    for (int i = common; i < b.length; i++) {
      out.append(b[i]).append(i + 1 < b.length ? "/" : "");
    }
    return out.toString();
  }

  private static String[] directoryParts(String path) {
    String trimmed = path.replaceAll("^/+", "");
    int slash = trimmed.lastIndexOf('/');
    return slash < 0 ? new String[0] : trimmed.substring(0, slash).split("/");
  }
}
