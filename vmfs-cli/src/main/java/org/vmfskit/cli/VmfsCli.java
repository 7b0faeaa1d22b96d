package org.vmfskit.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.vmfskit.fs.format.VmfsFormatException;

/**
 * The {@code vmfs} command: picks a sub-command from the first one or two words, parses its
 * options with commons-cli (partial matching off) and maps failures to exit codes: 0 success,
 * 1 error (one line on stderr, {@code vmfs: IMAGE: message}), 2 usage.
 */
public final class VmfsCli {

  static final int OK = 0;
  static final int ERROR = 1;
  static final int USAGE = 2;

  private final PrintStream out;
  private final PrintStream err;
  private final boolean interactive;
  private final Map<String, Command> commands = new LinkedHashMap<>();

  /** Creates a CLI writing results to {@code out} and messages to {@code err}. */
  public VmfsCli(PrintStream out, PrintStream err) {
    this(out, err, System.console() != null && err == System.err);
  }

  VmfsCli(PrintStream out, PrintStream err, boolean interactive) {
    this.out = out;
    this.err = err;
    this.interactive = interactive;
    for (List<Command> group : List.of(VolumeCommands.all(), DiskCommands.all(), DiskFileCommands.all())) {
      for (Command command : group) {
        commands.put(command.name(), command);
      }
    }
    for (Command command : MountCommand.all()) {
      commands.put(command.name(), command);
    }
    for (Command command : VmCommands.all()) {
      commands.put(command.name(), command);
    }
    for (Command command : SnapshotCommands.all()) {
      commands.put(command.name(), command);
    }
    for (Command command : RecoveryCommands.all()) {
      commands.put(command.name(), command);
    }
  }

  /**
   * Runs one command and returns its exit status. Standard output is checked here, once for every
   * command: when a write to it failed (a full disk, a closed pipe) the status is 1 and the one
   * error line names standard output, so a truncated result never comes with status 0.
   */
  public int run(String[] args) {
    int status = dispatch(args);
    out.flush();
    String failure = StandardOutput.failure(out);
    if (failure != null) {
      err.println("vmfs: standard output: " + failure);
      return ERROR;
    }
    return status;
  }

  private int dispatch(String[] args) {
    if (args.length == 0) {
      usage(err);
      return USAGE;
    }
    if (args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
      usage(out);
      return OK;
    }
    if (args[0].equals("--version")) {
      out.println("vmfs " + version());
      return OK;
    }
    Command command = null;
    int consumed = 0;
    if (args.length >= 2) {
      command = commands.get(args[0] + " " + args[1]);
      consumed = 2;
    }
    if (command == null) {
      command = commands.get(args[0]);
      consumed = 1;
    }
    if (command == null) {
      err.println("vmfs: unknown command '" + String.join(" ", Arrays.copyOfRange(args, 0, Math.min(2, args.length))) + "' (try vmfs --help)");
      return USAGE;
    }
    return run(command, Arrays.copyOfRange(args, consumed, args.length));
  }

