package org.vmfskit.fs.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import it.unimi.dsi.fastutil.ints.IntArrayList;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.vmfskit.fs.testing.Images;
import org.vmfskit.fs.check.VolumeChecker;
import org.vmfskit.fs.device.SparseMemoryBlockDevice;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.file.VmfsFile;
import org.vmfskit.fs.format.AddressingMode;
import org.vmfskit.fs.format.FileBlockAddr;
import org.vmfskit.fs.format.FileDescriptor;
import org.vmfskit.fs.format.FileDescriptorAddr;
import org.vmfskit.fs.volume.FormatOptions;
import org.vmfskit.fs.volume.ResourceKind;
import org.vmfskit.fs.volume.Volume;

/**
 * A revert deletes the live delta with the file system's delete: afterwards the delta's data
 * blocks and its MAP are still on the device byte for byte, and free in their bitmaps, which is
 * what the recovery of a mistaken revert works from. The delta grows past 256 MiB so it is mapped
 * through a MAP (ZLA 3).
 */
class RevertKeepsDeletedDeltaTest {

  @Test
  void revert_freesTheDeltasBlocksAndMap_withoutChangingThem() throws Exception {
    try (Vmfs vmfs = Vmfs.format(new SparseMemoryBlockDevice(2L << 30),
        FormatOptions.builder(2L << 30).label("revert").seed(12).timeSeconds(1_700_000_000).build())) {
      SnapshotManager vm = SnapshotManager.createVm(vmfs, "/vm", List.of(512L << 20), 4L << 20);
      SnapshotEntry s1 = vm.take("before-mistake", "", false);
      // 66 writes of 4 MiB spread over the 512 MiB disk: 264 MiB of grains plus their tables.
      SplittableRandom random = new SplittableRandom(3);
      byte[] chunk = new byte[4 << 20];
      for (int i = 0; i < 66; i++) {
        random.nextBytes(chunk);
        vm.writeDisk(DiskSlot.scsi(0, 0), (long) i * (7L << 20) % ((512L << 20) - chunk.length) / 512 * 512, ByteBuffer.wrap(chunk));
      }
      Volume volume = vmfs.volume();
      VmfsFile delta = vmfs.openFile("/vm/vm-000001-delta.vmdk");
      FileDescriptor fd = delta.descriptor();
      assertThat(delta.size()).as("delta length").isGreaterThan(256L << 20);
      assertThat(fd.zla()).as("the delta is mapped through MAPs").isEqualTo(AddressingMode.POINTER_BLOCKS);
      FileDescriptorAddr fdAddress = delta.address();
      List<long[]> maps = new ArrayList<>(); // {index, deviceOffset}
      List<byte[]> mapBytes = new ArrayList<>();
      IntArrayList blocks = new IntArrayList();
      for (int raw : fd.addresses()) {
        if (raw == 0) {
          continue;
        }
        long offset = volume.pointerBlockDeviceOffset(raw, "test", -1);
        maps.add(new long[] {volume.pointerBlockIndex(raw, "test", -1), offset});
        mapBytes.add(Images.raw(volume.device(), offset, 4096));
        for (int entry : volume.readPointerBlock(raw, "test", -1)) {
          if (entry != 0) {
            blocks.add(FileBlockAddr.blockOf(entry));
          }
        }
      }
      assertThat(maps).hasSize(1);
      assertThat(blocks.size()).isEqualTo((int) (delta.size() >> 20));
      byte[] header = Images.raw(volume.device(), volume.geometry().blockDeviceOffset(blocks.getInt(0)), 4);
      assertThat(new String(header, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("COWD");
      byte[] dataHash = Images.hashBlocks(volume, blocks);
      for (int block : blocks) {
        assertThat(volume.isFree(ResourceKind.FILE_BLOCK, block)).isFalse();
      }

      vm.revert(SnapshotRef.uid(s1.uid()));

      assertThat(vmfs.exists("/vm/vm-000001-delta.vmdk")).isFalse();
      for (int i = 0; i < maps.size(); i++) {
        assertThat(Images.raw(volume.device(), maps.get(i)[1], 4096)).as("MAP %d contents", i).isEqualTo(mapBytes.get(i));
        assertThat(volume.isFree(ResourceKind.POINTER_BLOCK, maps.get(i)[0])).as("MAP %d free", i).isTrue();
      }
      for (int block : blocks) {
        assertThat(volume.isFree(ResourceKind.FILE_BLOCK, block)).as("block %d free", block).isTrue();
      }
      assertThat(Images.hashBlocks(volume, blocks)).as("data blocks unchanged").isEqualTo(dataHash);
      assertThat(volume.isFree(ResourceKind.FILE_DESCRIPTOR, volume.fdIndexOf(fdAddress))).isTrue();
      assertThat(VolumeChecker.check(vmfs).problems()).isEmpty();
      ByteBuffer head = ByteBuffer.allocate(1 << 20);
      vm.readDisk(DiskSlot.scsi(0, 0), 0, head);
      assertThat(head.array()).as("reverted to the empty disk").isEqualTo(new byte[1 << 20]);
    }
  }
}
