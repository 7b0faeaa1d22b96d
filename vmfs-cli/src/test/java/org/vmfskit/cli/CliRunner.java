package org.vmfskit.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs the CLI in-process and captures what it prints. */
final class CliRunner {

  /** One run's exit status and output. */
  record Run(int exitCode, byte[] stdout, String stderr) {
    String out() {
      return new String(stdout, StandardCharsets.UTF_8);
    }
  }

  private CliRunner() {}

  static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = new VmfsCli(new PrintStream(out, true), new PrintStream(err, true, StandardCharsets.UTF_8), false).run(args);
    return new Run(code, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
  }
}
