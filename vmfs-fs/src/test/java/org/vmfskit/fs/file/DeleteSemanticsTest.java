package org.vmfskit.fs.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmfskit.fs.testing.Images.GIB;
import static org.vmfskit.fs.testing.Images.MIB;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vmfskit.fs.format.AddressingMode;
import org.vmfskit.fs.format.BlockAddress;
import org.vmfskit.fs.format.FileDescriptor;
import org.vmfskit.fs.format.FileDescriptorAddr;
import org.vmfskit.fs.format.LittleEndian;
import org.vmfskit.fs.format.LockBlock;
import org.vmfskit.fs.testing.Images;
import org.vmfskit.fs.testing.Patterns;
import org.vmfskit.fs.volume.Geometry;
import org.vmfskit.fs.volume.ResourceKind;
import org.vmfskit.fs.volume.Volume;

/**
 * What a delete leaves on disk (format reference, section 11): the entry is gone, the FD, blocks
 * and MAPs are free in their bitmaps, the FD keeps its magic with nlink 0 and a zeroed data area,
 * and neither data blocks nor MAP contents are wiped.
 */
class DeleteSemanticsTest {

  /** Everything recorded about a file before it is deleted. */
  private record Before(FileDescriptorAddr fd, long fdOffset, byte[] fdSlot, Map<Long, byte[]> data, Map<Integer, byte[]> maps,
      List<Long> subBlocks) {}

  private static Before record(Vmfs vmfs, String path) throws IOException {
    Volume volume = vmfs.volume();
    VmfsFile file = vmfs.openFile(path);
    FileDescriptor fd = file.descriptor();
    Map<Long, byte[]> data = new LinkedHashMap<>();
    for (Extent extent : file.extents(0, fd.size())) {
      if (!extent.isHole()) {
        for (long at = 0; at < extent.length(); at += MIB) {
          int n = (int) Math.min(MIB, extent.length() - at);
          data.put(extent.deviceOffset() + at, Images.raw(volume.device(), extent.deviceOffset() + at, n));
        }
      }
    }
    Map<Integer, byte[]> maps = new LinkedHashMap<>();
    List<Long> subBlocks = new ArrayList<>();
    for (int raw : fd.zla() == AddressingMode.RESIDENT ? new int[0] : fd.addresses()) {
      if (BlockAddress.typeOf(raw) == BlockAddress.TYPE_PB) {
        maps.put(raw, Images.raw(volume.device(), volume.pointerBlockDeviceOffset(raw, "test", 0), 4096));
        if (fd.zla() == AddressingMode.DOUBLE_INDIRECT) {
          for (int second : volume.readPointerBlock(raw, "test", 0)) {
            if (second != 0) {
              maps.put(second, Images.raw(volume.device(), volume.pointerBlockDeviceOffset(second, "test", 0), 4096));
            }
          }
        }
      } else if (BlockAddress.typeOf(raw) == BlockAddress.TYPE_SB) {
        subBlocks.add(volume.subBlockIndex(raw, "test", 0));
      }
    }
    long fdOffset = volume.fdDeviceOffset(file.address());
    return new Before(file.address(), fdOffset, Images.raw(volume.device(), fdOffset, FileDescriptor.SIZE), data, maps, subBlocks);
  }

  private static long blockOf(long deviceOffset) {
    return (deviceOffset - Geometry.deviceOffset(0)) >> 20;
  }

