package org.vmfskit.fs.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmfskit.fs.check.VolumeChecker;
import org.vmfskit.fs.device.CopyOnWriteBlockDevice;
import org.vmfskit.fs.device.FaultInjectingBlockDevice;
import org.vmfskit.fs.device.SparseMemoryBlockDevice;
import org.vmfskit.fs.testing.Images;
import org.vmfskit.fs.volume.NoSpaceException;

/**
 * {@link Vmfs#createFile(String, boolean, Vmfs.Content)}: a failed or cut create leaves the name
 * as it was (absent, or the old file when replacing), never an empty or partial file, so the
 * retry needs no clean-up.
 */
class AtomicCreateTest {

  @TempDir Path dir;

  private Path source(long seed, int length) throws IOException {
    return Files.write(dir.resolve("src-" + seed), Images.content(seed, length));
  }

  private static Vmfs.Content fillFrom(Path source) {
    return file -> {
      try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ)) {
        file.fill(in, in.size(), _ -> {});
      }
    };
  }

  @Test
  void aFileTooBigForTheVolume_leavesNoName_andTheRetryNeedsNoForce() throws IOException {
    try (Vmfs vmfs = Images.format(256L << 20)) {
      long free = vmfs.volume().info().freeBlocks();
      Path huge = dir.resolve("huge");
      try (FileChannel sparse = FileChannel.open(huge, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.SPARSE)) {
        // Non-zero bytes in every MiB so that no block stays a hole: more than the volume holds.
        for (long mib = 0; mib < 300; mib++) {
          sparse.write(ByteBuffer.wrap(new byte[] {1}), mib << 20);
        }
      }
      assertThatThrownBy(() -> vmfs.createFile("/f", false, fillFrom(huge))).isInstanceOf(NoSpaceException.class);
      assertThat(vmfs.exists("/f")).isFalse();
      assertThat(vmfs.volume().info().freeBlocks()).isEqualTo(free);
      assertThat(VolumeChecker.check(vmfs).problems()).isEmpty();

      Path small = source(1, 3 << 20);
      vmfs.createFile("/f", false, fillFrom(small));
      assertThat(Images.readAll(vmfs.openFile("/f"))).isEqualTo(Files.readAllBytes(small));
      assertThat(VolumeChecker.check(vmfs).problems()).isEmpty();
    }
  }

  @Test
  void aFailedReplacement_keepsTheOldFile_aGoodOneReplacesIt() throws IOException {
    try (Vmfs vmfs = Images.format(Images.GIB)) {
      Path old = source(2, 2 << 20);
      vmfs.createFile("/f", false, fillFrom(old));
      assertThatThrownBy(() -> vmfs.createFile("/f", false, fillFrom(old))).isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
      assertThatThrownBy(() -> vmfs.createFile("/f", true, file -> {
        file.write(0, ByteBuffer.wrap(Images.content(3, 1 << 20)));
        throw new IOException("source unreadable");
      })).hasMessage("source unreadable");
      assertThat(Images.readAll(vmfs.openFile("/f"))).isEqualTo(Files.readAllBytes(old));

      Path next = source(4, 5 << 20);
      vmfs.createFile("/f", true, fillFrom(next));
      assertThat(Images.readAll(vmfs.openFile("/f"))).isEqualTo(Files.readAllBytes(next));
      assertThat(vmfs.list("/")).extracting(FileStat::name).contains("f").noneMatch(name -> name.startsWith(".vmfskit"));
      assertThat(VolumeChecker.check(vmfs).problems()).isEmpty();
    }
  }

  @Test
  void everyCutPoint_leavesTheNameAbsentOrTheFileWhole() throws IOException {
    SparseMemoryBlockDevice template = new SparseMemoryBlockDevice(0);
    Vmfs.format(template, Images.options(Images.GIB)).close();
    Path src = source(5, (5 << 20) + 77);
    byte[] expected = Files.readAllBytes(src);
    FaultInjectingBlockDevice counter = new FaultInjectingBlockDevice(new CopyOnWriteBlockDevice(template));
    Vmfs.open(counter).createFile("/f", false, fillFrom(src));
    long total = counter.writes();
    List<String> failures = new ArrayList<>();
    for (long cut = 1; cut <= total + 1; cut++) {
      CopyOnWriteBlockDevice disk = new CopyOnWriteBlockDevice(template);
      try {
        Vmfs.open(new FaultInjectingBlockDevice(disk, cut, FaultInjectingBlockDevice.Mode.DROP, 0)).createFile("/f", false, fillFrom(src));
      } catch (IOException expectedCut) {
        // The crash.
      }
      try (Vmfs after = Vmfs.open(disk)) {
        if (after.exists("/f") && !java.util.Arrays.equals(Images.readAll(after.openFile("/f")), expected)) {
          failures.add("cut %d: /f is there with %d bytes".formatted(cut, after.stat("/f").size()));
        }
        if (!VolumeChecker.check(after).problems().isEmpty()) {
          failures.add("cut %d: %s".formatted(cut, VolumeChecker.check(after).problems()));
        }
      }
    }
    assertThat(failures).isEmpty();
  }
}
