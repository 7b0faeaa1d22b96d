package org.vmfskit.cli;

import java.io.IOException;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.vmfskit.fs.vmdk.DiskOperations;

/**
 * The {@code vmfs disk} commands that handle a disk as a whole, as vmkfstools does: rename
 * ({@code -E}), rm ({@code -U}), clone ({@code -i}) and extend ({@code -X}). Unlike {@code mv} and
 * {@code rm} of a {@code .vmdk}, they move or delete every file of the disk.
 */
final class DiskFileCommands {

  private DiskFileCommands() {}

  static List<Command> all() {
    return List.of(new Rename(), new Remove(), new Clone(), new Extend());
  }

  private static Options changing() {
    return new Options().addOption(Images.force()).addOption(DiskCommands.host());
  }

  /** {@code vmfs disk rename IMAGE FROM.vmdk TO.vmdk}. */
  static final class Rename implements Command {
    public String name() { return "disk rename"; }
    public String synopsis() { return "IMAGE FROM.vmdk TO.vmdk [--host]"; }
    public String summary() { return "rename a disk: its descriptor and extent files, with the descriptor's extent lines rewritten (vmkfstools -E)"; }
    public int[] arity() { return new int[] {3, 3}; }
    public Options options() { return changing(); }

    public int execute(CommandLine line, CliContext context) throws IOException, UsageException {
      String to = line.getArgs()[2];
      if (!to.endsWith(".vmdk")) {
        throw new UsageException("TO must end in .vmdk");
      }
      try (DiskCommands.OpenStore store = DiskCommands.open(line, true, 3)) {
        DiskOperations.rename(store.store(), store.path(), to);
      }
      return VmfsCli.OK;
    }
  }

  /** {@code vmfs disk rm IMAGE PATH.vmdk}. */
  static final class Remove implements Command {
    public String name() { return "disk rm"; }
    public String synopsis() { return "IMAGE PATH.vmdk [--host]"; }
    public String summary() { return "delete a disk: its descriptor and extent files; refused while a snapshot sits on it (vmkfstools -U)"; }
    public int[] arity() { return new int[] {2, 2}; }
    public Options options() { return changing(); }

    public int execute(CommandLine line, CliContext context) throws IOException, UsageException {
      try (DiskCommands.OpenStore store = DiskCommands.open(line, true, 2)) {
        DiskOperations.delete(store.store(), store.path());
      }
      return VmfsCli.OK;
    }
  }

  /** {@code vmfs disk clone IMAGE SRC.vmdk DST.vmdk [--type ...]}. */
  static final class Clone implements Command {
    public String name() { return "disk clone"; }
    public String synopsis() { return "IMAGE SRC.vmdk DST.vmdk [--type thin|zeroedthick|eagerzeroedthick] [--host] [--quiet]"; }
    public String summary() { return "copy a disk, flattened through its chain, into a new base disk (vmkfstools -i)"; }
    public int[] arity() { return new int[] {3, 3}; }

    public Options options() {
      return changing().addOption(VolumeCommands.valued("type", "TYPE", "thin (default), zeroedthick or eagerzeroedthick"))
          .addOption(VolumeCommands.flag("q", "quiet", "no progress bar"));
    }

    public int execute(CommandLine line, CliContext context) throws IOException, UsageException {
      String target = line.getArgs()[2];
      if (!target.endsWith(".vmdk")) {
        throw new UsageException("DST must end in .vmdk");
      }
      var allocation = DiskCommands.allocation(line);
      try (DiskCommands.OpenStore store = DiskCommands.open(line, true, 3); ProgressBars bars = new ProgressBars(context)) {
        DiskOperations.clone(store.store(), store.path(), target, allocation, (done, total) -> bars.update("clone", done, total));
      }
      return VmfsCli.OK;
    }
  }

  /** {@code vmfs disk extend IMAGE PATH.vmdk --size SIZE}. */
  static final class Extend implements Command {
    public String name() { return "disk extend"; }
    public String synopsis() { return "IMAGE PATH.vmdk --size SIZE [--host]"; }
    public String summary() { return "grow a base disk to SIZE; never shrinks, refused while a snapshot sits on it (vmkfstools -X)"; }
    public int[] arity() { return new int[] {2, 2}; }

    public Options options() {
      return changing().addOption(Option.builder().longOpt("size").hasArg().argName("SIZE").required().desc("new capacity, e.g. 20G").get());
    }

    public int execute(CommandLine line, CliContext context) throws IOException, UsageException {
      long size = Sizes.option(line, "size", 0);
      if (size <= 0 || size % 512 != 0) {
        throw new UsageException("--size must be a positive multiple of 512 bytes");
      }
      try (DiskCommands.OpenStore store = DiskCommands.open(line, true, 2)) {
        DiskOperations.extend(store.store(), store.path(), size);
      }
      return VmfsCli.OK;
    }
  }
}
