package org.vmfskit.fs.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.vmfskit.fs.check.VolumeChecker;
import org.vmfskit.fs.device.SparseMemoryBlockDevice;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.volume.FormatOptions;

/** Take, write, revert, branch, delete and delete-all on a VM directory, byte for byte. */
class SnapshotScenarioTest {

  static final long DISK = 16L << 20;
  static final long MEMORY = 4L << 20;

  static Vmfs volume(long seed) throws Exception {
    return Vmfs.format(new SparseMemoryBlockDevice(4L << 30),
        FormatOptions.builder(4L << 30).label("ds1").seed(seed).timeSeconds(1_700_000_000).build());
  }

  static byte[] fill(int length, int value) {
    byte[] data = new byte[length];
    Arrays.fill(data, (byte) value);
    return data;
  }

  static byte[] disk(SnapshotManager vm) throws Exception {
    ByteBuffer all = ByteBuffer.allocate((int) DISK);
    vm.readDisk(DiskSlot.scsi(0, 0), 0, all);
    return all.array();
  }

  static byte[] snapshotDisk(SnapshotManager vm, int uid) throws Exception {
    ByteBuffer all = ByteBuffer.allocate((int) DISK);
    vm.readSnapshotDisk(SnapshotRef.uid(uid), DiskSlot.scsi(0, 0), 0, all);
    return all.array();
  }

  @Test
  void writeTakeWriteRevert_givesTheSnapshotsBytes_andDeletesTheOldDelta() throws Exception {
    try (Vmfs vmfs = volume(1)) {
      SnapshotManager vm = SnapshotManager.createVm(vmfs, "/vm", List.of(DISK), MEMORY);
      vm.writeDisk(DiskSlot.scsi(0, 0), 4096, ByteBuffer.wrap(fill(10000, 1)));
      vm.writeMemory(8192, ByteBuffer.wrap(fill(5000, 7)));
      byte[] before = disk(vm);
      byte[] memoryBefore = vm.readMemory().toByteArray();
      SnapshotEntry s1 = vm.take("s1", "first", true);
      assertThat(s1.uid()).isEqualTo(1);
      assertThat(vm.config().disks().getFirst().fileName()).isEqualTo("vm-000001.vmdk");
      assertThat(s1.disks().getFirst().fileName()).isEqualTo("vm.vmdk");
      vm.writeDisk(DiskSlot.scsi(0, 0), 0, ByteBuffer.wrap(fill(70000, 2)));
      vm.writeMemory(0, ByteBuffer.wrap(fill(MemoryImage.PAGE * 3, 9)));
      assertThat(disk(vm)).isNotEqualTo(before);
      vm.revert(SnapshotRef.uid(s1.uid()));
      assertThat(disk(vm)).isEqualTo(before);
      assertThat(vm.readMemory().toByteArray()).isEqualTo(memoryBefore);
      // The first free name is reused once the old delta is deleted.
      assertThat(vm.config().disks().getFirst().fileName()).isEqualTo("vm-000002.vmdk");
      assertThat(vmfs.exists("/vm/vm-000001.vmdk")).isFalse();
      assertThat(vmfs.exists("/vm/vm-000001-delta.vmdk")).isFalse();
      assertThat(vm.tree().current()).contains(1);
      assertThat(vm.verify(Optional.empty())).allMatch(SnapshotManager.VerifyResult::ok);
      assertThat(vm.check()).isEmpty();
      assertThat(VolumeChecker.check(vmfs).problems()).isEmpty();
    }
  }

