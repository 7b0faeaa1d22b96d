package org.vmfskit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmfskit.fs.testing.EsxiLayout;

/**
 * {@code vmfs fsck} on a VMFS5 volume laid out as ESXi lays out {@code .sdd.sf} (built from the
 * format reference's facts by {@link EsxiLayout}): it exits 0, {@code --repair} leaves the image
 * byte for byte as it was, and {@code ls} lists {@code .sdd.sf} as the directory it is.
 */
class EsxiSddFsckTest {

  @TempDir Path dir;

  private Path esxiImage() throws Exception {
    return EsxiLayout.formatImage(dir.resolve("esxi.img"));
  }

  private static String sha256(Path file) throws Exception {
    return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  @Test
  void fsck_exitsZero_andRepairWritesNothing() throws Exception {
    Path image = esxiImage();
    String before = sha256(image);
    CliRunner.Run check = CliRunner.run("fsck", image.toString());
    assertThat(check.exitCode()).as(check.out() + check.stderr()).isZero();
    CliRunner.Run repair = CliRunner.run("fsck", image.toString(), "--repair");
    assertThat(repair.exitCode()).as(repair.out() + repair.stderr()).isZero();
    assertThat(repair.out()).doesNotContain("repaired:");
    assertThat(sha256(image)).isEqualTo(before);
  }

  @Test
  void ls_listsSddSfAsADirectory() throws Exception {
    Path image = esxiImage();
    CliRunner.Run inside = CliRunner.run("ls", image.toString(), "/.sdd.sf");
    assertThat(inside.exitCode()).as(inside.stderr()).isZero();
    assertThat(inside.out()).isEmpty();
    CliRunner.Run root = CliRunner.run("ls", image.toString(), "/", "-l", "-a");
    assertThat(root.out()).containsPattern("(?m)^drwx------ +2 .* \\.sdd\\.sf$");
  }
}
