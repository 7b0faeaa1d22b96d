package org.vmfskit.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.device.container.OpenedImage;
import org.vmfskit.recovery.RecoverOptions;
import org.vmfskit.recovery.Recovery;
import org.vmfskit.recovery.RecoveryOutputException;
import org.vmfskit.recovery.RecoveryReport;
import org.vmfskit.recovery.RecoveryResult;
import org.vmfskit.recovery.RecoveryScan;
import org.vmfskit.recovery.RecoveryWriter;
import org.vmfskit.recovery.ScanOptions;
import org.vmfskit.recovery.ScanReport;

/** The recovery commands: scan (find orphaned deltas) and recover (rebuild them into a directory). Neither writes the image. */
final class RecoveryCommands {

  private RecoveryCommands() {}

  static List<Command> all() {
    return List.of(new Scan(), new Recover());
  }

  private static ScanOptions scanOptions(CommandLine line) {
    return ScanOptions.defaults().withCarve(!line.hasOption("no-carve"));
  }

  /** {@code vmfs scan IMAGE [--json] [--no-carve] [--quiet]}. */
  static final class Scan implements Command {
    public String name() { return "scan"; }
    public String synopsis() { return "IMAGE [--json] [--no-carve] [--quiet]"; }
    public String summary() { return "find snapshot deltas deleted by a revert (free MAPs, free FDs, carving); reads the image only"; }
    public int[] arity() { return new int[] {1, 1}; }

    public Options options() {
      return new Options().addOption(VolumeCommands.json())
          .addOption(VolumeCommands.flag(null, "no-carve", "do not test free file blocks for headers (deltas of up to 256 blocks are then missed)"))
          .addOption(VolumeCommands.flag("q", "quiet", "no progress bar"));
    }

    public int execute(CommandLine line, CliContext context) throws IOException {
      Path image = VolumeCommands.image(line);
      ScanReport report;
      try (BlockDevice device = Images.openDevice(image).device(); ProgressBars bars = new ProgressBars(context)) {
        report = RecoveryScan.scan(device, Images.describe(image), scanOptions(line), bars).report();
      }
      context.out().print(line.hasOption("json") ? RecoveryReport.toJson(report) + "\n" : RecoveryReport.describe(report));
      return VmfsCli.OK;
    }
  }

  /** {@code vmfs recover IMAGE --out DIR [--chain [--full]] [--candidate ID] [--format flat|monolithicSparse] [--force] [--verify-after] [--json] [--quiet]}. */
  static final class Recover implements Command {
    public String name() { return "recover"; }
    public String synopsis() {
      return "IMAGE --out DIR [--chain [--full]] [--candidate ID] [--format flat|monolithicSparse] [--force] [--verify-after] [--json] [--quiet]";
    }
    public String summary() { return "rebuild deleted deltas into DIR: the flattened disk (or the delta chained to a parent copy), report.json/txt"; }
    public int[] arity() { return new int[] {1, 1}; }

    public Options options() {
      return new Options()
          .addOption(VolumeCommands.valued("out", "DIR", "output directory, written as a whole: it appears only when complete"))
          .addOption(VolumeCommands.valued("candidate", "ID", "recover only this candidate (as listed by scan); default all matched ones"))
          .addOption(VolumeCommands.flag(null, "chain", "write the rebuilt delta + a new descriptor chained to a copy of its parent chain,"
              + " instead of the flattened disk"))
          .addOption(VolumeCommands.flag(null, "full", "with --chain: write the flattened disk as well"))
          .addOption(VolumeCommands.valued("format", "FMT", "flattened disk: flat (default) or monolithicSparse"))
          .addOption(VolumeCommands.flag(null, "force", "replace DIR when it exists and is not empty"))
          .addOption(VolumeCommands.flag(null, "verify-after", "hash the whole image again at the end (by default its unchanged size, mtime"
              + " and ctime show it untouched)"))
          .addOption(VolumeCommands.json())
          .addOption(VolumeCommands.flag("q", "quiet", "no progress bar"))
          .addOption(VolumeCommands.flag(null, "no-carve", "do not test free file blocks for headers"));
    }

    public int execute(CommandLine line, CliContext context) throws IOException, UsageException {
      Path image = VolumeCommands.image(line);
      if (!line.hasOption("out")) {
        throw new UsageException("--out DIR is required");
      }
      if (line.hasOption("full") && !line.hasOption("chain")) {
        throw new UsageException("--full goes with --chain (the flattened disk is written by default)");
      }
      Path out = Path.of(line.getOptionValue("out"));
      RecoveryWriter.FlatFormat format = switch (line.getOptionValue("format", "flat")) {
        case "flat" -> RecoveryWriter.FlatFormat.FLAT;
        case "monolithicSparse" -> RecoveryWriter.FlatFormat.MONOLITHIC_SPARSE;
        default -> throw new UsageException("--format must be flat or monolithicSparse");
      };
      if (!Files.exists(image)) {
        throw new java.nio.file.NoSuchFileException(image.toString());
      }
      Path realImage = image.toRealPath();
      if (Files.exists(out) && realImage.startsWith(out.toRealPath())) {
        throw new UsageException("--out must not contain the image");
      }
      Path readable = Images.uncompressed(image);
      RecoverOptions.Builder options = RecoverOptions.builder(out).evidence(image).hostFile(readable).format(format)
          .force(line.hasOption("force")).verifyAfter(line.hasOption("verify-after")).imageName(Images.describe(image));
      if (line.hasOption("chain")) {
        if (line.hasOption("full")) {
          options.outputs(RecoverOptions.Output.CHAIN, RecoverOptions.Output.FULL);
        } else {
          options.outputs(RecoverOptions.Output.CHAIN);
        }
      }
      if (line.hasOption("candidate")) {
        options.candidates(line.getOptionValue("candidate"));
      }
      RecoveryResult result;
      try (OpenedImage opened = Images.openDevice(image); ProgressBars bars = new ProgressBars(context)) {
        if (!opened.layout().isPlain()) {
          // The datastore is a partition or sits in an EWF set or a VMDK: the device is not the
          // whole host file, so its bytes are hashed as read, holes not skipped.
          options.hostFile(null);
        }
        result = Recovery.scanAndRecover(opened.device(), scanOptions(line), options.progress(bars).build());
      } catch (RecoveryOutputException e) {
        // The image was only read: the failure is the output's, and the line names it.
        context.err().println("vmfs: " + e.getFile() + ": " + e.getReason());
        return VmfsCli.ERROR;
      }
      RecoveryReport report = result.report();
      context.out().print(line.hasOption("json") ? report.toJson() + "\n" : report.toText());
      if (!report.imageUnchanged()) {
        context.err().println("vmfs: " + image + ": the image changed during recovery (" + report.unchangedProof() + ")");
        return VmfsCli.ERROR;
      }
      return VmfsCli.OK;
    }
  }
}
