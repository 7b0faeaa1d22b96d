package org.vmfskit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vmfskit.fs.device.FileChannelBlockDevice;

/** The volume commands end to end on sparse image files, with their exit codes and messages. */
class VolumeCommandsTest {

  @TempDir Path dir;
  private Path image;

  @BeforeEach
  void format() {
    image = dir.resolve("ds.img");
    CliRunner.Run run = CliRunner.run("mkfs", image.toString(), "--size", "1G", "--label", "testds", "--seed", "5");
    assertThat(run.exitCode()).as(run.stderr()).isZero();
  }

  private String img() {
    return image.toString();
  }

  @Test
  void mkfs_makesASparseImageThatInfoDescribes() throws Exception {
    assertThat(Files.size(image)).isEqualTo(0x1100000L + (1L << 30));
    CliRunner.Run info = CliRunner.run("info", img(), "--json");
    assertThat(info.exitCode()).isZero();
    JsonNode json = new ObjectMapper().readTree(info.stdout());
    assertThat(json.get("label").asText()).isEqualTo("testds");
    assertThat(json.get("blockSize").asLong()).isEqualTo(1 << 20);
    assertThat(json.get("fsMajor").asInt()).isEqualTo(14);
    assertThat(CliRunner.run("info", img()).out()).contains("VMFS5").contains("testds");
  }

  @Test
  void mkfs_refusesToOverwriteWithoutForce() {
    CliRunner.Run again = CliRunner.run("mkfs", img(), "--size", "1G");
    assertThat(again.exitCode()).isEqualTo(1);
    assertThat(again.stderr()).startsWith("vmfs: " + img() + ": ").contains("already exists");
  }

