package org.vmfskit.fs.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmfskit.fs.check.VolumeChecker;
import org.vmfskit.fs.device.FaultInjectingBlockDevice;
import org.vmfskit.fs.device.SparseMemoryBlockDevice;
import org.vmfskit.fs.testing.Images;

/** {@link VmfsFile#fill}: the bytes, the holes, one journal commit, and all-or-nothing after a cut. */
class FillTest {

  @TempDir Path dir;

  /** 5 MiB + 77 bytes: random MiB 0, zero MiBs 1 and 2 (holes), random from MiB 3 on. */
  private Path source() throws IOException {
    byte[] data = Images.content(9, (5 << 20) + 77);
    java.util.Arrays.fill(data, 1 << 20, 3 << 20, (byte) 0);
    return Files.write(dir.resolve("src.bin"), data);
  }

  @Test
  void fill_copiesTheBytes_keepsZeroBlocksAsHoles_inOneJournalRecord() throws IOException {
    Path src = source();
    SparseMemoryBlockDevice memory = new SparseMemoryBlockDevice(0);
    try (Vmfs vmfs = Vmfs.format(memory, Images.options(Images.GIB)); FileChannel in = FileChannel.open(src, StandardOpenOption.READ)) {
      VmfsFile file = vmfs.createFile("/f");
      long[] reported = {0};
      var device = (org.vmfskit.fs.journal.JournaledBlockDevice) vmfs.volume().device();
      long before = device.counts()[0];
      file.fill(in, in.size(), done -> reported[0] = done);
      assertThat(device.counts()[0]).as("journaled changes").isEqualTo(before + 1);
      assertThat(reported[0]).isEqualTo(in.size());
      assertThat(Images.readAll(file)).isEqualTo(Files.readAllBytes(src));
      assertThat(vmfs.stat("/f", false).blocks()).as("MiBs 1 and 2 are holes").isEqualTo(4);
      assertThat(VolumeChecker.check(vmfs).problems()).isEmpty();
      assertThatThrownBy(() -> file.fill(in, 10, done -> {})).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void aCutDuringFill_leavesTheFileEmpty_andTheVolumeClean() throws IOException {
    Path src = source();
    SparseMemoryBlockDevice memory = new SparseMemoryBlockDevice(0);
    Vmfs.format(memory, Images.options(Images.GIB)).close();
    try (Vmfs vmfs = Vmfs.open(memory)) {
      vmfs.createFile("/f");
    }
    // Cut at the third write of the fill: data blocks are being written, nothing committed.
    FaultInjectingBlockDevice faulty = new FaultInjectingBlockDevice(memory, 3, FaultInjectingBlockDevice.Mode.DROP, 0);
    Vmfs vmfs = Vmfs.open(faulty);
    try (FileChannel in = FileChannel.open(src, StandardOpenOption.READ)) {
      assertThatThrownBy(() -> vmfs.openFile("/f").fill(in, in.size(), done -> {})).isInstanceOf(IOException.class);
    }
    try (Vmfs after = Vmfs.open(memory)) {
      assertThat(after.stat("/f", false).size()).isZero();
      assertThat(VolumeChecker.check(after).problems()).isEmpty();
    }
  }
}
