package org.vmfskit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmfskit.fs.device.FileChannelBlockDevice;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.vmdk.DiskStore;
import org.vmfskit.fs.vmdk.VirtualDisk;
import org.vmfskit.fs.vmdk.VmfsDiskStore;
import org.vmfskit.fs.volume.FormatOptions;
import org.vmfskit.recovery.RecoveryReport;

/** vmfs scan and vmfs recover on a sparse image file: exit codes, output, and an image whose SHA-256 never changes. */
class RecoveryCommandsTest {

  @TempDir Path dir;
  private Path image;

  /** A datastore with one VM whose snapshot delta was deleted by a revert (minimal emulation). */
  @BeforeEach
  void image() throws Exception {
    image = dir.resolve("ds.img");
    try (Vmfs vmfs = Vmfs.format(FileChannelBlockDevice.create(image, 0), FormatOptions.builder(1L << 30).seed(5).timeSeconds(1_700_000_000).build())) {
      vmfs.mkdir("/vm");
      VmfsDiskStore store = VmfsDiskStore.of(vmfs);
      SplittableRandom random = new SplittableRandom(3);
      try (VirtualDisk base = VirtualDisk.createBase(store, "/vm/vm.vmdk", 256L << 20, DiskStore.Allocation.THIN)) {
        base.write(0, random(random, 1 << 20));
        try (VirtualDisk delta = VirtualDisk.createDelta(base, "/vm/vm-000001.vmdk", VirtualDisk.DeltaFormat.VMFS_SPARSE)) {
          for (int i = 0; i < 40; i++) {
            delta.write(random.nextLong(4096) * 65536, random(random, 65536));
          }
        }
      }
      vmfs.delete("/vm/vm-000001.vmdk");
      vmfs.delete("/vm/vm-000001-delta.vmdk");
      try (VirtualDisk base = VirtualDisk.open(store, "/vm/vm.vmdk", false);
          VirtualDisk fresh = VirtualDisk.createDelta(base, "/vm/vm-000002.vmdk", VirtualDisk.DeltaFormat.VMFS_SPARSE)) {
        fresh.write(0, random(random, 4096));
      }
    }
  }

  private static ByteBuffer random(SplittableRandom random, int bytes) {
    byte[] data = new byte[bytes];
    random.nextBytes(data);
    return ByteBuffer.wrap(data);
  }

  @Test
  void scanAndRecover_leaveTheImageUnchanged_andWriteAQemuReadableChain() throws Exception {
    Path out = dir.resolve("out");
    String before = RecoveryReport.sha256(image);

    CliRunner.Run scan = CliRunner.run("scan", image.toString(), "--json");
    assertThat(scan.exitCode()).as(scan.stderr()).isZero();
    assertThat(scan.out()).contains("\"format\" : \"vmfsSparse\"").contains("\"source\" : \"carved\"").contains("\"bytesRead\"");

    CliRunner.Run recover = CliRunner.run("recover", image.toString(), "--out", out.toString(), "--chain", "--full", "--format",
        "monolithicSparse", "--quiet");
    assertThat(recover.exitCode()).as(recover.stderr()).isZero();
    assertThat(recover.out()).contains("(unchanged)");
    assertThat(out.resolve("report.json")).exists();
    assertThat(out.resolve("report.txt")).exists();
    assertThat(Files.readString(out.resolve("report.json"))).contains("\"imageUnchanged\" : true").contains("\"sha256\"");
    assertThat(out.resolve("vm-000001-recovered-delta.vmdk")).exists();
    assertThat(out.resolve("vm-000001-recovered-full.vmdk")).exists();
    assertThat(out.resolve("vm-flat.vmdk")).exists();

    assertThat(RecoveryReport.sha256(image)).isEqualTo(before);
  }

