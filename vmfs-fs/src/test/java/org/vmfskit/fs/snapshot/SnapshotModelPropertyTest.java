package org.vmfskit.fs.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vmfskit.fs.check.VolumeChecker;
import org.vmfskit.fs.file.Vmfs;

/**
 * Random sequences of guest disk and memory writes, takes (with and without memory), reverts,
 * deletes and the odd delete-all, against a plain in-memory model of the live state and of every
 * snapshot's disk and memory; after every step all states match, the VM checks consistent and the
 * volume checks clean.
 */
class SnapshotModelPropertyTest {

  private static final int DISK = 8 << 20;
  private static final int MEMORY = 2 << 20;
  private static final int STEPS = 45;

  /** A snapshot in the model. */
  private record Snap(byte[] disk, byte[] memory) {}

  @ParameterizedTest
  @ValueSource(longs = {11, 22, 33})
  void randomOperations_matchTheModel(long seed) throws Exception {
    SplittableRandom random = new SplittableRandom(seed);
    byte[] disk = new byte[DISK];
    byte[] memory = new byte[MEMORY];
    TreeMap<Integer, Snap> snaps = new TreeMap<>();
    List<String> log = new ArrayList<>();
    try (Vmfs vmfs = SnapshotScenarioTest.volume(seed)) {
      SnapshotManager vm = SnapshotManager.createVm(vmfs, "/vm", List.of((long) DISK), MEMORY);
      for (int step = 0; step < STEPS; step++) {
        int op = random.nextInt(100);
        String what;
        if (op < 30) {
          int length = 1 + random.nextInt(random.nextBoolean() ? 600 : 70_000);
          int offset = random.nextInt(DISK - length);
          byte[] data = new byte[length];
          random.nextBytes(data);
          if (random.nextInt(5) == 0) {
            Arrays.fill(data, (byte) 0);
          }
          vm.writeDisk(DiskSlot.scsi(0, 0), offset, ByteBuffer.wrap(data));
          System.arraycopy(data, 0, disk, offset, length);
          what = "disk write " + length + "@" + offset;
        } else if (op < 45) {
          int length = 1 + random.nextInt(3 * MemoryImage.PAGE);
          int offset = random.nextInt(MEMORY - length);
          byte[] data = new byte[length];
          if (random.nextInt(4) != 0) {
            random.nextBytes(data);
          }
          vm.writeMemory(offset, ByteBuffer.wrap(data));
          System.arraycopy(data, 0, memory, offset, length);
          what = "memory write " + length + "@" + offset;
        } else if (op < 65 || snaps.isEmpty()) {
          boolean withMemory = random.nextBoolean();
          SnapshotEntry entry = vm.take("s" + step, "step " + step, withMemory);
          snaps.put(entry.uid(), new Snap(disk.clone(), withMemory ? memory.clone() : null));
          what = "take " + entry.uid() + (withMemory ? " with memory" : "");
        } else if (op < 82) {
          int uid = pick(snaps, random);
          vm.revert(SnapshotRef.uid(uid));
          disk = snaps.get(uid).disk().clone();
          memory = snaps.get(uid).memory() == null ? new byte[MEMORY] : snaps.get(uid).memory().clone();
          what = "revert " + uid;
        } else if (op < 97) {
          int uid = pick(snaps, random);
          vm.delete(SnapshotRef.uid(uid));
          snaps.remove(uid);
          what = "delete " + uid;
        } else {
          vm.deleteAll();
          snaps.clear();
          what = "delete all";
        }
        log.add(what);
        String context = "seed " + seed + ", step " + step + " (" + what + "), history " + log;
        checkState(vm, vmfs, disk, memory, snaps, context, step % 5 == 4);
      }
    }
  }

  private static int pick(TreeMap<Integer, Snap> snaps, SplittableRandom random) {
    List<Integer> uids = new ArrayList<>(snaps.keySet());
    return uids.get(random.nextInt(uids.size()));
  }

  private static void checkState(SnapshotManager vm, Vmfs vmfs, byte[] disk, byte[] memory, TreeMap<Integer, Snap> snaps,
      String context, boolean verify) throws Exception {
    ByteBuffer read = ByteBuffer.allocate(DISK);
    vm.readDisk(DiskSlot.scsi(0, 0), 0, read);
    assertThat(read.array()).as("live disk, %s", context).isEqualTo(disk);
    assertThat(vm.readMemory().toByteArray()).as("live memory, %s", context).isEqualTo(memory);
    assertThat(vm.tree().snapshots()).extracting(SnapshotEntry::uid).as(context).containsExactlyInAnyOrderElementsOf(snaps.keySet());
    for (var snap : snaps.entrySet()) {
      vm.readSnapshotDisk(SnapshotRef.uid(snap.getKey()), DiskSlot.scsi(0, 0), 0, read.clear());
      assertThat(read.array()).as("disk of snapshot %s, %s", snap.getKey(), context).isEqualTo(snap.getValue().disk());
      if (snap.getValue().memory() != null) {
        assertThat(vm.rebuildMemory(SnapshotRef.uid(snap.getKey())).toByteArray()).as("memory of snapshot %s, %s", snap.getKey(), context)
            .isEqualTo(snap.getValue().memory());
      }
    }
    assertThat(vm.check()).as(context).isEmpty();
    assertThat(VolumeChecker.check(vmfs).problems()).as(context).isEmpty();
    if (verify) {
      assertThat(vm.verify(Optional.empty())).as(context).allMatch(SnapshotManager.VerifyResult::ok);
    }
  }
}
