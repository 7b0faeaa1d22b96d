package org.vmfskit.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmfskit.fs.device.FaultInjectingBlockDevice;
import org.vmfskit.fs.device.FileChannelBlockDevice;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.volume.FormatOptions;

/**
 * {@code vmfs fsck --repair} on an image left by a power cut in the middle of a delete, and the
 * write lock that refuses a second writer while readers still get in.
 */
class FsckRepairAndLockTest {

  @TempDir Path dir;

  private record Run(int status, String out) {}

  private static Run vmfs(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = new VmfsCli(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)).run(args);
    return new Run(status, out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8));
  }

  private Path imageWithFiles() throws Exception {
    Path image = dir.resolve("ds.img");
    FormatOptions options = FormatOptions.builder(256L << 20).label("t").seed(1).timeSeconds(1_700_000_000L).build();
    try (Vmfs fs = Vmfs.format(FileChannelBlockDevice.create(image, options.imageBytes()), options)) {
      fs.mkdir("/d");
      for (int i = 0; i < 5; i++) {
        fs.createFile("/d/f" + i).write(0, ByteBuffer.wrap(new byte[3 << 20]));
      }
    }
    return image;
  }

  @Test
  void fsckRepair_afterCutDuringDelete_repairsAndSecondCheckIsClean() throws Exception {
    Path image = imageWithFiles();
    // Cut the power at the second write of a delete: the entry is gone, the blocks not yet freed.
    try (FileChannelBlockDevice device = FileChannelBlockDevice.openWritable(image)) {
      FaultInjectingBlockDevice faulty = new FaultInjectingBlockDevice(device, 2, FaultInjectingBlockDevice.Mode.DROP, 0);
      Vmfs fs = Vmfs.open(faulty);
      assertThatThrownBy(() -> fs.delete("/d/f1")).isInstanceOf(FaultInjectingBlockDevice.PowerCutException.class);
    }
    Run before = vmfs("fsck", image.toString());
    assertThat(before.status()).isEqualTo(1);
    Run repair = vmfs("fsck", image.toString(), "--repair");
    assertThat(repair.out()).contains("repaired: ");
    assertThat(repair.status()).as(repair.out()).isZero();
    Run after = vmfs("fsck", image.toString());
    assertThat(after.status()).as(after.out()).isZero();
    assertThat(after.out()).contains("0 problem(s)");
  }

  @Test
  void secondWriter_isRefused_whileReadersStillOpen() throws Exception {
    Path image = imageWithFiles();
    try (Vmfs writer = Images.openWritable(image)) {
      assertThatThrownBy(() -> Images.openWritable(image)).isInstanceOf(FileSystemException.class).hasMessageContaining("in use by another vmfs process");
      try (Vmfs reader = Images.openReadOnly(image)) {
        assertThat(reader.list("/d")).hasSize(5);
      }
      Run put = vmfs("mkdir", image.toString(), "/x");
      assertThat(put.status()).isEqualTo(1);
      assertThat(put.out()).contains("in use by another vmfs process");
      Run ls = vmfs("ls", image.toString(), "/d");
      assertThat(ls.status()).as(ls.out()).isZero();
    }
    assertThat(Files.size(image)).isPositive();
    Path dir = Path.of("target", "reliability");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("lock.txt"), "second_writer_refused=1\nread_only_opens_while_locked=2\n");
  }
}
