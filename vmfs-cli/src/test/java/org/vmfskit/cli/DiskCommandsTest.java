package org.vmfskit.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vmfskit.fs.compat.ExternalTool;

/** The disk commands on a datastore image and on a host directory. */
class DiskCommandsTest {

  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"thin", "zeroedthick", "eagerzeroedthick"})
  void createWriteReadExport_onADatastore(String type) throws Exception {
    String img = dir.resolve("ds.img").toString();
    assertThat(CliRunner.run("mkfs", img, "--size", "1G", "--seed", "1").exitCode()).isZero();
    assertThat(CliRunner.run("mkdir", img, "/vm").exitCode()).isZero();
    CliRunner.Run create = CliRunner.run("disk", "create", img, "vm/vm.vmdk", "--size", "32M", "--type", type);
    assertThat(create.exitCode()).as(create.stderr()).isZero();
    byte[] data = VolumeCommandsTest.random(700_000, 3);
    Path from = dir.resolve("w.bin");
    Files.write(from, data);
    assertThat(CliRunner.run("disk", "write", img, "vm/vm.vmdk", "--offset", "12345", "--from", from.toString()).exitCode()).isZero();
    CliRunner.Run read = CliRunner.run("disk", "read", img, "vm/vm.vmdk", "--offset", "12345", "--length", "700000");
    assertThat(read.stdout()).isEqualTo(data);
    JsonNode info = new ObjectMapper().readTree(CliRunner.run("disk", "info", img, "vm/vm.vmdk", "--json").stdout());
    assertThat(info.get("capacityBytes").asLong()).isEqualTo(32L << 20);
    assertThat(info.get("chain").get(0).get("createType").asText()).isEqualTo("vmfs");

    Path raw = dir.resolve("out.raw");
    assertThat(CliRunner.run("disk", "export", img, "vm/vm.vmdk", raw.toString()).exitCode()).isZero();
    byte[] expected = new byte[32 << 20];
    System.arraycopy(data, 0, expected, 12345, data.length);
    assertThat(Arrays.equals(Files.readAllBytes(raw), expected)).isTrue();
    assertThat(CliRunner.run("fsck", img).exitCode()).isZero();

    assumeTrue(ExternalTool.available("qemu-img"), "qemu-img not installed (apt-get install qemu-utils)");
    Path sparse = dir.resolve("out-sparse.vmdk");
    assertThat(CliRunner.run("disk", "export", img, "vm/vm.vmdk", sparse.toString(), "--format", "monolithicSparse").exitCode()).isZero();
    ExternalTool.Result compare = ExternalTool.run(60, "qemu-img", "compare", "-f", "vmdk", "-F", "raw", sparse.toString(), raw.toString());
    assertThat(compare.exitCode()).as(compare.stdout() + compare.stderr()).isZero();
    // A guest WRITE ZEROES through the CLI, then the same export again.
    assertThat(CliRunner.run("disk", "zero", img, "vm/vm.vmdk", "--offset", "12400", "--length", "1000").exitCode()).isZero();
    Path zeroed = dir.resolve("out-zeroed.raw");
    assertThat(CliRunner.run("disk", "export", img, "vm/vm.vmdk", zeroed.toString()).exitCode()).isZero();
    java.util.Arrays.fill(expected, 12400, 13400, (byte) 0);
    assertThat(Arrays.equals(Files.readAllBytes(zeroed), expected)).isTrue();
    Files.write(raw, expected);
    Path stream = dir.resolve("out-stream.vmdk");
    assertThat(CliRunner.run("disk", "export", img, "vm/vm.vmdk", stream.toString(), "--format", "streamOptimized").exitCode()).isZero();
    compare = ExternalTool.run(60, "qemu-img", "compare", "-f", "vmdk", "-F", "raw", stream.toString(), raw.toString());
    assertThat(compare.exitCode()).as(compare.stdout() + compare.stderr()).isZero();
    Path flat = dir.resolve("out-flat-export.vmdk");
    assertThat(CliRunner.run("disk", "export", img, "vm/vm.vmdk", flat.toString(), "--format", "flat").exitCode()).isZero();
    compare = ExternalTool.run(60, "qemu-img", "compare", "-f", "vmdk", "-F", "raw", flat.toString(), raw.toString());
    assertThat(compare.exitCode()).as(compare.stdout() + compare.stderr()).isZero();
  }

  @Test
  void hostMode_worksOnADirectory() throws Exception {
    Path store = Files.createDirectories(dir.resolve("store"));
    assertThat(CliRunner.run("disk", "create", store.toString(), "d.vmdk", "--size", "4M", "--host").exitCode()).isZero();
    Path from = dir.resolve("w.bin");
    Files.write(from, new byte[] {1, 2, 3, 4});
    assertThat(CliRunner.run("disk", "write", store.toString(), "d.vmdk", "--offset", "512", "--from", from.toString(), "--host").exitCode()).isZero();
    assertThat(CliRunner.run("disk", "read", store.toString(), "d.vmdk", "--offset", "512", "--length", "4", "--host").stdout()).containsExactly(1, 2, 3, 4);
    assertThat(Files.exists(store.resolve("d-flat.vmdk"))).isTrue();
  }

  @Test
  void badRequests_areUsageErrors() throws Exception {
    String img = dir.resolve("ds.img").toString();
    CliRunner.run("mkfs", img, "--size", "1G");
    CliRunner.run("disk", "create", img, "d.vmdk", "--size", "1M");
    assertThat(CliRunner.run("disk", "create", img, "e.vmdk", "--size", "1M", "--type", "fat").exitCode()).isEqualTo(2);
    assertThat(CliRunner.run("disk", "read", img, "d.vmdk", "--offset", "2M").exitCode()).isEqualTo(2);
    CliRunner.Run missing = CliRunner.run("disk", "info", img, "nope.vmdk");
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.stderr()).startsWith("vmfs: " + img + ": ");
    assertThat(CliRunner.run("disk", "create", "--help").exitCode()).isZero();
  }
}
