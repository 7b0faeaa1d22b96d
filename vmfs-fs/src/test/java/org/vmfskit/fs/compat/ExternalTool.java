package org.vmfskit.fs.compat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs third-party programs (debugvmfs, fsck.vmfs, vmfs-fuse, qemu-img) as test oracles, with a
 * time limit; a signal exit (such as debugvmfs' segfault on bad metadata) is a failure.
 */
public final class ExternalTool {

  /** What a run printed and how it ended. */
  public record Result(int exitCode, String stdout, String stderr, String stdoutSha256, long stdoutBytes) {}

  private ExternalTool() {}

  /** Returns whether {@code program} is on the PATH (or in /usr/sbin, where Debian puts vmfs-tools). */
  public static boolean available(String program) {
    return locate(program) != null;
  }

  private static String locate(String program) {
    List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
    dirs.add("/usr/sbin");
    dirs.add("/sbin");
    for (String dir : dirs) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, program);
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    return null;
  }

  /** Runs {@code command}, keeping up to 1 MiB of stdout as text and hashing all of it. */
  public static Result run(long timeoutSeconds, String... command) throws IOException, InterruptedException {
    List<String> args = new ArrayList<>(List.of(command));
    String located = locate(args.getFirst());
    if (located != null) {
      args.set(0, located);
    }
    Process process = new ProcessBuilder(args).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    StringBuilder text = new StringBuilder();
    long[] total = new long[1];
    byte[][] errBytes = new byte[1][];
    Thread errReader = Thread.ofVirtual().start(() -> {
      try {
        errBytes[0] = process.getErrorStream().readAllBytes();
      } catch (IOException e) {
        errBytes[0] = new byte[0];
      }
    });
    try (InputStream in = process.getInputStream()) {
      byte[] buffer = new byte[1 << 20];
      for (int n; (n = in.read(buffer)) > 0; ) {
        sha.update(buffer, 0, n);
        if (text.length() < (1 << 20)) {
          text.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
        }
        total[0] += n;
      }
    }
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IOException(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s");
    }
    errReader.join();
    return new Result(process.exitValue(), text.toString(), new String(errBytes[0], StandardCharsets.UTF_8),
        HexFormat.of().formatHex(sha.digest()), total[0]);
  }
}
