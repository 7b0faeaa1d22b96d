package org.vmfskit.cli;

import java.io.PrintStream;
import java.nio.channels.WritableByteChannel;

/**
 * What a running command writes to: standard output for results, standard error for messages,
 * and whether progress may be drawn.
 *
 * @param out results (listings, file contents, reports)
 * @param err messages and progress
 * @param interactive whether stderr is a terminal (progress bars only then)
 */
record CliContext(PrintStream out, PrintStream err, boolean interactive) {

  /** Returns a channel to {@link #out} that throws once a write to it has failed. */
  WritableByteChannel outChannel() {
    return StandardOutput.channel(out);
  }
}
