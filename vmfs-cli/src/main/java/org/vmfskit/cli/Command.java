package org.vmfskit.cli;

import java.io.IOException;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/** One sub-command of {@code vmfs}: its options, its usage line and what it does. */
interface Command {

  /** Returns the name typed after {@code vmfs}, e.g. {@code ls} or {@code disk create}. */
  String name();

  /** Returns the argument synopsis, e.g. {@code IMAGE [PATH]}. */
  String synopsis();

  /** Returns a one-line description. */
  String summary();

  /** Returns the command's options (without --help and --debug, which every command has). */
  Options options();

  /** Returns the number of positional arguments accepted, as {min, max}. */
  int[] arity();

  /**
   * Runs the command with parsed arguments and returns the exit status.
   *
   * @throws UsageException for a wrong argument the parser could not see
   */
  int execute(CommandLine line, CliContext context) throws IOException, UsageException;
}
