package org.vmfskit.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every command that writes to standard output fails, naming it, when a write there fails. */
class StandardOutputTest {

  @TempDir Path dir;
  private String img;

  @BeforeEach
  void datastore() throws IOException {
    img = dir.resolve("ds.img").toString();
    assertThat(CliRunner.run("mkfs", img, "--size", "1G", "--seed", "3").exitCode()).isZero();
    Path local = dir.resolve("f.bin");
    Files.write(local, VolumeCommandsTest.random(3 << 20, 7));
    assertThat(CliRunner.run("put", img, local.toString(), "/f.bin").exitCode()).isZero();
    assertThat(CliRunner.run("disk", "create", img, "d.vmdk", "--size", "4M").exitCode()).isZero();
    assertThat(CliRunner.run("vm", "create", img, "/vm", "--disk-size", "1M").exitCode()).isZero();
  }

  /** A device that is full: every write fails as ENOSPC does. */
  private static final class FullDevice extends OutputStream {
    @Override
    public void write(int b) throws IOException {
      throw new IOException("No space left on device");
    }
  }

  private record Failed(int exitCode, String stderr) {}

  private static Failed runTo(PrintStream out, String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = new VmfsCli(out, new PrintStream(err, true, StandardCharsets.UTF_8), false).run(args);
    return new Failed(code, err.toString(StandardCharsets.UTF_8));
  }

  static Stream<String[]> commands(String img) {
    return Stream.of(new String[] {"cat", img, "/f.bin"}, new String[] {"ls", img}, new String[] {"ls", img, "-l"},
        new String[] {"info", img, "--json"}, new String[] {"info", img}, new String[] {"fsck", img},
        new String[] {"disk", "read", img, "d.vmdk"}, new String[] {"disk", "info", img, "d.vmdk", "--json"},
        new String[] {"snapshot", "list", img, "/vm", "--json"}, new String[] {"--help"});
  }

  @Test
  void aFullStandardOutput_failsEveryCommandWithItsReason() {
    List<String> wrong = new ArrayList<>();
    commands(img).forEach(args -> {
      Failed run = runTo(StandardOutput.of(new FullDevice()), args);
      if (run.exitCode() != 1 || !run.stderr().equals("vmfs: standard output: No space left on device\n")) {
        wrong.add(String.join(" ", args) + " -> " + run.exitCode() + " " + run.stderr());
      }
    });
    assertThat(wrong).isEmpty();
  }

  @Test
  void aPlainPrintStreamThatFails_stillFailsTheCommand() {
    Failed run = runTo(new PrintStream(new FullDevice(), true), "cat", img, "/f.bin");
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stderr()).isEqualTo("vmfs: standard output: write failed\n");
  }

  @Test
  void aWorkingStandardOutput_isUntouched() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Failed run = runTo(StandardOutput.of(bytes), "cat", img, "/f.bin");
    assertThat(run.exitCode()).as(run.stderr()).isZero();
    assertThat(bytes.toByteArray()).isEqualTo(VolumeCommandsTest.random(3 << 20, 7));
  }

  @ParameterizedTest
  @ValueSource(strings = {"cat", "info"})
  void devFull_asStandardOutputOfTheProcess_exitsOneAndNamesIt(String command) throws Exception {
    assumeTrue(new File("/dev/full").exists(), "no /dev/full on this system");
    List<String> args = new ArrayList<>(List.of(javaCommand()));
    args.addAll(command.equals("cat") ? List.of("cat", img, "/f.bin") : List.of("info", img, "--json"));
    Process process = new ProcessBuilder(args).redirectOutput(new File("/dev/full")).redirectError(ProcessBuilder.Redirect.PIPE).start();
    String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(stderr).isEqualTo(1);
    assertThat(stderr).isEqualTo("vmfs: standard output: No space left on device\n");
  }

  /** Returns the command line of this JVM running {@link Main}, with the test's class and module paths as class path. */
  static String[] javaCommand() {
    String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    String path = Stream.of(System.getProperty("jdk.module.path"), System.getProperty("java.class.path"))
        .filter(p -> p != null && !p.isEmpty()).reduce((a, b) -> a + File.pathSeparator + b).orElseThrow();
    return new String[] {java, "-cp", path, Main.class.getName()};
  }
}
