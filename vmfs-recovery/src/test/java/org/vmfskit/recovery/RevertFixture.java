package org.vmfskit.recovery;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.file.VmfsFile;
import org.vmfskit.fs.vmdk.DiskFile;
import org.vmfskit.fs.vmdk.DiskStore;
import org.vmfskit.fs.vmdk.HostDiskStore;
import org.vmfskit.fs.vmdk.VirtualDisk;
import org.vmfskit.fs.vmdk.VmfsDiskStore;

/**
 * Emulates, with the file and disk APIs, what ESXi does for a VM whose snapshot is reverted by
 * mistake: base disk, .vmx/.vmsd, snapshot (a vmfsSparse delta), guest writes interleaved with
 * another file growing (so the delta's 16 MiB runs are not adjacent), export of the pre-revert
 * state, then the revert (both delta files deleted, a fresh NAME-000002 delta on the base) and
 * writes by the other file that land in some of the freed blocks. Switch to SnapshotManager once
 * it exists.
 */
final class RevertFixture {

  /** What a scenario left behind. */
  record Vm(String dir, String name, long capacity, Path expectedRaw, String layout) {}

  private RevertFixture() {}

  /**
   * Builds VM {@code name} in {@code /name}, with {@code deltaWrites} guest writes of
   * {@code writeBytes} into the snapshot, one block of {@code /other/NAME.log} every
   * {@code otherEvery} writes, and {@code reusedBlocks} of those blocks' neighbours rewritten after
   * the revert. The pre-revert disk content goes to {@code host/NAME-expected.raw}.
   */
  static Vm build(Vmfs vmfs, Path host, String name, long capacity, long seed, int deltaWrites, int writeBytes, int otherEvery,
      int reusedBlocks) throws IOException {
    String dir = "/" + name;
    vmfs.mkdir(dir);
    if (!vmfs.exists("/other")) {
      vmfs.mkdir("/other");
    }
    VmfsFile other = vmfs.createFile("/other/" + name + ".log");
    VmfsDiskStore store = VmfsDiskStore.of(vmfs);
    SplittableRandom random = new SplittableRandom(seed);
    text(vmfs, dir + "/" + name + ".vmsd", "");
    try (VirtualDisk base = VirtualDisk.createBase(store, dir + "/" + name + ".vmdk", capacity, DiskStore.Allocation.THIN)) {
      for (int i = 0; i < 8; i++) {
        write(base, random, capacity, 64 << 10);
      }
      text(vmfs, dir + "/" + name + ".vmx", vmx(name, name + "-000001.vmdk"));
      try (VirtualDisk delta = VirtualDisk.createDelta(base, dir + "/" + name + "-000001.vmdk", VirtualDisk.DeltaFormat.VMFS_SPARSE)) {
        vmfs.delete(dir + "/" + name + ".vmsd");
        text(vmfs, dir + "/" + name + ".vmsd", vmsd(name));
        long otherIndex = 0;
        for (int i = 0; i < deltaWrites; i++) {
          write(delta, random, capacity, writeBytes);
          if (otherEvery > 0 && i % otherEvery == otherEvery - 1) {
            other.write(otherIndex << 20, fill(random, 4096));
            otherIndex += 2;
          }
        }
      }
    }
    Path expected = host.resolve(name + "-expected.raw");
    try (VirtualDisk chain = VirtualDisk.open(store, dir + "/" + name + "-000001.vmdk", false);
        DiskFile out = HostDiskStore.of(host).create(name + "-expected.raw")) {
      chain.exportRaw(out);
    }
    StringBuilder layout = new StringBuilder("delta:");
    for (int a : vmfs.openFile(dir + "/" + name + "-000001-delta.vmdk").descriptor().addresses()) {
      if (a != 0) {
        layout.append(' ').append(org.vmfskit.fs.format.BlockAddress.typeOf(a) == 1 ? String.valueOf(org.vmfskit.fs.format.FileBlockAddr.blockOf(a)) : "pb");
      }
    }
    layout.append(" other:");
    for (int a : other.descriptor().addresses()) {
      if (a != 0) {
        layout.append(' ').append(org.vmfskit.fs.format.FileBlockAddr.blockOf(a));
      }
    }
    // The mistaken revert: the newer delta's files go, a fresh delta is taken on the snapshot's disk.
    vmfs.delete(dir + "/" + name + "-000001.vmdk");
    vmfs.delete(dir + "/" + name + "-000001-delta.vmdk");
    try (VirtualDisk base = VirtualDisk.open(store, dir + "/" + name + ".vmdk", false);
        VirtualDisk fresh = VirtualDisk.createDelta(base, dir + "/" + name + "-000002.vmdk", VirtualDisk.DeltaFormat.VMFS_SPARSE)) {
      vmfs.delete(dir + "/" + name + ".vmx");
      text(vmfs, dir + "/" + name + ".vmx", vmx(name, name + "-000002.vmdk"));
      for (int i = 0; i < 4; i++) {
        write(fresh, random, capacity, 64 << 10);
      }
    }
    // The other file fills its holes: each new block follows its predecessor, i.e. lands in a freed delta run.
    for (int j = 0; j < reusedBlocks; j++) {
      other.write(((2L * j + 1) << 20), fill(random, 1 << 20));
    }
    return new Vm(dir, name, capacity, expected, layout.toString());
  }

  private static void write(VirtualDisk disk, SplittableRandom random, long capacity, int bytes) throws IOException {
    long offset = random.nextLong(capacity / bytes) * bytes;
    disk.write(offset, fill(random, bytes));
  }

  private static ByteBuffer fill(SplittableRandom random, int bytes) {
    byte[] data = new byte[bytes];
    for (int i = 0; i < bytes; i += 8) {
      long v = random.nextLong();
      for (int k = 0; k < 8 && i + k < bytes; k++) {
        data[i + k] = (byte) (v >>> (8 * k));
      }
    }
    return ByteBuffer.wrap(data);
  }

  private static void text(Vmfs vmfs, String path, String content) throws IOException {
    VmfsFile file = vmfs.createFile(path);
    if (!content.isEmpty()) {
      file.write(0, ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)));
    }
  }

  private static String vmx(String name, String disk) {
    return ".encoding = \"UTF-8\"\nconfig.version = \"8\"\nvirtualHW.version = \"19\"\ndisplayName = \"" + name + "\"\n"
        + "scsi0.present = \"TRUE\"\nscsi0:0.present = \"TRUE\"\nscsi0:0.fileName = \"" + disk + "\"\n";
  }

  private static String vmsd(String name) {
    return ".encoding = \"UTF-8\"\nsnapshot.lastUID = \"1\"\nsnapshot.current = \"1\"\nsnapshot.numSnapshots = \"1\"\n"
        + "snapshot0.uid = \"1\"\nsnapshot0.filename = \"" + name + "-Snapshot1.vmsn\"\nsnapshot0.displayName = \"before update\"\n"
        + "snapshot0.numDisks = \"1\"\nsnapshot0.disk0.fileName = \"" + name + ".vmdk\"\nsnapshot0.disk0.node = \"scsi0:0\"\n";
  }
}
