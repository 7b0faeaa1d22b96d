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
 * {@code vmfs fsck} and {@code --repair} on an image left by a power cut in the middle of a delete
 * (with the journal, and with the journal turned off), and the write lock that refuses a second
 * writer while readers still get in.
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

  private static String sha256(Path file) throws Exception {
    return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  /** Cuts the power at write {@code cut} of {@code fs.delete(path)} on the image. */
  private static void cutDuringDelete(Path image, long cut, String path) throws Exception {
    try (FileChannelBlockDevice device = FileChannelBlockDevice.openWritable(image)) {
      FaultInjectingBlockDevice faulty = new FaultInjectingBlockDevice(device, cut, FaultInjectingBlockDevice.Mode.DROP, 0);
      Vmfs fs = Vmfs.open(faulty);
      assertThatThrownBy(() -> fs.delete(path)).isInstanceOf(FaultInjectingBlockDevice.PowerCutException.class);
    }
  }

  @Test
  void fsck_afterCutDuringDelete_replaysTheJournalInMemory_andRepairReplaysItOnDisk() throws Exception {
    Path image = imageWithFiles();
    // Write 1 of the delete is its journal record, write 2 its first in-place write: cut there.
    cutDuringDelete(image, 2, "/d/f1");
    String hash = sha256(image);
    Run before = vmfs("fsck", image.toString());
    assertThat(before.status()).as(before.out()).isZero();
    assertThat(before.out()).contains("0 problem(s)").contains("replayed in memory (read-only open)");
    assertThat(vmfs("ls", image.toString(), "/d").out()).doesNotContain("f1").contains("f2");
    assertThat(sha256(image)).as("a read-only fsck writes nothing").isEqualTo(hash);
    Run repair = vmfs("fsck", image.toString(), "--repair");
    assertThat(repair.status()).as(repair.out()).isZero();
    Run after = vmfs("fsck", image.toString());
    assertThat(after.status()).as(after.out()).isZero();
    assertThat(after.out()).contains("0 problem(s)").doesNotContain("replayed");
  }

  @Test
  void fsckRepair_withoutAJournal_repairsACutDeleteAndSecondCheckIsClean() throws Exception {
    Path image = imageWithFiles();
    // Data in the journal area (as another writer might leave there) turns the journal off, so
    // the delete uses ordered writes: the entry goes first, the blocks are freed after.
    try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(image, java.nio.file.StandardOpenOption.WRITE)) {
      byte[] foreign = new byte[org.vmfskit.fs.journal.Journal.AREA_BYTES];
      java.util.Arrays.fill(foreign, (byte) 0x5A);
      channel.write(ByteBuffer.wrap(foreign), org.vmfskit.fs.volume.Geometry.deviceOffset(org.vmfskit.fs.journal.Journal.LOGICAL_OFFSET));
    }
    cutDuringDelete(image, 2, "/d/f1");
    Run before = vmfs("fsck", image.toString());
    assertThat(before.status()).as(before.out()).isEqualTo(1);
    assertThat(before.out()).contains("journal: not used");
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
      assertThatThrownBy(() -> Images.openWritable(image)).isInstanceOf(FileSystemException.class).hasMessageContaining("in use by another writer");
      try (Vmfs reader = Images.openReadOnly(image)) {
        assertThat(reader.list("/d")).hasSize(5);
      }
      Run put = vmfs("mkdir", image.toString(), "/x");
      assertThat(put.status()).isEqualTo(1);
      assertThat(put.out()).contains("in use by another writer");
      Run ls = vmfs("ls", image.toString(), "/d");
      assertThat(ls.status()).as(ls.out()).isZero();
    }
    assertThat(Files.size(image)).isPositive();
    Path dir = Path.of("target", "reliability");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("lock.txt"), "second_writer_refused=1\nread_only_opens_while_locked=2\n");
  }
}
