package org.vmfskit.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Starts the CLI as a separate JVM on the test class path, for what an in-process run cannot
 * show: the environment it starts with, or a kill -9 in the middle of a command.
 */
final class CliProcess {

  private CliProcess() {}

  /** Returns a builder for {@code vmfs args...} with {@code environment} added to the inherited one. */
  static ProcessBuilder builder(Map<String, String> environment, String... args) {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().putAll(environment);
    return builder;
  }

  /** Runs {@code vmfs args...} to its end and returns its exit status and output. */
  static CliRunner.Run run(Map<String, String> environment, String... args) throws IOException, InterruptedException {
    Process process = builder(environment, args).redirectOutput(ProcessBuilder.Redirect.PIPE).start();
    byte[] err;
    byte[] out;
    try (var stderr = process.getErrorStream(); var stdout = process.getInputStream()) {
      // Small outputs only: read stdout first; commands here print little on stderr.
      out = stdout.readAllBytes();
      err = stderr.readAllBytes();
    }
    return new CliRunner.Run(process.waitFor(), out, new String(err, java.nio.charset.StandardCharsets.UTF_8));
  }
}