  @Test
  void putGetCat_roundTripBytesAndKeepHolesSparse() throws Exception {
    Path local = dir.resolve("sparse.bin");
    byte[] head = random(300_000, 1);
    byte[] tail = random(5000, 2);
    try (FileChannel ch = FileChannel.open(local, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.SPARSE)) {
      ch.write(ByteBuffer.wrap(head), 0);
      ch.write(ByteBuffer.wrap(tail), 200L << 20);
    }
    assertThat(CliRunner.run("put", img(), local.toString(), "/sparse.bin").exitCode()).isZero();
    CliRunner.Run ls = CliRunner.run("ls", img(), "/", "--json");
    JsonNode row = new ObjectMapper().readTree(ls.stdout()).get(0);
    assertThat(row.get("name").asText()).isEqualTo("sparse.bin");
    assertThat(row.get("size").asLong()).isEqualTo((200L << 20) + 5000);
    assertThat(row.get("blocks").asLong()).as("only the written blocks are allocated").isEqualTo(2);

    Path back = dir.resolve("back.bin");
    assertThat(CliRunner.run("get", img(), "/sparse.bin", back.toString()).exitCode()).isZero();
    assertThat(sha256(back)).isEqualTo(sha256(local));
    Process du = new ProcessBuilder("du", "-B1", back.toString()).start();
    long allocated = Long.parseLong(new String(du.getInputStream().readAllBytes()).split("\\s+")[0]);
    assertThat(allocated).as("get keeps holes").isLessThan(16L << 20);

    CliRunner.Run cat = CliRunner.run("cat", img(), "/sparse.bin");
    assertThat(cat.stdout().length).isEqualTo((200L << 20) + 5000);
    assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cat.stdout()))).isEqualTo(sha256(local));
  }

  @Test
  void mkdirLnMvRm_changeTheTreeAndFsckStaysClean() throws Exception {
    Path local = dir.resolve("f.bin");
    Files.write(local, random(10_000, 3));
    assertThat(CliRunner.run("mkdir", img(), "/a/b/c", "-p").exitCode()).isZero();
    assertThat(CliRunner.run("put", img(), local.toString(), "/a/b/c/f.bin").exitCode()).isZero();
    assertThat(CliRunner.run("ln", "-s", img(), "/a/b/c/f.bin", "/link").exitCode()).isZero();
    assertThat(CliRunner.run("cat", img(), "/link").stdout()).isEqualTo(Files.readAllBytes(local));
    assertThat(CliRunner.run("ls", img(), "/", "-l").out()).contains("link -> /a/b/c/f.bin");
    assertThat(CliRunner.run("mv", img(), "/a/b/c/f.bin", "/a/g.bin").exitCode()).isZero();
    assertThat(CliRunner.run("ls", img(), "/a").out().lines()).containsExactlyInAnyOrder("b", "g.bin");
    assertThat(CliRunner.run("fsck", img()).exitCode()).isZero();
    CliRunner.Run notEmpty = CliRunner.run("rm", img(), "/a");
    assertThat(notEmpty.exitCode()).isEqualTo(1);
    assertThat(notEmpty.stderr()).isEqualTo("vmfs: " + img() + ": /a: directory not empty\n");
    assertThat(CliRunner.run("rm", img(), "/a", "-r").exitCode()).isZero();
    assertThat(CliRunner.run("rm", img(), "/link").exitCode()).isZero();
    assertThat(CliRunner.run("ls", img(), "/").out()).isEmpty();
    CliRunner.Run fsck = CliRunner.run("fsck", img(), "--json");
    assertThat(fsck.exitCode()).isZero();
    assertThat(new ObjectMapper().readTree(fsck.stdout()).get("clean").asBoolean()).isTrue();
  }

  @Test
  void fsck_reportsDamageWithExitOne() throws Exception {
    Files.write(dir.resolve("x"), random(3 << 20, 4));
    assertThat(CliRunner.run("put", img(), dir.resolve("x").toString(), "/x").exitCode()).isZero();
    // Mark every file block free in cluster 0 of .fbb.sf: the files' blocks become "used but free".
    long fbbCluster0 = 0x1100000L + (7L << 20) + 0x10000;
    try (FileChannel ch = FileChannel.open(image, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF}), fbbCluster0 + 0x210);
    }
    CliRunner.Run fsck = CliRunner.run("fsck", img());
    assertThat(fsck.exitCode()).isEqualTo(1);
    assertThat(fsck.out()).contains("USED_BUT_FREE");
  }

  @Test
  void readCommands_neverChangeTheImage() throws Exception {
    Files.write(dir.resolve("x"), random(50_000, 5));
    CliRunner.run("put", img(), dir.resolve("x").toString(), "/x");
    String before = sha256(image);
    CliRunner.run("ls", img(), "/", "-l");
    CliRunner.run("info", img());
    CliRunner.run("cat", img(), "/x");
    CliRunner.run("get", img(), "/x", dir.resolve("y").toString());
    CliRunner.run("fsck", img());
    assertThat(sha256(image)).isEqualTo(before);
  }

  @Test
  void errors_areOneLineWithTheImageName() {
    CliRunner.Run missing = CliRunner.run("cat", img(), "/nope");
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.stderr()).isEqualTo("vmfs: " + img() + ": /nope: no such file or directory\n");
    CliRunner.Run notVmfs = CliRunner.run("ls", dir.resolve("ds.img").getParent().toString());
    assertThat(notVmfs.exitCode()).isEqualTo(1);
    assertThat(notVmfs.stderr().lines().count()).isEqualTo(1);
  }

  @Test
  void notAnImage_saysSo() throws Exception {
    Path junk = dir.resolve("junk.bin");
    Files.write(junk, random(2 << 20, 6));
    CliRunner.Run run = CliRunner.run("info", junk.toString());
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stderr()).contains("not a VMFS datastore image").contains("0x100000");
  }

  @Test
  void usageErrors_exitTwo() {
    assertThat(CliRunner.run().exitCode()).isEqualTo(2);
    assertThat(CliRunner.run("frobnicate").exitCode()).isEqualTo(2);
    assertThat(CliRunner.run("ls").exitCode()).isEqualTo(2);
    assertThat(CliRunner.run("mkfs", img() + "2").exitCode()).as("--size is required").isEqualTo(2);
    assertThat(CliRunner.run("mkfs", img() + "2", "--size", "12 parsecs").exitCode()).isEqualTo(2);
    assertThat(CliRunner.run("ls", img(), "--lon").exitCode()).as("no partial option matching").isEqualTo(2);
    assertThat(CliRunner.run("ln", img(), "/a", "/b").exitCode()).as("only -s links").isEqualTo(2);
  }

  @ParameterizedTest
  @ValueSource(strings = {"mkfs", "info", "ls", "cat", "put", "get", "mkdir", "rm", "mv", "ln", "fsck"})
  void help_isOfferedByEveryCommand(String command) {
    CliRunner.Run help = CliRunner.run(command, "--help");
    assertThat(help.exitCode()).isZero();
    assertThat(help.out()).contains("vmfs " + command);
  }

  @Test
  void secondWriter_isRefusedWhileReadersWork() throws Exception {
    try (FileChannelBlockDevice holder = FileChannelBlockDevice.openWritable(image)) {
      CliRunner.Run writer = CliRunner.run("mkdir", img(), "/d");
      assertThat(writer.exitCode()).isEqualTo(1);
      assertThat(writer.stderr()).contains("in use");
      assertThat(CliRunner.run("ls", img()).exitCode()).isZero();
    }
  }

  static byte[] random(int size, long seed) {
    byte[] data = new byte[size];
    new SplittableRandom(seed).nextBytes(data);
    return data;
  }

  static String sha256(Path file) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    try (FileChannel ch = FileChannel.open(file)) {
      ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
      while (ch.read(buffer.clear()) > 0) {
        sha.update(buffer.flip());
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }
}
