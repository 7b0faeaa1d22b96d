package org.vmfskit.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmfskit.fs.compat.ExternalTool;

/** disk rename, rm, clone and extend (vmkfstools -E, -U, -i, -X) on a datastore and on a host directory. */
class DiskFileCommandsTest {

  @TempDir Path dir;

  private static CliRunner.Run ok(String... args) {
    CliRunner.Run run = CliRunner.run(args);
    assertThat(run.exitCode()).as(String.join(" ", args) + ": " + run.stderr()).isZero();
    return run;
  }

  private Path data(long seed) throws Exception {
    Path from = dir.resolve("w" + seed + ".bin");
    Files.write(from, VolumeCommandsTest.random(300_000, seed));
    return from;
  }

  @Test
  void onADatastore_allFilesOfTheDiskMoveAndTheBytesFollow() throws Exception {
    String img = dir.resolve("ds.img").toString();
    ok("mkfs", img, "--size", "1G", "--seed", "2");
    ok("mkdir", img, "/a");
    ok("mkdir", img, "/b");
    ok("disk", "create", img, "a/d.vmdk", "--size", "8M");
    ok("disk", "write", img, "a/d.vmdk", "--offset", "1M", "--from", data(1).toString());
    byte[] before = ok("disk", "read", img, "a/d.vmdk").stdout();

    ok("disk", "rename", img, "a/d.vmdk", "b/e.vmdk");
    assertThat(ok("ls", img, "/a").out()).isEmpty();
    assertThat(ok("ls", img, "/b").out().lines()).containsExactlyInAnyOrder("e-flat.vmdk", "e.vmdk");
    assertThat(ok("cat", img, "/b/e.vmdk").out()).contains("\"e-flat.vmdk\"").doesNotContain("d-flat");
    assertThat(ok("disk", "read", img, "b/e.vmdk").stdout()).isEqualTo(before);

    ok("disk", "clone", img, "b/e.vmdk", "b/c.vmdk", "--type", "zeroedthick");
    assertThat(ok("disk", "read", img, "b/c.vmdk").stdout()).isEqualTo(before);
    assertThat(ok("cat", img, "/b/c.vmdk").out()).doesNotContain("thinProvisioned");

    ok("disk", "extend", img, "b/e.vmdk", "--size", "12M");
    JsonNode info = new ObjectMapper().readTree(ok("disk", "info", img, "b/e.vmdk", "--json").stdout());
    assertThat(info.get("capacityBytes").asLong()).isEqualTo(12L << 20);
    byte[] grown = ok("disk", "read", img, "b/e.vmdk").stdout();
    assertThat(java.util.Arrays.copyOf(grown, 8 << 20)).isEqualTo(before);
    assertThat(java.util.Arrays.copyOfRange(grown, 8 << 20, 12 << 20)).isEqualTo(new byte[4 << 20]);

    ok("disk", "rm", img, "b/c.vmdk");
    assertThat(ok("ls", img, "/b").out().lines()).containsExactlyInAnyOrder("e-flat.vmdk", "e.vmdk");
    assertThat(ok("fsck", img).exitCode()).isZero();
  }

