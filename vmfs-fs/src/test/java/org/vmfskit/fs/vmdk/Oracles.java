package org.vmfskit.fs.vmdk;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs external oracle tools (qemu-img, vmdkinfo) read-only and captures their output. */
final class Oracles {

  /** The exit code and combined output of a tool run. */
  record Result(int exit, String output) {}

  private Oracles() {}

  /** Returns whether {@code tool} is on the PATH. */
  static boolean toolAvailable(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }

  /** Runs a command in {@code dir} and waits up to two minutes. */
  static Result run(Path dir, String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(List.of(command)).directory(dir.toFile()).redirectErrorStream(true).start();
    byte[] out = process.getInputStream().readAllBytes();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IOException("timeout: " + String.join(" ", command));
    }
    return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8));
  }
}
