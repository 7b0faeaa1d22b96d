package org.vmfskit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The working copy of a {@code .gz} image: never a file found by name, owner-only in a private
 * directory under {@code java.io.tmpdir} or {@code TMPDIR}, and gone when the command ends.
 */
class CompressedImagesTest {

  @TempDir Path dir;
  private Path tmp;
  private String savedTmpdir;
  private Path compressed;

  @BeforeEach
  void setUp() throws Exception {
    tmp = Files.createDirectory(dir.resolve("tmp"));
    savedTmpdir = System.getProperty("java.io.tmpdir");
    System.setProperty("java.io.tmpdir", tmp.toString());
    compressed = gzip(mkfs("real.img", "realvolume"));
  }

  @AfterEach
  void restore() {
    System.setProperty("java.io.tmpdir", savedTmpdir);
  }

  private Path mkfs(String name, String label) {
    Path image = dir.resolve(name);
    CliRunner.Run run = CliRunner.run("mkfs", image.toString(), "--size", "256M", "--label", label, "--seed", "3");
    assertThat(run.exitCode()).as(run.stderr()).isZero();
    return image;
  }

  private static Path gzip(Path image) throws Exception {
    Path gz = image.resolveSibling(image.getFileName() + ".gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz), 1 << 16) {
      {
        def.setLevel(Deflater.BEST_SPEED);
      }
    }) {
      Files.copy(image, out);
    }
    Files.delete(image);
    return gz;
  }

  @Test
  void aFilePlantedAtTheOldWorkingCopyPath_isNotUsed() throws Exception {
    // The path earlier versions expanded to and then trusted by its name alone.
    Path planted = tmp.resolve("vmfskit-" + CompressedImages.sha256(compressed).substring(0, 16) + ".img");
    Files.move(mkfs("other.img", "plantedvolume"), planted);
    CliRunner.Run info = CliRunner.run("info", compressed.toString());
    assertThat(info.exitCode()).as(info.stderr()).isZero();
    assertThat(info.out()).contains("realvolume").doesNotContain("plantedvolume");
  }

  @Test
  void theWorkingCopy_isOwnerOnly_inAPrivateDirectory_andDeletedWithTheCommand() throws Exception {
    Path copy = CompressedImages.expand(compressed);
    try {
      assertThat(copy.getParent().getParent()).isEqualTo(tmp);
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(copy))).isEqualTo("rw-------");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(copy.getParent()))).isEqualTo("rwx------");
      assertThat(CompressedImages.expand(compressed)).as("one expansion per command").isEqualTo(copy);
    } finally {
      CompressedImages.discardAll();
    }
    assertThat(tmp).isEmptyDirectory();

    assertThat(CliRunner.run("info", compressed.toString()).exitCode()).isZero();
    assertThat(CliRunner.run("ls", compressed.toString(), "/nonexistent").exitCode()).as("a failing command").isEqualTo(1);
    assertThat(tmp).as("nothing left after the commands, failed ones included").isEmptyDirectory();
  }

  @Test
  void tmpdirVariable_isHonoured_whenTheJvmKeepsItsDefault() throws Exception {
    assertThat(CompressedImages.temporaryDirectory("/tmp", "/var/scratch")).isEqualTo(Path.of("/var/scratch"));
    assertThat(CompressedImages.temporaryDirectory("/tmp", null)).isEqualTo(Path.of("/tmp"));
    assertThat(CompressedImages.temporaryDirectory("/srv/t", "/var/scratch")).as("an explicit java.io.tmpdir wins").isEqualTo(Path.of("/srv/t"));

    // A separate JVM started as a user would (no -Djava.io.tmpdir): the copy goes under TMPDIR.
    Path scratch = Files.createDirectory(dir.resolve("scratch"));
    Path missing = dir.resolve("missing");
    CliRunner.Run run = CliProcess.run(Map.of("TMPDIR", missing.toString()), "info", compressed.toString());
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stderr()).contains(missing.toString());
    CliRunner.Run ok = CliProcess.run(Map.of("TMPDIR", scratch.toString()), "info", compressed.toString());
    assertThat(ok.exitCode()).as(ok.stderr()).isZero();
    assertThat(ok.out()).contains("realvolume");
    assertThat(scratch).isEmptyDirectory();
  }
}
