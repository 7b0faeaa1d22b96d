package org.vmfskit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmfskit.fs.device.FileChannelBlockDevice;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.snapshot.DiskSlot;
import org.vmfskit.fs.snapshot.SnapshotManager;

/** The vm and snapshot commands end to end on a sparse image, with exit codes and one-line errors. */
class SnapshotCommandsTest {

  @TempDir Path dir;
  private Path image;

  @BeforeEach
  void createVm() {
    image = dir.resolve("ds.img");
    ok("mkfs", img(), "--size", "1G", "--label", "ds1", "--seed", "5");
    ok("vm", "create", img(), "/vm", "--disk-size", "32M", "--memory", "4M");
  }

  private String img() {
    return image.toString();
  }

  private static CliRunner.Run ok(String... args) {
    CliRunner.Run run = CliRunner.run(args);
    assertThat(run.exitCode()).as("%s: %s", String.join(" ", args), run.stderr()).isZero();
    return run;
  }

  private Path file(String name, int length, int value) throws Exception {
    byte[] data = new byte[length];
    Arrays.fill(data, (byte) value);
    Path path = dir.resolve(name);
    Files.write(path, data);
    return path;
  }

  private byte[] liveDisk(int length) throws Exception {
    try (Vmfs vmfs = Vmfs.open(FileChannelBlockDevice.openReadOnly(image))) {
      ByteBuffer buffer = ByteBuffer.allocate(length);
      SnapshotManager.open(vmfs, "/vm").readDisk(DiskSlot.scsi(0, 0), 0, buffer);
      return buffer.array();
    }
  }

  @Test
  void takeWriteRevert_listShowsTheTreeAndYouAreHere() throws Exception {
    ok("vm", "write-disk", img(), "/vm", "--offset", "0", "--from", file("one", 9000, 1).toString());
    ok("vm", "write-memory", img(), "/vm", "--offset", "4096", "--from", file("mem", 5000, 3).toString());
    CliRunner.Run take = ok("snapshot", "take", img(), "/vm", "clean", "--memory", "--description", "before the update");
    assertThat(take.out()).contains("uid 1").contains("with memory").contains("sha256:");
    byte[] clean = liveDisk(20000);
    ok("vm", "write-disk", img(), "/vm", "--offset", "0", "--from", file("two", 20000, 2).toString());
    ok("snapshot", "take", img(), "/vm", "updated");
    ok("snapshot", "revert", img(), "/vm", "clean");
    assertThat(liveDisk(20000)).isEqualTo(clean);
    ok("snapshot", "take", img(), "/vm", "branch");

    String list = ok("snapshot", "list", img(), "/vm").out();
    assertThat(list).contains("clean").contains("updated").contains("branch").contains("You are here").doesNotContain("Consolidation");
    assertThat(list.indexOf("You are here")).isGreaterThan(list.indexOf("branch"));
    JsonNode json = new ObjectMapper().readTree(ok("snapshot", "list", img(), "/vm", "--json").out());
    assertThat(json.get("current").asInt()).isEqualTo(3);
    assertThat(json.get("snapshots")).hasSize(3);
    assertThat(json.get("snapshots").get(2).get("parent").asInt()).isEqualTo(1);
    assertThat(json.get("needConsolidate").asBoolean()).isFalse();

    assertThat(ok("snapshot", "verify", img(), "/vm").out()).contains("OK").doesNotContain("CHANGED");
    ok("snapshot", "delete", img(), "/vm", "updated");
    ok("snapshot", "delete", img(), "/vm", "--all");
    assertThat(liveDisk(20000)).isEqualTo(clean);
    assertThat(ok("ls", img(), "/vm").out().lines()).containsExactlyInAnyOrder("vm-flat.vmdk", "vm.vmdk", "vm.vmem", "vm.vmsd", "vm.vmx");
  }

