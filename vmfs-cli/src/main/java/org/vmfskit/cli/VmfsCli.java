package org.vmfskit.cli;

import java.io.PrintStream;

/** The vmfs command dispatcher. */
public final class VmfsCli {

  private final PrintStream out;
  private final PrintStream err;

  /** Creates a CLI writing to the given streams. */
  public VmfsCli(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  /** Runs one command and returns its exit status. */
  public int run(String[] args) {
    err.println("vmfs: not implemented yet");
    return 1;
  }
}