  @Test
  void recover_withUnknownCandidate_failsWithOneLine_andUsageErrorsExitTwo() throws Exception {
    CliRunner.Run unknown = CliRunner.run("recover", image.toString(), "--out", dir.resolve("o").toString(), "--candidate", "c9", "--quiet");
    assertThat(unknown.exitCode()).isEqualTo(1);
    assertThat(unknown.stderr().strip()).doesNotContain("\n").contains("no candidate c9");
    assertThat(CliRunner.run("recover", image.toString()).exitCode()).isEqualTo(2);
    assertThat(CliRunner.run("recover", image.toString(), "--out", dir.resolve("o").toString(), "--format", "vhd").exitCode()).isEqualTo(2);
    assertThat(CliRunner.run("scan").exitCode()).isEqualTo(2);
    assertThat(CliRunner.run("recover", image.toString(), "--out", dir.resolve("o").toString(), "--full").exitCode()).isEqualTo(2);
  }

  @Test
  void recover_byDefault_writesTheFlattenedDiskOnly_hashedAsWritten_andTheImagesStat() throws Exception {
    Path out = dir.resolve("out");
    CliRunner.Run recover = CliRunner.run("recover", image.toString(), "--out", out.toString(), "--json", "--quiet");
    assertThat(recover.exitCode()).as(recover.stderr()).isZero();
    try (var files = Files.list(out)) {
      assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactlyInAnyOrder("report.json", "report.txt",
          "vm-000001-recovered-full.vmdk", "vm-000001-recovered-full-flat.vmdk");
    }
    String json = recover.out();
    String flat = RecoveryReport.sha256(out.resolve("vm-000001-recovered-full-flat.vmdk"));
    assertThat(json).contains("\"sha256\" : \"" + flat + "\"").contains("\"ctime\"").contains("\"imageSha256\" : \"" + RecoveryReport.sha256(image) + "\"");
  }

  @Test
  void recover_withNothingToFind_exitsOne_andSaysWhatItExamined() throws Exception {
    Path empty = dir.resolve("empty.img");
    Vmfs.format(FileChannelBlockDevice.create(empty, 0), FormatOptions.builder(1L << 30).seed(6).build()).close();
    CliRunner.Run run = CliRunner.run("recover", empty.toString(), "--out", dir.resolve("o").toString(), "--quiet");
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stderr().strip()).doesNotContain("\n")
        .matches("vmfs: .*empty.img: no orphaned delta found: \\d+ free MAPs \\(\\d+ empty\\), \\d+ free FDs and \\d+ free blocks examined");
    assertThat(dir.resolve("o")).doesNotExist();
  }

  @Test
  void recover_intoAnExistingDirectory_isRefusedNamingIt_andForceReplacesIt() throws Exception {
    Path out = dir.resolve("out");
    Files.createDirectories(out);
    Files.writeString(out.resolve("notes.txt"), "an analyst's notes");
    CliRunner.Run refused = CliRunner.run("recover", image.toString(), "--out", out.toString(), "--quiet");
    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.stderr().strip()).startsWith("vmfs: " + out.toAbsolutePath() + ": ").contains("--force").doesNotContain("ds.img");
    assertThat(out.resolve("notes.txt")).exists();

    CliRunner.Run forced = CliRunner.run("recover", image.toString(), "--out", out.toString(), "--force", "--quiet");
    assertThat(forced.exitCode()).as(forced.stderr()).isZero();
    assertThat(out.resolve("notes.txt")).doesNotExist();
    assertThat(out.resolve("vm-000001-recovered-full-flat.vmdk")).exists();
  }

  @Test
  void recover_whoseOutputCannotBeWritten_namesTheOutputNotTheImage_andLeavesNothing() throws Exception {
    Path blocker = dir.resolve("blocker");
    Files.writeString(blocker, "a file where a directory should be");
    Path out = blocker.resolve("out");
    CliRunner.Run run = CliRunner.run("recover", image.toString(), "--out", out.toString(), "--quiet");
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stderr().strip()).doesNotContain("\n").startsWith("vmfs: " + out.toAbsolutePath() + ": ").doesNotContain("ds.img");
  }
}
