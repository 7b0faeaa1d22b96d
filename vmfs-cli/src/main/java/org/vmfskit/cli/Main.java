package org.vmfskit.cli;

/** Entry point of the {@code vmfs} command. */
public final class Main {

  private Main() {}

  /** Runs the command and exits with its status. */
  public static void main(String[] args) {
    System.exit(new VmfsCli(StandardOutput.system(), System.err).run(args));
  }
}
