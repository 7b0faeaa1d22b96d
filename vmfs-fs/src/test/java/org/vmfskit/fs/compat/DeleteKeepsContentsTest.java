package org.vmfskit.fs.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import it.unimi.dsi.fastutil.ints.IntArrayList;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.vmfskit.fs.testing.Images;
import org.junit.jupiter.api.io.TempDir;
import org.vmfskit.fs.check.VolumeChecker;
import org.vmfskit.fs.device.FileChannelBlockDevice;
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
 * Deleting a 2 GiB file frees its FD, blocks and MAPs in the bitmaps but leaves the blocks' data
 * and the MAPs' addresses on the device, which is what recovery relies on; both checkers stay
 * clean afterwards.
 */
class DeleteKeepsContentsTest {

  @TempDir Path dir;

  @Test
  void delete_ofTwoGibFile_freesEverythingAndWipesNothing() throws Exception {
    Path image = dir.resolve("delete.img");
    List<long[]> maps = new ArrayList<>(); // {index, deviceOffset}
    List<byte[]> mapBytes = new ArrayList<>();
    IntArrayList blocks = new IntArrayList();
    byte[] dataHash;
    FileDescriptorAddr fdAddress;
    try (Vmfs fs = Vmfs.format(FileChannelBlockDevice.create(image, 0),
        FormatOptions.builder(4L << 30).label("delete").seed(3).timeSeconds(1_700_000_000).build())) {
      VmfsFile file = fs.createFile("/victim.bin");
      writePattern(file, 2L << 30);
      Volume volume = fs.volume();
      fdAddress = file.address();
      FileDescriptor fd = file.descriptor();
      assertThat(fd.zla()).isEqualTo(AddressingMode.POINTER_BLOCKS);
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
      assertThat(maps).hasSize(2);
      assertThat(blocks.size()).isEqualTo(2048);
      dataHash = Images.hashBlocks(volume, blocks);
      fs.delete("/victim.bin");
    }

    try (Vmfs fs = Vmfs.open(FileChannelBlockDevice.openReadOnly(image))) {
      Volume volume = fs.volume();
      assertThat(fs.exists("/victim.bin")).isFalse();
      for (int i = 0; i < maps.size(); i++) {
        assertThat(Images.raw(volume.device(), maps.get(i)[1], 4096)).as("MAP %d contents", i).isEqualTo(mapBytes.get(i));
        assertThat(volume.isFree(ResourceKind.POINTER_BLOCK, maps.get(i)[0])).as("MAP %d free", i).isTrue();
      }
      for (int block : blocks) {
        assertThat(volume.isFree(ResourceKind.FILE_BLOCK, block)).as("block %d free", block).isTrue();
      }
      assertThat(Images.hashBlocks(volume, blocks)).as("data blocks unchanged").isEqualTo(dataHash);
      assertThat(volume.isFree(ResourceKind.FILE_DESCRIPTOR, volume.fdIndexOf(fdAddress))).isTrue();
      assertThat(VolumeChecker.check(fs).problems()).isEmpty();
    }

    assumeTrue(ExternalTool.available("fsck.vmfs"), "fsck.vmfs not installed (apt-get install vmfs-tools)");
    ExternalTool.Result fsck = ExternalTool.run(300, "fsck.vmfs", image.toString());
    assertThat(VmfsToolsCompatibilityTest.fsckCounters(fsck.stdout())).allSatisfy((name, count) -> assertThat(count).as(name).isZero());
  }

  /** Fills {@code length} bytes with a fast pseudo-random pattern, 8 MiB at a time. */
  private static void writePattern(VmfsFile file, long length) throws Exception {
    SplittableRandom random = new SplittableRandom(42);
    ByteBuffer chunk = ByteBuffer.allocate(8 << 20);
    for (long pos = 0; pos < length; pos += chunk.capacity()) {
      chunk.clear();
      while (chunk.hasRemaining()) {
        chunk.putLong(random.nextLong());
      }
      file.write(pos, chunk.flip());
    }
  }
}
