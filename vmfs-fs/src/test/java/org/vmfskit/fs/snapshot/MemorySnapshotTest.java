package org.vmfskit.fs.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmfskit.fs.file.Vmfs;

/** Memory snapshots store only the pages that changed since the memory parent: counted, not timed. */
class MemorySnapshotTest {

  private static final int PAGE = MemoryImage.PAGE;

  @Test
  void memorySnapshots_storeOnlyChangedPages() throws Exception {
    try (Vmfs vmfs = SnapshotScenarioTest.volume(21)) {
      SnapshotManager vm = SnapshotManager.createVm(vmfs, "/vm", List.of(8L << 20), 64L << 20);
      for (int p = 0; p < 10; p++) {
        vm.writeMemory((long) p * 997 * PAGE, ByteBuffer.wrap(pattern(PAGE, p + 1)));
      }
      SnapshotEntry s1 = vm.take("s1", "", true);
      MemoryDelta d1 = vm.memoryDelta(s1);
      assertThat(d1.memoryParent()).as("no memory parent: the non-zero pages").isZero();
      assertThat(d1.pageCount()).isEqualTo(10);
      long vmsn1 = vmfs.stat("/vm/vm-Snapshot1.vmsn").size();
      assertThat(vmsn1).isBetween(10L * PAGE, 10L * PAGE + 4096);

      vm.writeMemory(0, ByteBuffer.wrap(new byte[PAGE]));                         // zeroes a stored page
      vm.writeMemory(997L * PAGE + 100, ByteBuffer.wrap(pattern(10, 50)));        // changes one
      vm.writeMemory(5000L * PAGE, ByteBuffer.wrap(pattern(2 * PAGE, 60)));       // two new pages
      vm.writeMemory(2L * 997 * PAGE, ByteBuffer.wrap(pattern(PAGE, 3)));         // same bytes as before
      SnapshotEntry s2 = vm.take("s2", "", true);
      MemoryDelta d2 = vm.memoryDelta(s2);
      assertThat(d2.memoryParent()).isEqualTo(s1.uid());
      assertThat(d2.pageNumbers()).containsExactly(0, 997, 5000, 5001);
      assertThat(vmfs.stat("/vm/vm-Snapshot2.vmsn").size()).isBetween(4L * PAGE, 4L * PAGE + 4096);

      SnapshotEntry s3 = vm.take("s3", "no memory", false);
      SnapshotEntry s4 = vm.take("s4", "nothing changed", true);
      MemoryDelta d4 = vm.memoryDelta(s4);
      assertThat(d4.memoryParent()).as("nearest ancestor with memory, past s3").isEqualTo(s2.uid());
      assertThat(d4.pageCount()).isZero();
      assertThat(vmfs.stat("/vm/vm-Snapshot3.vmsn").size()).isLessThan(4096);
      assertThat(vmfs.stat("/vm/vm-Snapshot4.vmsn").size()).isLessThan(4096);

      byte[] expected = vm.readMemory().toByteArray();
      vm.writeMemory(0, ByteBuffer.wrap(pattern(PAGE * 8, 99)));
      vm.revert(SnapshotRef.uid(s4.uid()));
      assertThat(vm.readMemory().toByteArray()).isEqualTo(expected);
      assertThat(vm.readMemory().nonZeroPages()).as("10 pages, one zeroed, two added").isEqualTo(11);
      vm.revert(SnapshotRef.uid(s3.uid()));
      assertThat(vm.readMemory().nonZeroPages()).as("a snapshot without memory powers the VM off").isZero();
    }
  }

  @Test
  void checkpoint_roundTripsAndHasTheDocumentedHeader() throws Exception {
    Checkpoint checkpoint = new Checkpoint(Checkpoint.MAGIC, List.of(
        new CheckpointGroup("Checkpoint", List.of(CheckpointTag.u32("vmfskit.uid", 7), CheckpointTag.text("name", "x"))),
        new CheckpointGroup("memory", List.of(CheckpointTag.u32("regionSize", 256, 0), new CheckpointTag("big", List.of(), pattern(5000, 1))))));
    byte[] bytes = checkpoint.toBytes();
    ByteBuffer b = ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    assertThat(b.getInt(0)).isEqualTo(0xBED2BED2);
    assertThat(b.getInt(8)).isEqualTo(2);
    assertThat(new String(bytes, 12, 10)).isEqualTo("Checkpoint");
    assertThat(b.getLong(12 + 64)).isEqualTo(12 + 2 * 80);
    Checkpoint decoded = Checkpoint.decode(bytes, "test");
    assertThat(decoded.group("memory").orElseThrow().tag("big").orElseThrow().data()).isEqualTo(pattern(5000, 1));
    assertThat(decoded.group("memory").orElseThrow().tag("regionSize", 0).orElseThrow().number()).contains(256L);
    assertThat(decoded.group("Checkpoint").orElseThrow().tag("vmfskit.uid").orElseThrow().number()).contains(7L);
    // A truncated file is a checked exception with an offset, never a runtime one.
    for (int cut = 0; cut < bytes.length; cut += 97) {
      byte[] truncated = Arrays.copyOf(bytes, cut);
      try {
        Checkpoint.decode(truncated, "cut");
      } catch (org.vmfskit.fs.format.VmfsFormatException expectedFailure) {
        assertThat(expectedFailure.getMessage()).startsWith("Checkpoint in cut");
      }
    }
  }

  private static byte[] pattern(int length, int seed) {
    byte[] data = new byte[length];
    for (int i = 0; i < length; i++) {
      data[i] = (byte) (seed * 31 + i * 7 + 1);
    }
    return data;
  }
}
