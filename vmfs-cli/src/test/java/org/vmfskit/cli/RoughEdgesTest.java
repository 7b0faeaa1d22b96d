package org.vmfskit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 11's rough edges: size suffixes on offsets, export and clone progress, real progress totals, VMFS3 read-only. */
class RoughEdgesTest {

  @TempDir Path dir;
  private String img;

  @BeforeEach
  void datastore() {
    img = dir.resolve("ds.img").toString();
    assertThat(CliRunner.run("mkfs", img, "--size", "1G", "--seed", "4").exitCode()).isZero();
  }

  @Test
  void offsetsAndLengths_takeSizeSuffixes() throws Exception {
    assertThat(CliRunner.run("disk", "create", img, "d.vmdk", "--size", "4M").exitCode()).isZero();
    Path from = dir.resolve("w.bin");
    byte[] data = VolumeCommandsTest.random(4096, 5);
    Files.write(from, data);
    CliRunner.Run write = CliRunner.run("disk", "write", img, "d.vmdk", "--offset", "1M", "--from", from.toString());
    assertThat(write.exitCode()).as(write.stderr()).isZero();
    CliRunner.Run read = CliRunner.run("disk", "read", img, "d.vmdk", "--offset", "1M", "--length", "4K");
    assertThat(read.stdout()).isEqualTo(data);
    assertThat(CliRunner.run("vm", "create", img, "/vm", "--disk-size", "4M", "--memory", "4M").exitCode()).isZero();
    CliRunner.Run disk = CliRunner.run("vm", "write-disk", img, "/vm", "--offset", "2M", "--from", from.toString());
    assertThat(disk.exitCode()).as(disk.stderr()).isZero();
    CliRunner.Run memory = CliRunner.run("vm", "write-memory", img, "/vm", "--offset", "1MiB", "--from", from.toString());
    assertThat(memory.exitCode()).as(memory.stderr()).isZero();
    CliRunner.Run bad = CliRunner.run("vm", "write-disk", img, "/vm", "--offset", "2X", "--from", from.toString());
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.stderr()).contains("bad size for --offset: '2X'");
  }

  @Test
  void diskExportAndClone_showProgressOnATerminal() throws Exception {
    assertThat(CliRunner.run("disk", "create", img, "d.vmdk", "--size", "64M").exitCode()).isZero();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = new VmfsCli(new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8), true)
        .run(new String[] {"disk", "export", img, "d.vmdk", dir.resolve("out.raw").toString()});
    assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("export").contains("64/64 MiB");
    ByteArrayOutputStream quiet = new ByteArrayOutputStream();
    new VmfsCli(new PrintStream(new ByteArrayOutputStream()), new PrintStream(quiet, true, StandardCharsets.UTF_8), true)
        .run(new String[] {"disk", "export", img, "d.vmdk", dir.resolve("out2.raw").toString(), "--quiet"});
    assertThat(quiet.toString(StandardCharsets.UTF_8)).isEmpty();
    ByteArrayOutputStream clone = new ByteArrayOutputStream();
    code = new VmfsCli(new PrintStream(new ByteArrayOutputStream()), new PrintStream(clone, true, StandardCharsets.UTF_8), true)
        .run(new String[] {"disk", "clone", img, "d.vmdk", "c.vmdk"});
    assertThat(code).as(clone.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(clone.toString(StandardCharsets.UTF_8)).contains("clone").contains("64/64 MiB");
  }

  @Test
  void aPhaseCountingSteps_showsItsRealTotal() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (ProgressBars bars = new ProgressBars(new CliContext(System.out, new PrintStream(err, true, StandardCharsets.UTF_8), true))) {
      bars.update("flattening", 0, 1);
      bars.update("flattening", 1, 1);
    }
    String shown = err.toString(StandardCharsets.UTF_8);
    assertThat(shown).contains("flattening").contains("1/1").doesNotContain("0/0");
  }

  @Test
  void aVmfs3Volume_opensReadOnly() throws Exception {
    try (FileChannel channel = FileChannel.open(Path.of(img), StandardOpenOption.WRITE)) {
      // LvmHeader.majorVersion at 0x100004: 3 makes the volume VMFS3's LVM.
      channel.write(ByteBuffer.wrap(new byte[] {3, 0, 0, 0}), 0x100004);
    }
    // Any write would set the modification time to now.
    FileTime past = FileTime.fromMillis(1_000_000_000_000L);
    Files.setLastModifiedTime(Path.of(img), past);
    assertThat(CliRunner.run("ls", img).exitCode()).isZero();
    for (String[] write : new String[][] {{"mkdir", img, "/d"}, {"disk", "create", img, "d.vmdk", "--size", "1M"}, {"fsck", img, "--repair"}}) {
      CliRunner.Run run = CliRunner.run(write);
      assertThat(run.exitCode()).as(String.join(" ", write)).isEqualTo(1);
      assertThat(run.stderr()).as(String.join(" ", write)).contains("a VMFS3 volume (LVM major 3) opens read-only");
    }
    assertThat(Files.getLastModifiedTime(Path.of(img))).as("nothing written").isEqualTo(past);
  }
}