  @Test
  void aDiskWithASnapshotOnTop_isNotRenamedDeletedOrExtended() throws Exception {
    String img = dir.resolve("ds.img").toString();
    ok("mkfs", img, "--size", "1G", "--seed", "2");
    ok("vm", "create", img, "/vm", "--disk-size", "8M");
    ok("snapshot", "take", img, "/vm", "s1");
    for (String[] args : new String[][] {{"disk", "rename", img, "vm/vm.vmdk", "vm/x.vmdk"}, {"disk", "rm", img, "vm/vm.vmdk"},
        {"disk", "extend", img, "vm/vm.vmdk", "--size", "16M"}}) {
      CliRunner.Run run = CliRunner.run(args);
      assertThat(run.exitCode()).as(String.join(" ", args)).isEqualTo(1);
      assertThat(run.stderr()).as(String.join(" ", args)).contains("has a snapshot (delta) on top: vm/vm-000001.vmdk");
    }
    CliRunner.Run delta = CliRunner.run("disk", "extend", img, "vm/vm-000001.vmdk", "--size", "16M");
    assertThat(delta.stderr()).contains("is a delta");
    CliRunner.Run shrink = CliRunner.run("disk", "create", img, "s.vmdk", "--size", "4M");
    assertThat(shrink.exitCode()).isZero();
    shrink = CliRunner.run("disk", "extend", img, "s.vmdk", "--size", "2M");
    assertThat(shrink.exitCode()).isEqualTo(1);
    assertThat(shrink.stderr()).contains("is not larger than the capacity");
    // The flattened chain clones into a base disk.
    ok("disk", "clone", img, "vm/vm-000001.vmdk", "flat.vmdk");
    assertThat(ok("disk", "read", img, "flat.vmdk").stdout()).isEqualTo(ok("disk", "read", img, "vm/vm-000001.vmdk").stdout());
    assertThat(ok("fsck", img).exitCode()).isZero();
  }

  @Test
  void onAHostDirectory_qemuImgReadsTheResults() throws Exception {
    assumeTrue(ExternalTool.available("qemu-img"), "qemu-img not installed (apt-get install qemu-utils); host disk results not checked by it");
    Path store = Files.createDirectories(dir.resolve("store"));
    String s = store.toString();
    ok("disk", "create", s, "d.vmdk", "--size", "8M", "--host");
    ok("disk", "write", s, "d.vmdk", "--offset", "3M", "--from", data(4).toString(), "--host");
    ok("disk", "clone", s, "d.vmdk", "c.vmdk", "--type", "eagerzeroedthick", "--host");
    ExternalTool.Result compare = ExternalTool.run(60, "qemu-img", "compare", "-f", "vmdk", "-F", "vmdk",
        store.resolve("d.vmdk").toString(), store.resolve("c.vmdk").toString());
    assertThat(compare.exitCode()).as(compare.stdout() + compare.stderr()).isZero();

    ok("disk", "extend", s, "d.vmdk", "--size", "20M", "--host");
    ExternalTool.Result info = ExternalTool.run(60, "qemu-img", "info", "--output=json", store.resolve("d.vmdk").toString());
    assertThat(new ObjectMapper().readTree(info.stdout()).get("virtual-size").asLong()).isEqualTo(20L << 20);
    ok("disk", "rename", s, "d.vmdk", "e.vmdk", "--host");
    assertThat(Files.exists(store.resolve("d-flat.vmdk"))).isFalse();
    assertThat(Files.exists(store.resolve("e-flat.vmdk"))).isTrue();
    // The renamed, grown disk holds the clone's bytes and zeros after them.
    compare = ExternalTool.run(60, "qemu-img", "compare", "-f", "vmdk", "-F", "vmdk", store.resolve("e.vmdk").toString(), store.resolve("c.vmdk").toString());
    assertThat(compare.exitCode()).as(compare.stdout() + compare.stderr()).isZero();

    // A qemu-made child (monolithicSparse, descriptor inside) blocks changes to its parent.
    ExternalTool.Result child = ExternalTool.run(60, "qemu-img", "create", "-f", "vmdk", "-b", "c.vmdk", "-F", "vmdk",
        store.resolve("child.vmdk").toString());
    assertThat(child.exitCode()).as(child.stderr()).isZero();
    CliRunner.Run refused = CliRunner.run("disk", "rm", s, "c.vmdk", "--host");
    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.stderr()).contains("has a snapshot (delta) on top: child.vmdk");
    ok("disk", "rm", s, "child.vmdk", "--host");
    ok("disk", "rm", s, "c.vmdk", "--host");
    ok("disk", "rm", s, "e.vmdk", "--host");
    try (var files = Files.list(store)) {
      assertThat(files).isEmpty();
    }
  }
}