  @Test
  void branchesAfterRevert_keepEveryStateAndDeleteKeepsTheRest() throws Exception {
    try (Vmfs vmfs = volume(2)) {
      SnapshotManager vm = SnapshotManager.createVm(vmfs, "/vm", List.of(DISK), MEMORY);
      vm.writeDisk(DiskSlot.scsi(0, 0), 0, ByteBuffer.wrap(fill(5000, 1)));
      SnapshotEntry a = vm.take("a", "", false);
      byte[] stateA = disk(vm);
      vm.writeDisk(DiskSlot.scsi(0, 0), 1 << 20, ByteBuffer.wrap(fill(5000, 2)));
      vm.writeMemory(0, ByteBuffer.wrap(fill(100, 3)));
      SnapshotEntry b = vm.take("b", "", true);
      byte[] stateB = disk(vm);
      byte[] memB = vm.readMemory().toByteArray();
      vm.writeDisk(DiskSlot.scsi(0, 0), 2 << 20, ByteBuffer.wrap(fill(5000, 3)));
      vm.revert(SnapshotRef.uid(a.uid()));
      assertThat(disk(vm)).isEqualTo(stateA);
      vm.writeDisk(DiskSlot.scsi(0, 0), 3 << 20, ByteBuffer.wrap(fill(5000, 4)));
      SnapshotEntry c = vm.take("c", "branch", false);
      assertThat(c.parent()).contains(a.uid());
      byte[] stateC = disk(vm);
      vm.writeDisk(DiskSlot.scsi(0, 0), 100, ByteBuffer.wrap(fill(10, 5)));
      byte[] live = disk(vm);
      assertThat(vm.tree().children(a.uid())).extracting(SnapshotEntry::uid).containsExactlyInAnyOrder(b.uid(), c.uid());

      // a's disk has two children (b's branch and c's): delete keeps it and only drops the entry.
      vm.delete(SnapshotRef.uid(a.uid()));
      assertThat(vm.tree().find(b.uid()).orElseThrow().parent()).isEmpty();
      assertThat(snapshotDisk(vm, b.uid())).isEqualTo(stateB);
      assertThat(snapshotDisk(vm, c.uid())).isEqualTo(stateC);
      assertThat(disk(vm)).isEqualTo(live);
      assertThat(vm.check()).isEmpty();

      // c's disk has one child (the live delta): merged into it.
      vm.delete(SnapshotRef.uid(c.uid()));
      assertThat(disk(vm)).isEqualTo(live);
      assertThat(snapshotDisk(vm, b.uid())).isEqualTo(stateB);
      assertThat(vm.verify(Optional.empty())).allMatch(SnapshotManager.VerifyResult::ok);
      vm.revert(SnapshotRef.uid(b.uid()));
      assertThat(disk(vm)).isEqualTo(stateB);
      assertThat(vm.readMemory().toByteArray()).isEqualTo(memB);
      assertThat(vm.check()).isEmpty();
      assertThat(VolumeChecker.check(vmfs).problems()).isEmpty();

      vm.writeDisk(DiskSlot.scsi(0, 0), 7 << 20, ByteBuffer.wrap(fill(3, 8)));
      byte[] last = disk(vm);
      vm.deleteAll();
      assertThat(vm.tree().snapshots()).isEmpty();
      assertThat(vm.config().disks().getFirst().fileName()).isEqualTo("vm.vmdk");
      assertThat(disk(vm)).isEqualTo(last);
      assertThat(vm.readMemory().toByteArray()).isEqualTo(memB);
      assertThat(vmfs.list("/vm")).extracting(s -> s.name()).containsExactlyInAnyOrder("vm.vmx", "vm.vmsd", "vm.vmem", "vm.vmdk", "vm-flat.vmdk");
      assertThat(vm.tree().lastUid()).as("uids are never reused").isEqualTo(3);
      assertThat(vm.take("again", "", false).uid()).isEqualTo(4);
      vm.deleteAll();
      assertThat(VolumeChecker.check(vmfs).problems()).isEmpty();
    }
  }

  @Test
  void deleteOfAMemorySnapshot_rebasesItsChildsMemory() throws Exception {
    try (Vmfs vmfs = volume(3)) {
      SnapshotManager vm = SnapshotManager.createVm(vmfs, "/vm", List.of(DISK), MEMORY);
      vm.writeMemory(0, ByteBuffer.wrap(fill(3 * MemoryImage.PAGE, 1)));
      SnapshotEntry s1 = vm.take("s1", "", true);
      vm.writeMemory(MemoryImage.PAGE, ByteBuffer.wrap(fill(MemoryImage.PAGE, 2)));
      SnapshotEntry s2 = vm.take("s2", "", true);
      byte[] mem2 = vm.readMemory().toByteArray();
      String digest2 = s2.digest().orElseThrow();
      vm.delete(SnapshotRef.uid(s1.uid()));
      assertThat(vm.rebuildMemory(SnapshotRef.uid(s2.uid())).toByteArray()).isEqualTo(mem2);
      assertThat(vm.verify(Optional.of(SnapshotRef.uid(s2.uid()))).getFirst().actual()).isEqualTo(digest2);
      assertThat(vm.verify(Optional.of(SnapshotRef.uid(s2.uid()))).getFirst().ok()).isTrue();
    }
  }

