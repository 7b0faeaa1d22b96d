package org.vmfskit.fs.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** External-tool oracles (vmfs-tools), run only where installed. */
public final class Tools {

  private Tools() {}

  /** The result of one run: exit code (negative for a signal, as vmfs-tools reports SIGSEGV) and output. */
  public record Result(int exitCode, byte[] stdout, String stderr) {
    /** Returns stdout as text. */
    public String text() {
      return new String(stdout, java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  /** Returns whether {@code tool} is on the PATH or in /usr/sbin. */
  public static boolean available(String tool) {
    for (String dir : (System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin").split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }

  /** Runs {@code tool args…} with a 60 s limit. */
  public static Result run(String tool, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Files.isExecutable(Path.of("/usr/sbin", tool)) ? "/usr/sbin/" + tool : tool);
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).start();
    process.getOutputStream().close();
    byte[][] err = new byte[1][];
    Thread stderr = Thread.startVirtualThread(() -> {
      try {
        err[0] = process.getErrorStream().readAllBytes();
      } catch (IOException e) {
        err[0] = e.toString().getBytes();
      }
    });
    byte[] out = process.getInputStream().readAllBytes();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IOException(tool + " timed out");
    }
    stderr.join();
    int code = process.exitValue();
    // A process killed by signal n exits as 128 + n from a shell; Java reports 128 + n too.
    return new Result(code > 128 ? -(code - 128) : code, out, new String(err[0], java.nio.charset.StandardCharsets.UTF_8));
  }
}