  @Test
  void clones_fullAndLinked() throws Exception {
    ok("vm", "write-disk", img(), "/vm", "--offset", "512", "--from", file("one", 3000, 7).toString());
    ok("snapshot", "take", img(), "/vm", "s");
    byte[] atS = liveDisk(4000);
    ok("vm", "clone", img(), "/vm", "/full");
    assertThat(ok("cat", img(), "/full/full.vmx").out()).contains("scsi0:0.fileName = \"full.vmdk\"").contains("displayName = \"full\"");
    ok("vm", "clone", img(), "/vm", "/linked", "--linked", "s");
    assertThat(ok("cat", img(), "/linked/linked-000001.vmdk").out()).contains("parentFileNameHint=\"../vm/vm.vmdk\"");
    try (Vmfs vmfs = Vmfs.open(FileChannelBlockDevice.openReadOnly(image))) {
      ByteBuffer buffer = ByteBuffer.allocate(4000);
      SnapshotManager.open(vmfs, "/linked").readDisk(DiskSlot.scsi(0, 0), 0, buffer);
      assertThat(buffer.array()).isEqualTo(atS);
    }
  }

  @Test
  void errors_areOneLineWithExitCodes() throws Exception {
    CliRunner.Run unknown = CliRunner.run("snapshot", "revert", img(), "/vm", "nope");
    assertThat(unknown.exitCode()).isEqualTo(1);
    assertThat(unknown.stderr().strip()).isEqualTo("vmfs: " + img() + ": no snapshot named 'nope'");
    CliRunner.Run noVm = CliRunner.run("snapshot", "list", img(), "/nothing");
    assertThat(noVm.exitCode()).isEqualTo(1);
    assertThat(noVm.stderr()).startsWith("vmfs: " + img() + ": ").hasLineCount(1);
    assertThat(CliRunner.run("snapshot", "delete", img(), "/vm").exitCode()).isEqualTo(2);
    assertThat(CliRunner.run("snapshot", "take", img(), "/vm").exitCode()).isEqualTo(2);
    assertThat(CliRunner.run("vm", "create", img(), "/vm2", "--disk-size", "1M", "--memory", "3K").exitCode()).isEqualTo(2);
    CliRunner.Run exists = CliRunner.run("vm", "create", img(), "/vm", "--disk-size", "1M");
    assertThat(exists.exitCode()).isEqualTo(1);
    assertThat(exists.stderr()).contains("already exists");
  }

  @Test
  void readCommands_neverWriteTheImage() throws Exception {
    ok("snapshot", "take", img(), "/vm", "s");
    String before = sha256(image);
    long modified = Files.getLastModifiedTime(image).toMillis();
    ok("snapshot", "list", img(), "/vm");
    ok("snapshot", "verify", img(), "/vm", "s");
    assertThat(Files.getLastModifiedTime(image).toMillis()).isEqualTo(modified);
    assertThat(sha256(image)).isEqualTo(before);
  }

  private static String sha256(Path path) throws Exception {
    java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
    try (var in = Files.newInputStream(path)) {
      byte[] buffer = new byte[1 << 20];
      for (int n; (n = in.read(buffer)) > 0; ) {
        sha.update(buffer, 0, n);
      }
    }
    return java.util.HexFormat.of().formatHex(sha.digest());
  }

  @Test
  void verify_reportsAChangedFrozenDisk() throws Exception {
    ok("vm", "write-disk", img(), "/vm", "--offset", "0", "--from", file("one", 1000, 1).toString());
    ok("snapshot", "take", img(), "/vm", "s");
    // Change the frozen base's flat extent behind the snapshot's back.
    try (Vmfs vmfs = Vmfs.open(FileChannelBlockDevice.openWritable(image))) {
      vmfs.openFile("/vm/vm-flat.vmdk").write(0, ByteBuffer.wrap(new byte[] {42}));
    }
    CliRunner.Run verify = CliRunner.run("snapshot", "verify", img(), "/vm");
    assertThat(verify.exitCode()).isEqualTo(1);
    assertThat(verify.out()).contains("CHANGED");
    assertThat(verify.stderr()).startsWith("vmfs: " + img() + ": snapshot digest mismatch");
  }
}