  private static void assertDeletedAsRecoveryExpects(Vmfs vmfs, String path, Before before) throws IOException {
    for (Volume volume : List.of(vmfs.volume(), Volume.open(vmfs.volume().device()))) {
      assertThat(Vmfs.of(volume).exists(path)).isFalse();
      // FD: free in the bitmap, magic and address kept, nlink 0, data area zeroed.
      assertThat(volume.isFree(ResourceKind.FILE_DESCRIPTOR, volume.fdIndexOf(before.fd()))).isTrue();
      ByteBuffer slot = volume.device().read(before.fdOffset(), FileDescriptor.SIZE);
      assertThat(LittleEndian.u32(slot, 0)).isEqualTo(LockBlock.MAGIC_FD);
      assertThat(LittleEndian.raw32(slot, 0x200)).isEqualTo(before.fd().raw());
      assertThat(LittleEndian.u32(slot, 0x208)).as("nlink").isZero();
      byte[] dataArea = new byte[FileDescriptor.DATA_SIZE];
      slot.get(FileDescriptor.DATA_OFFSET, dataArea);
      assertThat(dataArea).isEqualTo(new byte[FileDescriptor.DATA_SIZE]);
      assertThat(LittleEndian.u64(slot, 0x214)).as("size kept").isEqualTo(LittleEndian.u64(ByteBuffer.wrap(before.fdSlot()).order(java.nio.ByteOrder.LITTLE_ENDIAN), 0x214));
      // Data blocks: free and untouched.
      for (Map.Entry<Long, byte[]> block : before.data().entrySet()) {
        if (before.subBlocks().isEmpty()) {
          assertThat(volume.isFree(ResourceKind.FILE_BLOCK, blockOf(block.getKey()))).as("block at 0x%x free", block.getKey()).isTrue();
        }
        assertThat(Images.raw(volume.device(), block.getKey(), block.getValue().length)).as("block at 0x%x kept", block.getKey()).isEqualTo(block.getValue());
      }
      // MAPs: free and their 1024 addresses untouched.
      for (Map.Entry<Integer, byte[]> map : before.maps().entrySet()) {
        assertThat(volume.isFree(ResourceKind.POINTER_BLOCK, volume.pointerBlockIndex(map.getKey(), "test", 0))).isTrue();
        assertThat(Images.raw(volume.device(), volume.pointerBlockDeviceOffset(map.getKey(), "test", 0), 4096)).isEqualTo(map.getValue());
      }
      for (long sb : before.subBlocks()) {
        assertThat(volume.isFree(ResourceKind.SUB_BLOCK, sb)).isTrue();
      }
    }
  }

  private static long[] freeCounts(Volume volume) throws IOException {
    long[] counts = new long[ResourceKind.values().length];
    for (ResourceKind kind : ResourceKind.values()) {
      counts[kind.ordinal()] = volume.freeCount(kind);
    }
    return counts;
  }

  @Test
  void delete_ofAFileAbove1GiB_freesFdBlocksAndMapsButKeepsTheirContents() throws IOException {
    Vmfs vmfs = Images.format(2 * GIB);
    long[] empty = freeCounts(vmfs.volume());
    VmfsFile file = vmfs.createFile("/delta-delta.vmdk");
    long[] blocks = {0, 1, 2, 500, 1023, 1024, 1100, 1228};
    for (long b : blocks) {
      file.write(b * MIB, ByteBuffer.wrap(Patterns.of(b, b * MIB, (int) MIB)));
    }
    assertThat(file.size()).isEqualTo(1229 * MIB);
    assertThat(file.descriptor().zla()).isEqualTo(AddressingMode.POINTER_BLOCKS);
    Before before = record(vmfs, "/delta-delta.vmdk");
    assertThat(before.maps()).hasSize(2);
    assertThat(before.data()).hasSize(blocks.length);
    int firstMapEntry0 = LittleEndian.raw32(ByteBuffer.wrap(before.maps().values().iterator().next()).order(java.nio.ByteOrder.LITTLE_ENDIAN), 0);
    assertThat(firstMapEntry0 & 7).as("MAP entry 0 names an FB").isEqualTo(1);

    vmfs.delete("/delta-delta.vmdk");

    assertDeletedAsRecoveryExpects(vmfs, "/delta-delta.vmdk", before);
    assertThat(freeCounts(vmfs.volume())).containsExactly(empty);
    assertThat(freeCounts(Volume.open(vmfs.volume().device()))).containsExactly(empty);
    assertThat(vmfs.list("/")).extracting(FileStat::name).doesNotContain("delta-delta.vmdk");
  }

