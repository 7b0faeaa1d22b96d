package org.vmfskit.fs.volume;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.vmfskit.fs.device.SparseMemoryBlockDevice;
import org.vmfskit.fs.file.FileStat;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.file.VmfsFile;
import org.vmfskit.fs.format.AddressingMode;
import org.vmfskit.fs.testing.Images;
import org.vmfskit.fs.testing.Patterns;

/** Volumes far larger than memory: formatted sparse, their resource files sized to fit one FD. */
class LargeVolumeTest {

  @Test
  void volumeOf16TiB_formatsOpensAndHoldsA2TiBThinDisk() throws Exception {
    long volumeBytes = 16L << 40;
    SparseMemoryBlockDevice device = new SparseMemoryBlockDevice(0);
    Vmfs vmfs = Vmfs.format(device, Images.options(volumeBytes));
    Volume volume = vmfs.volume();
    assertThat(volume.geometry().numBlocks()).isEqualTo(16L << 20);
    assertThat(volume.resourceCount(ResourceKind.FILE_BLOCK)).isEqualTo(16L << 20);
    long metadata = volume.resourceCount(ResourceKind.FILE_BLOCK) - volume.freeCount(ResourceKind.FILE_BLOCK);
    assertThat(metadata).isBetween(18L, 600L);
    VmfsFile disk = vmfs.createFile("/big-flat.vmdk");
    long[] offsets = {0, 1L << 40, (2L << 40) - 4096};
    for (long offset : offsets) {
      disk.write(offset, ByteBuffer.wrap(Patterns.of(offset, offset, 4096)));
    }
    assertThat(disk.descriptor().zla()).isEqualTo(AddressingMode.DOUBLE_INDIRECT);
    Vmfs again = Vmfs.open(device);
    for (ResourceKind kind : ResourceKind.values()) {
      assertThat(again.volume().freeCount(kind)).as(kind.toString()).isEqualTo(volume.freeCount(kind));
      assertThat(again.volume().bitmapFindings(kind)).isEmpty();
    }
    for (long offset : offsets) {
      assertThat(Images.read(again.openFile("/big-flat.vmdk"), offset, 4096)).isEqualTo(Patterns.of(offset, offset, 4096));
    }
    assertThat(device.allocatedBytes()).isLessThan(512L << 20);
  }

  @Test
  void fdsAndSubBlocksBeyondTheFirstClusterGroup_roundTrip() throws Exception {
    SparseMemoryBlockDevice device = new SparseMemoryBlockDevice(0);
    Vmfs vmfs = Vmfs.format(device, Images.options(2L << 40));
    Volume volume = vmfs.volume();
    assertThat(volume.resourceHeader(ResourceKind.FILE_DESCRIPTOR).numClusterGroups()).isGreaterThan(1);
    assertThat(volume.resourceHeader(ResourceKind.SUB_BLOCK).numClusterGroups()).isGreaterThan(1);
    int files = 1100;
    for (int i = 0; i < 2; i++) {
      vmfs.mkdir("/d" + i);
    }
    for (int i = 0; i < files; i++) {
      Images.createWith(vmfs, "/d" + (i % 2) + "/f" + i, Patterns.of(i, 0, 2000 + i));
    }
    FileStat last = vmfs.stat("/d1/f1099");
    assertThat(volume.fdIndexOf(last.address())).isGreaterThanOrEqualTo(1024);
    Vmfs again = Vmfs.open(device);
    for (int i = 0; i < files; i++) {
      assertThat(Images.readAll(again.openFile("/d" + (i % 2) + "/f" + i))).as("f%d", i).isEqualTo(Patterns.of(i, 0, 2000 + i));
    }
    for (ResourceKind kind : ResourceKind.values()) {
      assertThat(again.volume().freeCount(kind)).isEqualTo(volume.freeCount(kind));
      assertThat(again.volume().bitmapFindings(kind)).isEmpty();
    }
  }
}
