package org.vmfskit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failed and killed writes leave nothing that blocks the retry: a datastore keeps no empty or
 * partial file after a failed {@code put} or {@code disk create}, or a kill -9 of {@code put};
 * host outputs of {@code get} and {@code disk export} appear only when complete.
 */
class InterruptedWritesTest {

  @TempDir Path dir;

  private Path mkfs(String size) {
    Path image = dir.resolve("ds.img");
    CliRunner.Run run = CliRunner.run("mkfs", image.toString(), "--size", size, "--seed", "7");
    assertThat(run.exitCode()).as(run.stderr()).isZero();
    return image;
  }

  private static List<String> names(Path image, String directory) throws Exception {
    CliRunner.Run ls = CliRunner.run("ls", image.toString(), directory, "--json");
    assertThat(ls.exitCode()).as(ls.stderr()).isZero();
    List<String> names = new ArrayList<>();
    new ObjectMapper().readTree(ls.stdout()).forEach(row -> names.add(row.get("name").asText()));
    return names;
  }

  private static void assertClean(Path image) {
    CliRunner.Run fsck = CliRunner.run("fsck", image.toString());
    assertThat(fsck.exitCode()).as(fsck.out() + fsck.stderr()).isZero();
  }

  /** A host file of {@code mib} MiB, sparse, with one non-zero byte per MiB so that no block of it stays a hole. */
  private Path everyBlockUsed(String name, int mib) throws Exception {
    Path file = dir.resolve(name);
    try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.SPARSE)) {
      for (long i = 0; i < mib; i++) {
        out.write(ByteBuffer.wrap(new byte[] {(byte) (i | 1)}), i << 20);
      }
      out.write(ByteBuffer.wrap(new byte[] {1}), ((long) mib << 20) - 1);
    }
    return file;
  }

  @Test
  void aPutTooBigForTheVolume_leavesNoFile_andTheRetryNeedsNoForce() throws Exception {
    Path image = mkfs("256M");
    CliRunner.Run put = CliRunner.run("put", image.toString(), everyBlockUsed("big.bin", 300).toString(), "/f.bin");
    assertThat(put.exitCode()).isEqualTo(1);
    assertThat(names(image, "/")).doesNotContain("f.bin");
    assertClean(image);

    Path small = Files.write(dir.resolve("small.bin"), VolumeCommandsTest.random(3 << 20, 1));
    CliRunner.Run retry = CliRunner.run("put", image.toString(), small.toString(), "/f.bin");
    assertThat(retry.exitCode()).as(retry.stderr()).isZero();
    assertThat(CliRunner.run("cat", image.toString(), "/f.bin").stdout()).isEqualTo(Files.readAllBytes(small));
  }

  @Test
  void aFailedEagerZeroedThickCreate_leavesNoFlatFile_andForceReplacesADisk() throws Exception {
    Path image = mkfs("256M");
    CliRunner.Run create = CliRunner.run("disk", "create", image.toString(), "/d.vmdk", "--size", "300M", "--type", "eagerzeroedthick");
    assertThat(create.exitCode()).isEqualTo(1);
    assertThat(names(image, "/")).doesNotContain("d.vmdk", "d-flat.vmdk");
    assertClean(image);

    assertThat(CliRunner.run("disk", "create", image.toString(), "/d.vmdk", "--size", "64M", "--type", "eagerzeroedthick").exitCode()).isZero();
    CliRunner.Run again = CliRunner.run("disk", "create", image.toString(), "/d.vmdk", "--size", "32M");
    assertThat(again.exitCode()).isEqualTo(1);
    assertThat(again.stderr()).contains("already exists").contains("--force");
    CliRunner.Run forced = CliRunner.run("disk", "create", image.toString(), "/d.vmdk", "--size", "32M", "--force");
    assertThat(forced.exitCode()).as(forced.stderr()).isZero();
    JsonNode info = new ObjectMapper().readTree(CliRunner.run("disk", "info", image.toString(), "/d.vmdk", "--json").stdout());
    assertThat(info.get("capacityBytes").asLong()).isEqualTo(32L << 20);
    assertThat(names(image, "/")).contains("d.vmdk", "d-flat.vmdk");
    assertClean(image);
  }

  @Test
  void aForcedCreate_alsoClearsAFlatFileLeftWithoutItsDescriptor() throws Exception {
    Path image = mkfs("256M");
    Path junk = Files.write(dir.resolve("junk"), new byte[] {1, 2, 3});
    assertThat(CliRunner.run("put", image.toString(), junk.toString(), "/e-flat.vmdk").exitCode()).isZero();
    assertThat(CliRunner.run("disk", "create", image.toString(), "/e.vmdk", "--size", "1M").stderr()).contains("e-flat.vmdk").contains("--force");
    assertThat(CliRunner.run("disk", "create", image.toString(), "/e.vmdk", "--size", "1M", "--force").exitCode()).isZero();
    assertClean(image);
  }

  @Test
  void aPutKilledMidCopy_leavesTheFileAbsentOrWhole_andTheRetrySucceeds() throws Exception {
    Path image = mkfs("1G");
    Path source = dir.resolve("source.bin");
    byte[] chunk = VolumeCommandsTest.random(1 << 20, 4);
    try (FileChannel out = FileChannel.open(source, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      for (int mib = 0; mib < 256; mib++) {
        ByteBuffer.wrap(chunk).putInt(0, mib);
        out.write(ByteBuffer.wrap(chunk));
      }
    }
    long before = allocatedBytes(image);
    Process put = CliProcess.builder(Map.of(), "put", image.toString(), source.toString(), "/big.bin", "--quiet")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      // Killed once its data lands in the image: the file's blocks are being written, far from the end.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (allocatedBytes(image) < before + (32 << 20)) {
        assertThat(put.isAlive()).as("put still running").isTrue();
        assertThat(System.nanoTime()).as("put started writing within 2 minutes").isLessThan(deadline);
        Thread.sleep(5);
      }
    } finally {
      put.destroyForcibly();
      put.waitFor();
    }
    if (names(image, "/").contains("big.bin")) {
      // Killed between the commit and the exit: then the file is whole.
      assertWhole(image, source);
    }
    assertClean(image);

    boolean force = names(image, "/").contains("big.bin");
    CliRunner.Run retry = force ? CliRunner.run("put", image.toString(), source.toString(), "/big.bin", "--force")
        : CliRunner.run("put", image.toString(), source.toString(), "/big.bin");
    assertThat(retry.exitCode()).as(retry.stderr()).isZero();
    assertWhole(image, source);
    assertClean(image);
  }

  private void assertWhole(Path image, Path source) throws Exception {
    Path copy = dir.resolve("copy.bin");
    Files.deleteIfExists(copy);
    assertThat(CliRunner.run("get", image.toString(), "/big.bin", copy.toString(), "--quiet").exitCode()).isZero();
    assertThat(VolumeCommandsTest.sha256(copy)).isEqualTo(VolumeCommandsTest.sha256(source));
  }

  private static long allocatedBytes(Path file) throws Exception {
    Process stat = new ProcessBuilder("stat", "-c", "%b", file.toString()).start();
    String blocks = new String(stat.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).trim();
    assertThat(stat.waitFor()).isZero();
    return Long.parseLong(blocks) * 512;
  }

  /** Runs the CLI in a JVM whose files may not grow past {@code limitKiB} (ulimit -f): a full host disk, as the command sees it. */
  private static CliRunner.Run withFileSizeLimit(long limitKiB, String... args) throws Exception {
    ProcessBuilder vmfs = CliProcess.builder(Map.of(), args);
    List<String> command = new ArrayList<>(List.of("bash", "-c", "ulimit -f " + limitKiB + "; exec \"$@\"", "bash"));
    command.addAll(vmfs.command());
    Process process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    String err = new String(process.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    return new CliRunner.Run(process.waitFor(), new byte[0], err);
  }

  private List<String> partials() throws Exception {
    try (Stream<Path> list = Files.list(dir)) {
      return list.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(PartialOutput.SUFFIX)).toList();
    }
  }

  @Test
  void aGetOntoAFullHostDisk_leavesNoPartialFile_andTheRetryNeedsNoForce() throws Exception {
    Path image = mkfs("256M");
    Path data = Files.write(dir.resolve("data.bin"), VolumeCommandsTest.random(12 << 20, 2));
    assertThat(CliRunner.run("put", image.toString(), data.toString(), "/data.bin").exitCode()).isZero();
    Path back = dir.resolve("back.bin");

    CliRunner.Run full = withFileSizeLimit(4096, "get", image.toString(), "/data.bin", back.toString(), "--quiet");
    assertThat(full.exitCode()).as(full.stderr()).isEqualTo(1);
    assertThat(back).doesNotExist();
    assertThat(partials()).isEmpty();

    CliRunner.Run retry = CliRunner.run("get", image.toString(), "/data.bin", back.toString());
    assertThat(retry.exitCode()).as(retry.stderr()).isZero();
    assertThat(VolumeCommandsTest.sha256(back)).isEqualTo(VolumeCommandsTest.sha256(data));

    // A device is written in place, not renamed over; a link keeps pointing at the replaced file.
    assertThat(CliRunner.run("get", image.toString(), "/data.bin", "/dev/null", "--force").exitCode()).isZero();
    assertThat(Path.of("/dev/null")).satisfies(devNull -> assertThat(Files.isRegularFile(devNull)).isFalse());
    Path link = Files.createSymbolicLink(dir.resolve("link.bin"), back.getFileName());
    Files.write(back, new byte[] {1});
    assertThat(CliRunner.run("get", image.toString(), "/data.bin", link.toString(), "--force").exitCode()).isZero();
    assertThat(Files.isSymbolicLink(link)).isTrue();
    assertThat(VolumeCommandsTest.sha256(back)).isEqualTo(VolumeCommandsTest.sha256(data));
    assertThat(partials()).isEmpty();
  }

  @Test
  void aDiskExportOntoAFullHostDisk_leavesNoPartialOutput_andTheRetryNeedsNoForce() throws Exception {
    Path image = mkfs("256M");
    assertThat(CliRunner.run("disk", "create", image.toString(), "/d.vmdk", "--size", "16M").exitCode()).isZero();
    Path data = Files.write(dir.resolve("data.bin"), VolumeCommandsTest.random(12 << 20, 3));
    assertThat(CliRunner.run("disk", "write", image.toString(), "/d.vmdk", "--offset", "0", "--from", data.toString()).exitCode()).isZero();

    for (String format : List.of("raw", "flat")) {
      Path out = dir.resolve(format.equals("raw") ? "out-raw.img" : "out-flat.vmdk");
      CliRunner.Run full = withFileSizeLimit(4096, "disk", "export", image.toString(), "/d.vmdk", out.toString(), "--format", format);
      assertThat(full.exitCode()).as(full.stderr()).isEqualTo(1);
      try (Stream<Path> list = Files.list(dir)) {
        assertThat(list.map(p -> p.getFileName().toString())).as(format).noneMatch(n -> n.startsWith("out-" + format) || n.contains(PartialOutput.SUFFIX));
      }
      CliRunner.Run retry = CliRunner.run("disk", "export", image.toString(), "/d.vmdk", out.toString(), "--format", format);
      assertThat(retry.exitCode()).as(retry.stderr()).isZero();
      byte[] exported = format.equals("raw") ? Files.readAllBytes(out)
          : CliRunner.run("disk", "read", dir.toString(), out.getFileName().toString(), "--host").stdout();
      assertThat(exported).as(format).hasSize(16 << 20).startsWith(Files.readAllBytes(data));
    }
  }
}