  @Test
  void delete_ofADoubleIndirectFile_keepsBothMapLevels() throws IOException {
    Vmfs vmfs = Images.format(8 * GIB);
    long[] empty = freeCounts(vmfs.volume());
    VmfsFile file = vmfs.createFile("/big-flat.vmdk");
    for (long offset : new long[] {0, 5 * GIB, 300 * GIB}) {
      file.write(offset, ByteBuffer.wrap(Patterns.of(offset, offset, 4096)));
    }
    assertThat(file.descriptor().zla()).isEqualTo(AddressingMode.DOUBLE_INDIRECT);
    Before before = record(vmfs, "/big-flat.vmdk");
    // One first-level MAP (FD slot 0 covers 1 TiB) and three second-level MAPs (0, 5 and 300 GiB).
    assertThat(before.maps()).hasSize(1 + 3);
    vmfs.delete("/big-flat.vmdk");
    assertDeletedAsRecoveryExpects(vmfs, "/big-flat.vmdk", before);
    assertThat(freeCounts(vmfs.volume())).containsExactly(empty);
  }

  @Test
  void delete_ofDirectAndSubBlockAndResidentFiles_freesEverything() throws IOException {
    Vmfs vmfs = Images.format(GIB);
    long[] empty = freeCounts(vmfs.volume());
    Images.createWith(vmfs, "/direct", Patterns.of(1, 0, (int) (5 * MIB + 3)));
    Images.createWith(vmfs, "/sb", Patterns.of(2, 0, 6000));
    Images.createWith(vmfs, "/res", Patterns.of(3, 0, 600));
    for (String path : List.of("/direct", "/sb", "/res")) {
      Before before = record(vmfs, path);
      vmfs.delete(path);
      assertDeletedAsRecoveryExpects(vmfs, path, before);
    }
    assertThat(freeCounts(vmfs.volume())).containsExactly(empty);
  }

  @Test
  void truncate_freesBlocksPastTheEndWithoutWipingThem() throws IOException {
    Vmfs vmfs = Images.format(GIB);
    VmfsFile file = Images.createWith(vmfs, "/t", Patterns.of(9, 0, (int) (3 * MIB)));
    Extent extent = file.extents(0, 3 * MIB).getFirst();
    byte[] tail = Images.raw(vmfs.volume().device(), extent.deviceOffset() + MIB, (int) (2 * MIB));
    file.truncate(MIB);
    assertThat(vmfs.volume().isFree(ResourceKind.FILE_BLOCK, blockOf(extent.deviceOffset()))).isFalse();
    assertThat(vmfs.volume().isFree(ResourceKind.FILE_BLOCK, blockOf(extent.deviceOffset()) + 1)).isTrue();
    assertThat(vmfs.volume().isFree(ResourceKind.FILE_BLOCK, blockOf(extent.deviceOffset()) + 2)).isTrue();
    assertThat(Images.raw(vmfs.volume().device(), extent.deviceOffset() + MIB, (int) (2 * MIB))).isEqualTo(tail);
  }

  @Test
  void fdSlotOfADeletedFile_isReusedWithANewGeneration() throws IOException {
    Vmfs vmfs = Images.format(GIB);
    Images.createWith(vmfs, "/a", new byte[] {1});
    FileStat first = vmfs.stat("/a");
    vmfs.delete("/a");
    // The allocator's hint moves on; fill slots until the freed one comes round again.
    FileStat reused = null;
    for (int i = 0; i < 1100 && reused == null; i++) {
      vmfs.createFile("/n" + i);
      FileStat s = vmfs.stat("/n" + i);
      if (s.address().equals(first.address())) {
        reused = s;
      }
      if (i % 50 == 49) {
        for (int k = i - 49; k <= i; k++) {
          if (!vmfs.stat("/n" + k).address().equals(first.address())) {
            vmfs.delete("/n" + k);
          }
        }
      }
    }
    assertThat(reused).isNotNull();
    assertThat(reused.generation()).isEqualTo(first.generation() + 1);
    assertThat(reused.size()).isZero();
    assertThat(reused.nlink()).isEqualTo(1);
  }
}
