package org.vmfskit.fs.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmfskit.fs.compat.ExternalTool;
import org.vmfskit.fs.device.FileChannelBlockDevice;
import org.vmfskit.fs.file.FileStat;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.file.VmfsFile;
import org.vmfskit.fs.volume.FormatOptions;

/**
 * The chains a snapshot tree leaves on a volume, copied out to the host, read in qemu-img exactly
 * as vmfskit reads them (every snapshot's frozen disk and the live disk), and debugvmfs lists the
 * VM directory with the sizes vmfskit has. qemu only reads (compare opens read-only).
 */
class SnapshotOracleTest {

  private static final long DISK = 24L << 20;

  @TempDir Path dir;

  @Test
  void snapshotTree_readsIdenticallyInQemu_andDebugvmfsListsTheVmDirectory() throws Exception {
    assumeTrue(ExternalTool.available("qemu-img"), "qemu-img not installed (apt-get install qemu-utils)");
    Path image = dir.resolve("ds.img");
    Map<String, byte[]> expected = new LinkedHashMap<>();
    Map<String, Long> sizes = new LinkedHashMap<>();
    try (Vmfs vmfs = Vmfs.format(FileChannelBlockDevice.create(image, 0),
        FormatOptions.builder(2L << 30).label("oracle").seed(8).timeSeconds(1_700_000_000).build())) {
      SnapshotManager vm = SnapshotManager.createVm(vmfs, "/vm", List.of(DISK), 4L << 20);
      SplittableRandom random = new SplittableRandom(5);
      write(vm, random, 20);
      SnapshotEntry s1 = vm.take("s1", "", false);
      write(vm, random, 20);
      vm.take("s2", "", true);
      write(vm, random, 20);
      vm.revert(SnapshotRef.uid(s1.uid()));
      write(vm, random, 10);
      SnapshotEntry s3 = vm.take("s3", "branch", false);
      write(vm, random, 10);
      vm.take("s4", "", false);
      write(vm, random, 10);
      vm.delete(SnapshotRef.uid(s3.uid()));
      SnapshotManager linked = vm.cloneLinked("/linked", SnapshotRef.uid(s1.uid()), false);
      linked.writeDisk(DiskSlot.scsi(0, 0), 12345, ByteBuffer.wrap(new byte[] {1, 2, 3}));
      ByteBuffer linkedContent = ByteBuffer.allocate((int) DISK);
      linked.readDisk(DiskSlot.scsi(0, 0), 0, linkedContent);
      Files.createDirectories(dir.resolve("linked"));
      for (FileStat stat : vmfs.list("/linked")) {
        copyOut(vmfs.openFile("/linked/" + stat.name()), dir.resolve("linked").resolve(stat.name()));
      }
      Files.write(dir.resolve("linked.expected.raw"), linkedContent.array());
      for (SnapshotEntry entry : vm.tree().snapshots()) {
        ByteBuffer content = ByteBuffer.allocate((int) DISK);
        vm.readSnapshotDisk(SnapshotRef.uid(entry.uid()), DiskSlot.scsi(0, 0), 0, content);
        expected.put(entry.disks().getFirst().fileName(), content.array());
      }
      ByteBuffer live = ByteBuffer.allocate((int) DISK);
      vm.readDisk(DiskSlot.scsi(0, 0), 0, live);
      expected.put(vm.config().disks().getFirst().fileName(), live.array());
      Files.createDirectories(dir.resolve("vm"));
      for (FileStat stat : vmfs.list("/vm")) {
        sizes.put(stat.name(), stat.size());
        copyOut(vmfs.openFile("/vm/" + stat.name()), dir.resolve("vm").resolve(stat.name()));
      }
    }
    assertThat(expected).hasSizeGreaterThanOrEqualTo(4);
    for (Map.Entry<String, byte[]> disk : expected.entrySet()) {
      Path raw = dir.resolve(disk.getKey() + ".expected.raw");
      Files.write(raw, disk.getValue());
      ExternalTool.Result compare = ExternalTool.run(120, "qemu-img", "compare", "-f", "vmdk", "-F", "raw",
          dir.resolve("vm").resolve(disk.getKey()).toString(), raw.toString());
      assertThat(compare.exitCode()).as("qemu-img compare %s: %s%s", disk.getKey(), compare.stdout(), compare.stderr()).isZero();
    }
    // The linked clone's delta names its parent as ../vm/vm.vmdk, which qemu resolves on the host.
    ExternalTool.Result linkedCompare = ExternalTool.run(120, "qemu-img", "compare", "-f", "vmdk", "-F", "raw",
        dir.resolve("linked").resolve("linked-000001.vmdk").toString(), dir.resolve("linked.expected.raw").toString());
    assertThat(linkedCompare.exitCode()).as("linked clone: %s%s", linkedCompare.stdout(), linkedCompare.stderr()).isZero();

    assumeTrue(ExternalTool.available("debugvmfs"), "debugvmfs not installed (apt-get install vmfs-tools)");
    ExternalTool.Result ls = ExternalTool.run(60, "debugvmfs", image.toString(), "ls", "-l", "/vm");
    assertThat(ls.exitCode()).as(ls.stderr()).isZero();
    for (Map.Entry<String, Long> file : sizes.entrySet()) {
      assertThat(ls.stdout()).as("debugvmfs ls -l /vm").containsPattern("(?m)\\s" + file.getValue() + "\\s.*\\s\\Q" + file.getKey() + "\\E$");
    }
    assertThat(sizes).containsKeys("vm.vmx", "vm.vmsd", "vm.vmem", "vm.vmdk", "vm-flat.vmdk", "vm-Snapshot1.vmsn", "vm-Snapshot2.vmsn");
  }

  private static void write(SnapshotManager vm, SplittableRandom random, int count) throws Exception {
    for (int i = 0; i < count; i++) {
      int length = 1 + random.nextInt(40_000);
      byte[] data = new byte[length];
      random.nextBytes(data);
      vm.writeDisk(DiskSlot.scsi(0, 0), random.nextLong(DISK - length), ByteBuffer.wrap(data));
    }
  }

  private static void copyOut(VmfsFile file, Path target) throws Exception {
    try (FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.SPARSE)) {
      file.copyTo(0, file.size(), out, 0);
      out.truncate(file.size());
      if (out.size() < file.size()) {
        out.write(ByteBuffer.allocate(1), file.size() - 1);
      }
    }
  }
}
