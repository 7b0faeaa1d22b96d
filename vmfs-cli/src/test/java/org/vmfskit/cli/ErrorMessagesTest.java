package org.vmfskit.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Error lines name the file that failed: the output when the output is full, the image when it may not be written. */
class ErrorMessagesTest {

  @TempDir Path dir;
  private String img;

  @BeforeEach
  void datastore() throws IOException {
    img = dir.resolve("ds.img").toString();
    assertThat(CliRunner.run("mkfs", img, "--size", "1G", "--seed", "9").exitCode()).isZero();
    Path local = dir.resolve("f.bin");
    Files.write(local, VolumeCommandsTest.random(3 << 20, 11));
    assertThat(CliRunner.run("put", img, local.toString(), "/f.bin").exitCode()).isZero();
    Path w = dir.resolve("w.bin");
    Files.write(w, VolumeCommandsTest.random(3 << 20, 12));
    assertThat(CliRunner.run("disk", "create", img, "d.vmdk", "--size", "4M").exitCode()).isZero();
    assertThat(CliRunner.run("disk", "write", img, "d.vmdk", "--offset", "0", "--from", w.toString()).exitCode()).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"get", "disk export"})
  void aFullOutputDevice_isNamedNotTheImage(String command) throws Exception {
    Path full = Files.createDirectories(dir.resolve("full"));
    assumeTrue(mount("mount", "-t", "tmpfs", "-o", "size=1M", "tmpfs", full.toString()),
        "cannot mount a 1 MiB tmpfs here (needs root and CAP_SYS_ADMIN); the full-disk message is not tested");
    try {
      Path out = full.resolve("out.bin");
      CliRunner.Run run = command.equals("get") ? CliRunner.run("get", img, "/f.bin", out.toString(), "--force")
          : CliRunner.run("disk", "export", img, "d.vmdk", out.toString());
      assertThat(run.exitCode()).isEqualTo(1);
      assertThat(run.stderr()).isEqualTo("vmfs: " + out + ": No space left on device\n");
    } finally {
      mount("umount", full.toString());
    }
  }

  private static boolean mount(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getInputStream().readAllBytes();
    return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
  }

  @Test
  void aReadOnlyImageFile_isRefusedWithoutForce() throws Exception {
    Files.setPosixFilePermissions(Path.of(img), PosixFilePermissions.fromString("r--r--r--"));
    CliRunner.Run refused = CliRunner.run("mkdir", img, "/dir");
    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.stderr()).isEqualTo("vmfs: " + img + ": the image file is read-only (mode 0444); pass --force to write to it anyway\n");
    assertThat(CliRunner.run("ls", img).out()).doesNotContain("dir");
    assertThat(CliRunner.run("disk", "write", img, "d.vmdk", "--offset", "0", "--from", dir.resolve("f.bin").toString()).stderr())
        .contains("read-only (mode 0444)");
    assertThat(CliRunner.run("fsck", img, "--repair").stderr()).contains("read-only (mode 0444)");
    assumeTrue(isRoot(), "only root can write a mode 0444 file, so --force is tested as root");
    CliRunner.Run forced = CliRunner.run("mkdir", img, "/dir", "--force");
    assertThat(forced.exitCode()).as(forced.stderr()).isZero();
    assertThat(CliRunner.run("ls", img).out()).contains("dir");
  }

  @Test
  void permissionDenied_saysSoInsteadOfRepeatingThePath() {
    assertThat(VmfsCli.describe(new AccessDeniedException("ro.img"), "ro.img")).isEqualTo("permission denied");
    assertThat(VmfsCli.describe(new AccessDeniedException("other.img"), "ro.img")).isEqualTo("other.img: permission denied");
  }

  @Test
  void asNonRoot_aReadOnlyImageSaysPermissionDenied() throws Exception {
    assumeFalse(isRoot(), "root may open any file for writing; the non-root message is tested by a non-root run");
    Files.setPosixFilePermissions(Path.of(img), PosixFilePermissions.fromString("r--r--r--"));
    CliRunner.Run run = CliRunner.run("mkdir", img, "/dir", "--force");
    assertThat(run.stderr()).startsWith("vmfs: " + img + ": permission denied opening it for writing");
  }

  private static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }
}