  @Test
  void twoDisks_eachGetADeltaAndRevertTogether() throws Exception {
    try (Vmfs vmfs = volume(4)) {
      SnapshotManager vm = SnapshotManager.createVm(vmfs, "/vm", List.of(DISK, 8L << 20), MEMORY);
      vm.writeDisk(DiskSlot.scsi(0, 1), 0, ByteBuffer.wrap(fill(600, 5)));
      SnapshotEntry s = vm.take("s", "", false);
      assertThat(s.disks()).extracting(SnapshotEntry.SnapshotDisk::fileName).containsExactly("vm.vmdk", "vm_1.vmdk");
      assertThat(vm.config().disks()).extracting(VmConfig.Disk::fileName).containsExactly("vm-000001.vmdk", "vm_1-000001.vmdk");
      vm.writeDisk(DiskSlot.scsi(0, 1), 0, ByteBuffer.wrap(fill(600, 6)));
      vm.revert(SnapshotRef.uid(s.uid()));
      ByteBuffer b = ByteBuffer.allocate(600);
      vm.readDisk(DiskSlot.scsi(0, 1), 0, b);
      assertThat(b.array()).isEqualTo(fill(600, 5));
      assertThat(vm.check()).isEmpty();
    }
  }

  @Test
  void brokenChains_areReportedAsConsolidationNeeded() throws Exception {
    try (Vmfs vmfs = volume(5)) {
      SnapshotManager vm = SnapshotManager.createVm(vmfs, "/vm", List.of(DISK), MEMORY);
      vm.take("s1", "", false);
      vm.take("s2", "", false);
      // An orphan: a copy of a delta pair that nothing names.
      vmfs.createFile("/vm/vm-000009-delta.vmdk");
      assertThat(vm.check()).extracting(ConsistencyIssue::kind).containsExactly(ConsistencyIssue.Kind.ORPHAN_DELTA);
      assertThatThrownBy(() -> vm.take("s3", "", false)).isInstanceOf(SnapshotException.class).hasMessageContaining("consolidation needed");
      assertThat(vm.tree().needConsolidate()).isTrue();
      vmfs.delete("/vm/vm-000009-delta.vmdk");
      // A missing delta: s2's frozen disk is gone.
      vmfs.delete("/vm/vm-000001.vmdk");
      assertThat(vm.check()).extracting(ConsistencyIssue::kind).contains(ConsistencyIssue.Kind.MISSING_DELTA);
    }
  }

  @Test
  void liveDiskNotBelowCurrent_isReported() throws Exception {
    try (Vmfs vmfs = volume(8)) {
      SnapshotManager vm = SnapshotManager.createVm(vmfs, "/vm", List.of(DISK), MEMORY);
      SnapshotEntry s1 = vm.take("s1", "", false);
      vm.take("s2", "", false);
      vm.revert(SnapshotRef.uid(s1.uid()));
      vm.take("s3", "", false);
      // Point "you are here" at s2 while the live disk descends from s3's branch.
      vm.writeTree(vm.tree().withCurrent(Optional.of(2)));
      assertThat(vm.check()).extracting(ConsistencyIssue::kind).containsExactly(ConsistencyIssue.Kind.LEAF_NOT_FROM_CURRENT);
      // A .vmx naming a frozen disk as the live one.
      vm.writeTree(vm.tree().withCurrent(Optional.of(3)));
      vm.writeConfig(vm.config().withDisk("scsi0:0", "vm.vmdk"));
      assertThat(vm.check()).extracting(ConsistencyIssue::kind).contains(ConsistencyIssue.Kind.LEAF_NOT_FROM_CURRENT);
    }
  }