  private int run(Command command, String[] args) {
    Options options = withCommonOptions(command.options());
    if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
      // Before parsing, so --help works even when required options are missing.
      help(command, options);
      return OK;
    }
    CommandLine line;
    try {
      line = DefaultParser.builder().setAllowPartialMatching(false).get().parse(options, args);
    } catch (ParseException e) {
      err.println("vmfs " + command.name() + ": " + e.getMessage());
      err.println("usage: vmfs " + command.name() + " " + command.synopsis());
      return USAGE;
    }
    int positional = line.getArgs().length;
    if (positional < command.arity()[0] || positional > command.arity()[1]) {
      err.println("vmfs " + command.name() + ": expected " + arityText(command.arity()) + " argument(s), got " + positional);
      err.println("usage: vmfs " + command.name() + " " + command.synopsis());
      return USAGE;
    }
    String subject = positional > 0 ? line.getArgs()[0] : command.name();
    try {
      CliContext context = new CliContext(out, err, interactive && !line.hasOption("quiet"));
      return ScopedValue.where(Images.PARTITION, partition(line)).call(() -> command.execute(line, context));
    } catch (UsageException e) {
      err.println("vmfs " + command.name() + ": " + e.getMessage());
      err.println("usage: vmfs " + command.name() + " " + command.synopsis());
      return USAGE;
    } catch (IOException | RuntimeException e) {
      if (out.checkError()) {
        // The command stopped because standard output failed: run(String[]) says so.
        return ERROR;
      }
      // A host output file that failed is what the line must name, not the image that was read.
      String named = e instanceof OutputFileException o ? o.getFile() : subject;
      err.println("vmfs: " + named + ": " + describe(e, named));
      if (line.hasOption("debug")) {
        e.printStackTrace(err);
      }
      return ERROR;
    } catch (OutOfMemoryError e) {
      err.println("vmfs: " + subject + ": out of memory (" + e.getMessage() + ")");
      return ERROR;
    } catch (Exception e) {
      // Only checked exceptions execute() declares reach here, and they are caught above.
      throw new IllegalStateException(e);
    } finally {
      CompressedImages.discardAll();
    }
  }

  /** Returns the {@code --partition N} value (N from 1). */
  private static java.util.OptionalInt partition(CommandLine line) throws UsageException {
    if (!line.hasOption("partition")) {
      return java.util.OptionalInt.empty();
    }
    try {
      int n = Integer.parseInt(line.getOptionValue("partition"));
      if (n >= 1) {
        return java.util.OptionalInt.of(n);
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UsageException("--partition must be a partition number from 1 (got " + line.getOptionValue("partition") + ")");
  }

  private static String arityText(int[] arity) {
    return arity[0] == arity[1] ? String.valueOf(arity[0]) : arity[0] + " to " + arity[1];
  }

  /** Returns a one-line description of a failure, without a stack trace. */
  static String describe(Throwable e, String subject) {
    if (e instanceof FileSystemException f && subject.equals(f.getFile()) && f.getOtherFile() == null) {
      // The subject already opens the line; say only what is wrong with it.
      String reason = f.getReason() != null ? f.getReason() : switch (f) {
        case NoSuchFileException _ -> "no such file or directory";
        case AccessDeniedException _ -> "permission denied";
        case FileAlreadyExistsException _ -> "already exists";
        case NotDirectoryException _ -> "not a directory";
        default -> null;
      };
      if (reason != null) {
        return reason;
      }
    }
    return switch (e) {
      case VmfsFormatException f -> f.getMessage();
      case NoSuchFileException f -> f.getFile() + ": no such file or directory";
      case AccessDeniedException f when f.getReason() == null -> f.getFile() + ": permission denied";
      case FileAlreadyExistsException f -> f.getFile() + ": " + (f.getReason() != null ? f.getReason() : "already exists");
      case DirectoryNotEmptyException f -> f.getFile() + ": directory not empty";
      case NotDirectoryException f -> f.getFile() + ": not a directory";
      case FileSystemException f -> f.getReason() == null ? f.getMessage() : (f.getFile() == null ? "" : f.getFile() + ": ") + f.getReason();
      case IOException f -> f.getMessage() == null ? f.getClass().getSimpleName() : f.getMessage();
      default -> "internal error: " + e + " (rerun with --debug and report it)";
    };
  }

  private static Options withCommonOptions(Options options) {
    Options all = new Options();
    options.getOptions().forEach(all::addOption);
    all.addOption(Option.builder("h").longOpt("help").desc("show this command's help").get());
    all.addOption(Option.builder().longOpt("debug").desc("print stack traces of errors").get());
    if (!options.hasLongOption("partition")) {
      all.addOption(Option.builder().longOpt("partition").hasArg().argName("N")
          .desc("for a disk image (GPT/MBR, also inside an .E01 or .vmdk) with several VMFS partitions: read partition N").get());
    }
    return all;
  }

  private void help(Command command, Options options) {
    StringWriter text = new StringWriter();
    PrintWriter writer = new PrintWriter(text);
    new HelpFormatter().printHelp(writer, 100, "vmfs " + command.name() + " " + command.synopsis(), command.summary(), options, 2, 4, "", false);
    writer.flush();
    out.print(text);
  }

  private void usage(PrintStream stream) {
    stream.println("usage: vmfs COMMAND [ARGS] (vmfs COMMAND --help for details)");
    stream.println();
    List<Command> list = new ArrayList<>(commands.values());
    int width = list.stream().mapToInt(c -> c.name().length()).max().orElse(8) + 2;
    for (Command command : list) {
      stream.printf("  %-" + width + "s%s%n", command.name(), command.summary());
    }
  }

  private static String version() {
    String version = VmfsCli.class.getPackage().getImplementationVersion();
    return version == null ? "development build" : version;
  }
}
