package org.vmfskit.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmfskit.fs.compat.ExternalTool;

/**
 * Host disks whose parent is named by an absolute path, as {@code qemu-img create -b /abs/base.vmdk}
 * writes it, and host disks named by their path alone, as {@code qemu-img info FILE} takes them.
 */
class HostDiskPathTest {

  @TempDir Path dir;
  private Path store;
  private final byte[] data = VolumeCommandsTest.random(5000, 7);

  /** A vmfs base with data written by vmfskit, and a qemu-made child naming it by its absolute path. */
  @BeforeEach
  void chain() throws Exception {
    assumeTrue(ExternalTool.available("qemu-img"), "qemu-img not installed (apt-get install qemu-utils)");
    store = Files.createDirectory(dir.resolve("store")).toRealPath();
    assertThat(CliRunner.run("disk", "create", store.toString(), "base.vmdk", "--size", "4M", "--host").exitCode()).isZero();
    Path from = dir.resolve("w.bin");
    Files.write(from, data);
    assertThat(CliRunner.run("disk", "write", store.toString(), "base.vmdk", "--offset", "70000", "--from", from.toString(), "--host").exitCode()).isZero();
    qemuChild(store.resolve("child.vmdk"));
  }

  private void qemuChild(Path child) throws Exception {
    Path base = store.resolve("base.vmdk");
    ExternalTool.Result made = ExternalTool.run(60, "qemu-img", "create", "-f", "vmdk", "-b", base.toString(), "-F", "vmdk", child.toString());
    assertThat(made.exitCode()).as(made.stdout() + made.stderr()).isZero();
    assertThat(descriptorOf(child)).contains("parentFileNameHint=\"" + base + "\"");
  }

  /** The embedded descriptor of a monolithicSparse file (text in its first sectors). */
  private static String descriptorOf(Path sparse) throws Exception {
    byte[] head = Files.readAllBytes(sparse);
    return new String(head, 0, Math.min(head.length, 64 << 10), java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  private static JsonNode info(String... args) throws Exception {
    CliRunner.Run run = CliRunner.run(args);
    assertThat(run.exitCode()).as(run.stderr()).isZero();
    return new ObjectMapper().readTree(run.stdout());
  }

  @Test
  void directoryAndPath_followsAnAbsoluteParentInsideTheDirectory() throws Exception {
    JsonNode info = info("disk", "info", store.toString(), "child.vmdk", "--host", "--json");
    assertThat(info.get("chain")).hasSize(2);
    assertThat(info.get("chain").get(1).get("path").asText()).isEqualTo("base.vmdk");
    CliRunner.Run read = CliRunner.run("disk", "read", store.toString(), "child.vmdk", "--offset", "70000", "--length", "5000", "--host");
    assertThat(read.stdout()).isEqualTo(data);
  }

  @Test
  void pathAlone_namesAHostDiskAsQemuImgInfoDoes() throws Exception {
    Path child = store.resolve("child.vmdk");
    JsonNode info = info("disk", "info", child.toString(), "--host", "--json");
    assertThat(info.get("chain")).hasSize(2);
    assertThat(info.get("chain").get(0).get("path").asText()).isEqualTo(child.toString());
    assertThat(info.get("chain").get(1).get("path").asText()).isEqualTo(store.resolve("base.vmdk").toString());
    CliRunner.Run read = CliRunner.run("disk", "read", child.toString(), "--offset", "70000", "--length", "5000", "--host");
    assertThat(read.exitCode()).as(read.stderr()).isZero();
    assertThat(read.stdout()).isEqualTo(data);
    Path raw = dir.resolve("out.raw");
    assertThat(CliRunner.run("disk", "export", child.toString(), raw.toString(), "--host").exitCode()).isZero();
    assertThat(Files.size(raw)).isEqualTo(4 << 20);
  }

  @Test
  void parentOutsideTheDirectory_isRefusedWithTheRemedy_andFollowedByPathAlone() throws Exception {
    Path other = Files.createDirectory(dir.resolve("other")).toRealPath();
    qemuChild(other.resolve("child.vmdk"));
    CliRunner.Run confined = CliRunner.run("disk", "info", other.toString(), "child.vmdk", "--host");
    assertThat(confined.exitCode()).isEqualTo(1);
    assertThat(confined.stderr()).contains("lies outside the host directory").contains("by its own path");
    assertThat(info("disk", "info", other.resolve("child.vmdk").toString(), "--host", "--json").get("chain")).hasSize(2);
  }

  @Test
  void imageLeftOutWithoutHost_isAUsageError() {
    CliRunner.Run run = CliRunner.run("disk", "info", store.resolve("child.vmdk").toString());
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.stderr()).contains("only with --host");
  }
}
