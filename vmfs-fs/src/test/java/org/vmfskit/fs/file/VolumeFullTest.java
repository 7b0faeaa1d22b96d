package org.vmfskit.fs.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.vmfskit.fs.testing.Images;
import org.vmfskit.fs.volume.NoSpaceException;
import org.vmfskit.fs.volume.ResourceKind;
import org.vmfskit.fs.volume.Volume;

/** A change that runs out of space fails cleanly: nothing half-allocated stays behind. */
class VolumeFullTest {

  private static long[] freeCounts(Volume volume) throws IOException {
    long[] counts = new long[ResourceKind.values().length];
    for (ResourceKind kind : ResourceKind.values()) {
      counts[kind.ordinal()] = volume.freeCount(kind);
    }
    return counts;
  }

  @Test
  void preallocateBeyondFreeSpace_throwsNoSpace_andLeaksNoBlocks() throws IOException {
    Vmfs vmfs = Images.format(Images.GIB);
    VmfsFile file = vmfs.createFile("/too-big");
    long[] before = freeCounts(vmfs.volume());
    assertThatThrownBy(() -> file.preallocate(2 * Images.GIB, VmfsFile.Preallocation.TO_BE_ZEROED)).isInstanceOf(NoSpaceException.class);
    assertThat(file.size()).isZero();
    assertThat(freeCounts(vmfs.volume())).as("in memory").containsExactly(before);
    // A later successful change must not write the failed change's allocations to disk.
    Images.createWith(vmfs, "/small", new byte[] {1});
    assertThat(freeCounts(Volume.open(vmfs.volume().device()))).as("on disk").containsExactly(freeCounts(vmfs.volume()));
    assertThat(vmfs.volume().freeCount(ResourceKind.FILE_BLOCK)).isEqualTo(before[ResourceKind.FILE_BLOCK.ordinal()]);
  }

  @Test
  void runningOutOfMaps_throwsNoSpace_andLeaksNoFileBlock() throws IOException {
    Vmfs vmfs = Images.format(Images.GIB);
    long maps = vmfs.volume().freeCount(ResourceKind.POINTER_BLOCK);
    int created = 0;
    long[] before = null;
    NoSpaceException failure = null;
    for (int i = 0; i <= maps && failure == null; i++) {
      VmfsFile file = vmfs.createFile("/thin" + i);
      before = freeCounts(vmfs.volume());
      try {
        file.write(300L << 20, ByteBuffer.wrap(new byte[] {1}));
        created++;
      } catch (NoSpaceException e) {
        failure = e;
      }
    }
    assertThat(created).isEqualTo(maps);
    assertThat(failure).isNotNull();
    assertThat(freeCounts(vmfs.volume())).as("in memory after the failed write").containsExactly(before);
    vmfs.createFile("/after");
    assertThat(freeCounts(Volume.open(vmfs.volume().device()))).as("on disk").containsExactly(freeCounts(vmfs.volume()));
  }

  @Test
  void runningOutOfFileDescriptors_throwsNoSpace() throws IOException {
    Vmfs vmfs = Images.format(Images.GIB);
    long fds = vmfs.volume().freeCount(ResourceKind.FILE_DESCRIPTOR);
    for (int i = 0; i < fds; i++) {
      vmfs.createFile("/f" + i);
    }
    assertThatThrownBy(() -> vmfs.createFile("/one-too-many")).isInstanceOf(NoSpaceException.class);
    assertThat(vmfs.exists("/one-too-many")).isFalse();
    vmfs.delete("/f7");
    vmfs.createFile("/one-too-many");
    assertThat(vmfs.list("/")).hasSize((int) fds + 7);
  }

  @Test
  void createInAFullVolume_whenTheDirectoryCannotGrow_leavesNoOrphanFd() throws IOException {
    Vmfs vmfs = Images.format(Images.GIB);
    vmfs.mkdir("/d");
    for (int i = 0; i < 56; i++) {
      vmfs.createFile("/d/f" + i);
    }
    // Use up every file block, so the 57th entry cannot move the directory into a file block.
    VmfsFile filler = vmfs.createFile("/filler");
    assertThatThrownBy(() -> filler.preallocate(2 * Images.GIB, VmfsFile.Preallocation.TO_BE_ZEROED)).isInstanceOf(NoSpaceException.class);
    long free = vmfs.volume().freeCount(ResourceKind.FILE_BLOCK);
    filler.preallocate(free << 20, VmfsFile.Preallocation.TO_BE_ZEROED);
    assertThat(vmfs.volume().freeCount(ResourceKind.FILE_BLOCK)).isZero();
    long[] before = freeCounts(vmfs.volume());
    assertThatThrownBy(() -> vmfs.createFile("/d/f56")).isInstanceOf(NoSpaceException.class);
    assertThat(vmfs.exists("/d/f56")).isFalse();
    assertThat(vmfs.list("/d")).hasSize(56);
    assertThat(freeCounts(vmfs.volume())).as("no FD left allocated by the failed create").containsExactly(before);
    assertThat(freeCounts(Volume.open(vmfs.volume().device()))).as("on disk").containsExactly(before);
  }
}
