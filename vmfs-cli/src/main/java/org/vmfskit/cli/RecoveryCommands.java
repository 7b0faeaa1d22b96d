package org.vmfskit.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.recovery.RecoveryReport;
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

  /** {@code vmfs scan IMAGE [--json] [--no-carve]}. */
  static final class Scan implements Command {
    public String name() { return "scan"; }
    public String synopsis() { return "IMAGE [--json] [--no-carve]"; }
    public String summary() { return "find snapshot deltas deleted by a revert (free MAPs, free FDs, carving); reads the image only"; }
    public int[] arity() { return new int[] {1, 1}; }

    public Options options() {
      return new Options().addOption(VolumeCommands.json())
          .addOption(VolumeCommands.flag(null, "no-carve", "do not test free file blocks for headers (deltas of up to 256 blocks are then missed)"));
    }

    public int execute(CommandLine line, CliContext context) throws IOException {
      Path image = VolumeCommands.image(line);
      try (BlockDevice device = Images.openDevice(image).device()) {
        ScanReport report = RecoveryScan.scan(device, Images.describe(image), scanOptions(line)).report();
        context.out().print(line.hasOption("json") ? RecoveryReport.toJson(report) + "\n" : RecoveryReport.describe(report));
      }
      return VmfsCli.OK;
    }
  }

  /** {@code vmfs recover IMAGE --out DIR [--candidate ID] [--format flat|monolithicSparse] [--json] [--quiet]}. */
  static final class Recover implements Command {
    public String name() { return "recover"; }
    public String synopsis() { return "IMAGE --out DIR [--candidate ID] [--format flat|monolithicSparse] [--json] [--quiet]"; }
    public String summary() { return "rebuild deleted deltas into DIR: delta + descriptor, parent copy, flattened disk, report.json/txt"; }
    public int[] arity() { return new int[] {1, 1}; }

    public Options options() {
      return new Options()
          .addOption(VolumeCommands.valued("out", "DIR", "output directory (created; must not hold the image)"))
          .addOption(VolumeCommands.valued("candidate", "ID", "recover only this candidate (as listed by scan); default all matched ones"))
          .addOption(VolumeCommands.valued("format", "FMT", "flattened disk: flat (default) or monolithicSparse"))
          .addOption(VolumeCommands.json())
          .addOption(VolumeCommands.flag("q", "quiet", "no progress bar"))
          .addOption(VolumeCommands.flag(null, "no-carve", "do not test free file blocks for headers"));
    }

    public int execute(CommandLine line, CliContext context) throws IOException, UsageException {
      Path image = VolumeCommands.image(line);
      if (!line.hasOption("out")) {
        throw new UsageException("--out DIR is required");
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
      RecoveryReport report;
      String compressedBefore = CompressedImages.isCompressed(image) ? CompressedImages.sha256(image) : null;
      try (BlockDevice device = Images.openDevice(image).device();
          ProgressBars bars = new ProgressBars(context)) {
        report = RecoveryWriter.recover(device, Images.describe(image), out, line.getOptionValue("candidate"), format, scanOptions(line), bars);
      }
      if (compressedBefore != null && !compressedBefore.equals(CompressedImages.sha256(image))) {
        context.err().println("vmfs: " + image + ": the compressed image's SHA-256 changed during recovery");
        return VmfsCli.ERROR;
      }
      context.out().print(line.hasOption("json") ? report.toJson() + "\n" : report.toText());
      if (!report.imageUnchanged()) {
        context.err().println("vmfs: " + image + ": the image's SHA-256 changed during recovery");
        return VmfsCli.ERROR;
      }
      return report.recovered().isEmpty() ? VmfsCli.ERROR : VmfsCli.OK;
    }
  }
}