  @Test
  void parentCidMismatch_isReported() throws Exception {
    try (Vmfs vmfs = volume(6)) {
      SnapshotManager vm = SnapshotManager.createVm(vmfs, "/vm", List.of(DISK), MEMORY);
      vm.take("s1", "", false);
      // Writing the frozen base behind the snapshot's back changes its CID.
      try (var base = org.vmfskit.fs.vmdk.VirtualDisk.open(vm.directory().store(), "vm/vm.vmdk", true)) {
        base.write(0, ByteBuffer.wrap(fill(512, 1)));
      }
      assertThat(vm.check()).extracting(ConsistencyIssue::kind).contains(ConsistencyIssue.Kind.PARENT_CID_MISMATCH);
    }
  }

  @Test
  void clones_fullAndLinked_readTheSourceState() throws Exception {
    try (Vmfs vmfs = volume(7)) {
      SnapshotManager vm = SnapshotManager.createVm(vmfs, "/vm", List.of(DISK), MEMORY);
      vm.writeDisk(DiskSlot.scsi(0, 0), 0, ByteBuffer.wrap(fill(5000, 1)));
      vm.writeMemory(0, ByteBuffer.wrap(fill(10, 4)));
      SnapshotEntry s = vm.take("s", "", true);
      byte[] atS = disk(vm);
      vm.writeDisk(DiskSlot.scsi(0, 0), 0, ByteBuffer.wrap(fill(100, 2)));
      byte[] live = disk(vm);
      SnapshotManager full = vm.cloneFull("/full", Optional.empty());
      assertThat(disk(full)).isEqualTo(live);
      assertThat(full.config().disks().getFirst().fileName()).isEqualTo("full.vmdk");
      SnapshotManager linked = vm.cloneLinked("/linked", SnapshotRef.uid(s.uid()), false);
      assertThat(disk(linked)).isEqualTo(atS);
      assertThat(linked.readMemory().toByteArray()).isEqualTo(vm.rebuildMemory(SnapshotRef.uid(s.uid())).toByteArray());
      assertThat(new String(vmfs.openFile("/linked/linked-000001.vmdk").readAll(4096))).contains("parentFileNameHint=\"../vm/vm.vmdk\"");
      SnapshotManager absolute = vm.cloneLinked("/abs", SnapshotRef.uid(s.uid()), true);
      assertThat(new String(vmfs.openFile("/abs/abs-000001.vmdk").readAll(4096))).contains("parentFileNameHint=\"/vmfs/volumes/ds1/vm/vm.vmdk\"");
      assertThat(disk(absolute)).isEqualTo(atS);
      linked.writeDisk(DiskSlot.scsi(0, 0), 0, ByteBuffer.wrap(fill(10, 9)));
      assertThat(snapshotDisk(vm, s.uid())).isEqualTo(atS);
      byte[] linkedLive = disk(linked);

      // Deleting the snapshot the clones hang on keeps its frozen disk; delete --all is refused.
      SnapshotEntry s2 = vm.take("s2", "", false);
      assertThatThrownBy(vm::deleteAll).isInstanceOf(SnapshotException.class).hasMessageContaining("linked clones");
      vm.delete(SnapshotRef.uid(s.uid()));
      assertThat(vmfs.exists("/vm/vm.vmdk")).isTrue();
      assertThat(disk(linked)).isEqualTo(linkedLive);
      assertThat(disk(absolute)).isEqualTo(atS);
      assertThat(vm.check()).isEmpty();
      assertThat(linked.check()).isEmpty();
      vm.delete(SnapshotRef.uid(s2.uid()));
      assertThat(disk(vm)).isEqualTo(live);
      assertThat(disk(linked)).isEqualTo(linkedLive);

      // The clone's own snapshots consolidate into the clone's first delta, never into the source.
      SnapshotEntry inClone = linked.take("in-clone", "", false);
      linked.writeDisk(DiskSlot.scsi(0, 0), 4096, ByteBuffer.wrap(fill(10, 10)));
      byte[] cloneLive = disk(linked);
      assertThat(inClone.disks().getFirst().fileName()).isEqualTo("linked-000001.vmdk");
      linked.deleteAll();
      assertThat(linked.config().disks().getFirst().fileName()).isEqualTo("linked-000001.vmdk");
      assertThat(disk(linked)).isEqualTo(cloneLive);
      assertThat(disk(vm)).isEqualTo(live);
      assertThat(disk(absolute)).isEqualTo(atS);
      assertThat(linked.check()).isEmpty();
      assertThat(VolumeChecker.check(vmfs).problems()).isEmpty();
    }
  }
}
