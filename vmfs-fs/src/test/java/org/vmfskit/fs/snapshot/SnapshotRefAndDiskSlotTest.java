package org.vmfskit.fs.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmfskit.fs.file.Vmfs;

/** Snapshots and disks are named by types, not by {@code "#uid"} and {@code "scsi0:0"} strings; the CLI parses its strings into them. */
class SnapshotRefAndDiskSlotTest {

  @Test
  void diskSlot_parsesAndPrintsTheVmxNode() {
    assertThat(DiskSlot.parse("scsi0:1")).isEqualTo(DiskSlot.scsi(0, 1));
    assertThat(DiskSlot.parse("SATA1:3")).isEqualTo(DiskSlot.sata(1, 3));
    assertThat(DiskSlot.nvme(0, 2)).hasToString("nvme0:2");
    assertThatThrownBy(() -> DiskSlot.parse("scsi0")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a disk node");
    assertThatThrownBy(() -> DiskSlot.scsi(4, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("controller 4");
  }

  @Test
  void snapshotRef_parsesTheCommandLineForm() {
    assertThat(SnapshotRef.parse("#12")).isEqualTo(SnapshotRef.uid(12));
    assertThat(SnapshotRef.parse("before upgrade")).isEqualTo(SnapshotRef.named("before upgrade"));
    assertThat(SnapshotRef.parse("#x")).isEqualTo(SnapshotRef.named("#x"));
    assertThat(SnapshotRef.uid(3)).hasToString("#3");
    assertThatThrownBy(() -> SnapshotRef.uid(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void manager_findsRevertsAndReads_byRefAndSlot() throws Exception {
    try (Vmfs vmfs = SnapshotScenarioTest.volume(7)) {
      SnapshotManager vm = SnapshotManager.createVm(vmfs, "/vm", List.of(1L << 20, 1L << 20), 0);
      assertThat(vm.liveDisks()).containsOnlyKeys(DiskSlot.scsi(0, 0), DiskSlot.scsi(0, 1));
      vm.writeDisk(DiskSlot.scsi(0, 1), 0, ByteBuffer.wrap(new byte[] {1}));
      SnapshotEntry first = vm.take("same", "", false);
      vm.writeDisk(DiskSlot.scsi(0, 1), 0, ByteBuffer.wrap(new byte[] {2}));
      SnapshotEntry second = vm.take("same", "", false);
      assertThatThrownBy(() -> vm.find(SnapshotRef.named("same"))).hasMessageContaining("ambiguous");
      assertThat(vm.find(SnapshotRef.uid(second.uid()))).isEqualTo(second);
      assertThatThrownBy(() -> vm.find(SnapshotRef.named("missing"))).hasMessageContaining("no snapshot named 'missing'");
      vm.revert(SnapshotRef.uid(first.uid()));
      ByteBuffer one = ByteBuffer.allocate(1);
      vm.readDisk(DiskSlot.scsi(0, 1), 0, one);
      assertThat(one.get(0)).isEqualTo((byte) 1);
      vm.readSnapshotDisk(SnapshotRef.uid(second.uid()), DiskSlot.scsi(0, 1), 0, one.clear());
      assertThat(one.get(0)).isEqualTo((byte) 2);
      assertThatThrownBy(() -> vm.readDisk(DiskSlot.scsi(1, 0), 0, one.clear())).hasMessageContaining("no disk scsi1:0");
    }
  }
}
