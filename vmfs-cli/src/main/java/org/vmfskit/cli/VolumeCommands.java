package org.vmfskit.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.vmfskit.fs.check.CheckReport;
import org.vmfskit.fs.check.Problem;
import org.vmfskit.fs.check.VolumeChecker;
import org.vmfskit.fs.device.FileChannelBlockDevice;
import org.vmfskit.fs.file.FileStat;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.file.VmfsFile;
import org.vmfskit.fs.volume.FormatOptions;
import org.vmfskit.fs.volume.VmfsVersion;
import org.vmfskit.fs.volume.VolumeInfo;

/** The commands that work on a volume's files: mkfs, info, ls, cat, put, get, mkdir, rm, mv, ln, fsck. */
final class VolumeCommands {

  private static final int CHUNK = 8 << 20;
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);

  private VolumeCommands() {}

  static List<Command> all() {
    return List.of(new Mkfs(), new Info(), new Ls(), new Cat(), new Put(), new Get(), new Mkdir(), new Rm(), new Mv(), new Ln(), new Fsck());
  }

  static Option flag(String shortName, String longName, String description) {
    return Option.builder(shortName).longOpt(longName).desc(description).get();
  }

  static Option valued(String longName, String argName, String description) {
    return Option.builder().longOpt(longName).hasArg().argName(argName).desc(description).get();
  }

  static Option json() {
    return flag(null, "json", "print JSON instead of text");
  }

  static Path image(CommandLine line) {
    return Path.of(line.getArgs()[0]);
  }

  /** {@code vmfs mkfs IMAGE --size SIZE [--label TEXT] [--block-size SIZE]}. */
  static final class Mkfs implements Command {
    public String name() { return "mkfs"; }
    public String synopsis() { return "IMAGE --size SIZE [--type vmfs5|vmfs6] [--label TEXT] [--block-size 1M|2M|4M|8M]"; }
    public String summary() { return "format a new sparse image file as a VMFS datastore (SIZE: 256M to 64T, rounded down to 256 MiB)"; }
    public int[] arity() { return new int[] {1, 1}; }

    public Options options() {
      return new Options()
          .addOption(Option.builder().longOpt("size").hasArg().argName("SIZE").required().desc("datastore size, e.g. 10G").get())
          .addOption(valued("type", "TYPE", "vmfs5 (default: vmfskit writes VMFS5 fully) or vmfs6 (a new, empty VMFS6 volume; vmfskit reads VMFS6 but does not write files to it yet)"))
          .addOption(valued("label", "TEXT", "datastore label (at most 127 bytes)"))
          .addOption(valued("block-size", "SIZE", "file-block size, default 1M"))
          .addOption(valued("seed", "N", "seed for the UUIDs (for reproducible images)"))
          .addOption(flag("f", "force", "overwrite an existing file"));
    }

    public int execute(CommandLine line, CliContext context) throws IOException, UsageException {
      Path image = image(line);
      long size = Sizes.parse(line.getOptionValue("size"), "--size");
      long volumeBytes = size / FormatOptions.MIN_VOLUME_BYTES * FormatOptions.MIN_VOLUME_BYTES;
      if (volumeBytes < FormatOptions.MIN_VOLUME_BYTES || volumeBytes > FormatOptions.MAX_VOLUME_BYTES) {
        throw new UsageException("--size must be between 256M and 64T (got " + line.getOptionValue("size") + ")");
      }
      FormatOptions.Builder options = FormatOptions.builder(volumeBytes).label(line.getOptionValue("label", ""));
      try {
        if (line.hasOption("block-size")) {
          options.blockSize(Sizes.parse(line.getOptionValue("block-size"), "--block-size"));
        }
        if (line.hasOption("seed")) {
          options.seed(Long.parseLong(line.getOptionValue("seed")));
        }
        options.version(switch (line.getOptionValue("type", "vmfs5").toLowerCase(java.util.Locale.ROOT)) {
          case "vmfs5" -> VmfsVersion.VMFS5;
          case "vmfs6" -> VmfsVersion.VMFS6;
          default -> throw new UsageException("--type must be vmfs5 or vmfs6 (got " + line.getOptionValue("type") + ")");
        });
        options.build();
      } catch (IllegalArgumentException e) {
        throw new UsageException(e.getMessage());
      }
      if (Files.exists(image)) {
        if (!line.hasOption("force")) {
          throw new FileAlreadyExistsException(image.toString(), null, "already exists (use --force to overwrite)");
        }
        Files.delete(image);
      }
      FileChannelBlockDevice device = FileChannelBlockDevice.create(image, 0);
      try {
        device.resize(options.build().imageBytes());
      } catch (IOException e) {
        device.close();
        Files.deleteIfExists(image);
        throw new java.nio.file.FileSystemException(image.toString(), null, "the host file system cannot hold an image of "
            + options.build().imageBytes() + " bytes (" + e.getMessage() + "; ext4 stops at 16 TiB, XFS goes further)");
      }
      try (Vmfs vmfs = Vmfs.format(device, options.build())) {
        VolumeInfo info = vmfs.info();
        context.out().printf("formatted %s: %s, %s, %s blocks, label \"%s\", UUID %s%n", image, vmfs.version(), Sizes.human(info.volumeBytes()),
            Sizes.human(info.blockSize()), info.label(), info.fsUuid());
      }
      return VmfsCli.OK;
    }
  }

  /** {@code vmfs info IMAGE [--json]}. */
  static final class Info implements Command {
    public String name() { return "info"; }
    public String synopsis() { return "IMAGE [--json]"; }
    public String summary() { return "show the datastore's versions, geometry, label, UUIDs and free space"; }
    public int[] arity() { return new int[] {1, 1}; }
    public Options options() { return new Options().addOption(json()); }

    public int execute(CommandLine line, CliContext context) throws IOException {
      try (Images.Opened opened = Images.open(image(line))) {
        VolumeInfo info = opened.vmfs().info();
        if (line.hasOption("json")) {
          context.out().println(Json.write(opened.layout().isPlain() ? info : withContainer(info, opened.layout())));
          return VmfsCli.OK;
        }
        var out = context.out();
        out.printf("Label:           %s%n", info.label());
        out.printf("UUID:            %s%n", info.fsUuid());
        out.printf("LVM UUID:        %s%n", info.lvmUuid());
        out.printf("Version:         %s (LVM %d, FS %d.%d)%n", opened.vmfs().version(), info.lvmMajor(), info.fsMajor(), info.fsMinor());
        out.printf("Created:         %s%n", Instant.ofEpochSecond(info.creationTime()));
        out.printf("Size:            %s (%d bytes)%n", Sizes.human(info.volumeBytes()), info.volumeBytes());
        out.printf("Block size:      %s, sub-block %s, %d addresses per MAP%n", Sizes.human(info.blockSize()), Sizes.human(info.subBlockSize()), info.addressesPerMap());
        out.printf("Blocks:          %d, %d free (%s free)%n", info.blocks(), info.freeBlocks(), Sizes.human(info.freeBlocks() * info.blockSize()));
        for (VolumeInfo.ResourceUsage usage : info.resources()) {
          out.printf("%-16s %d of %d free%n", usage.file() + ":", usage.free(), usage.total());
        }
        out.printf("Journal:         %s%n", info.journal());
        if (!opened.layout().isPlain()) {
          opened.layout().describe().forEach(out::println);
        }
        return VmfsCli.OK;
      }
    }
  }

  /** Returns the info fields plus a {@code container} object: kind, detail, partition table, partition read, recorded hashes. */
  private static Map<String, Object> withContainer(VolumeInfo info, org.vmfskit.fs.device.container.ImageLayout layout) {
    Map<String, Object> container = new LinkedHashMap<>();
    container.put("kind", layout.container().name());
    container.put("detail", layout.detail());
    container.put("partitionTable", layout.table().map(t -> t.scheme().name()).orElse(null));
    container.put("partitions", layout.table().map(t -> t.partitions()).orElse(List.of()));
    container.put("partition", layout.partition().isPresent() ? layout.partition().getAsInt() : null);
    container.put("acquiredMd5", layout.hashes().flatMap(h -> h.md5()).orElse(null));
    container.put("acquiredSha1", layout.hashes().flatMap(h -> h.sha1()).orElse(null));
    Map<String, Object> fields = Json.fields(info);
    fields.put("container", container);
    return fields;
  }

  /** One row of {@code ls --json}. */
  record Listing(String name, String type, long size, String mode, long nlink, long uid, long gid, long mtime, String fd,
      String addressing, long blocks, String target) {
    static Listing of(FileStat stat, String target) {
      return new Listing(stat.name(), stat.type().name().toLowerCase(java.util.Locale.ROOT), stat.size(), stat.modeString(), stat.nlink(),
          stat.uid(), stat.gid(), stat.mtime(), "0x" + Integer.toHexString(stat.address().raw()), stat.addressing().name(), stat.blocks(), target);
    }
  }

  /** {@code vmfs ls IMAGE [PATH] [-l] [-a] [--json]}. */
  static final class Ls implements Command {
    public String name() { return "ls"; }
    public String synopsis() { return "IMAGE [PATH] [-l] [-a] [--json]"; }
    public String summary() { return "list a directory (default /); -l for details, -a to include system files"; }
    public int[] arity() { return new int[] {1, 2}; }

    public Options options() {
      return new Options().addOption(flag("l", "long", "long listing: mode, links, owner, size, time"))
          .addOption(flag("a", "all", "include the .sf system files")).addOption(json());
    }

    public int execute(CommandLine line, CliContext context) throws IOException {
      String path = line.getArgs().length > 1 ? line.getArgs()[1] : "/";
      try (Vmfs vmfs = Images.openReadOnly(image(line))) {
        FileStat self = vmfs.stat(path);
        List<FileStat> stats = self.isDirectory() ? vmfs.list(path) : List.of(self);
        List<Listing> rows = new ArrayList<>();
        for (FileStat stat : stats) {
          if (!line.hasOption("all") && self.isDirectory() && stat.type() == org.vmfskit.fs.format.FileType.SYSTEM) {
            continue;
          }
          String target = stat.isSymlink() ? vmfs.readLink(self.isDirectory() ? Vmfs.join(path, stat.name()) : path) : null;
          rows.add(Listing.of(stat, target));
        }
        if (line.hasOption("json")) {
          context.out().println(Json.write(rows));
        } else if (line.hasOption("long")) {
          for (Listing row : rows) {
            context.out().printf("%s %3d %5d %5d %14d %s %s%s%n", row.mode(), row.nlink(), row.uid(), row.gid(), row.size(),
                TIME.format(Instant.ofEpochSecond(row.mtime())), row.name(), row.target() == null ? "" : " -> " + row.target());
          }
        } else {
          for (Listing row : rows) {
            context.out().println(row.name());
          }
        }
      }
      return VmfsCli.OK;
    }
  }

  /** {@code vmfs cat IMAGE PATH}. */
  static final class Cat implements Command {
    public String name() { return "cat"; }
    public String synopsis() { return "IMAGE PATH"; }
    public String summary() { return "write a file's content to standard output"; }
    public int[] arity() { return new int[] {2, 2}; }
    public Options options() { return new Options(); }

    public int execute(CommandLine line, CliContext context) throws IOException {
      try (Vmfs vmfs = Images.openReadOnly(image(line))) {
        VmfsFile file = vmfs.openFile(line.getArgs()[1]);
        WritableByteChannel channel = context.outChannel();
        ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
        long size = file.size();
        for (long pos = 0; pos < size; ) {
          buffer.clear();
          int n = file.read(pos, buffer);
          if (n <= 0) {
            break;
          }
          buffer.flip();
          while (buffer.hasRemaining()) {
            channel.write(buffer);
          }
          pos += n;
        }
      }
      return VmfsCli.OK;
    }
  }

  /** {@code vmfs put IMAGE LOCALFILE PATH [--force]}. */
  static final class Put implements Command {
    public String name() { return "put"; }
    public String synopsis() { return "IMAGE LOCALFILE PATH [--force] [--quiet]"; }
    public String summary() { return "copy a host file into the datastore; all-zero blocks stay holes (thin)"; }
    public int[] arity() { return new int[] {3, 3}; }
    public Options options() {
      return new Options().addOption(flag("f", "force", "replace an existing file; write even to an image file whose mode is read-only")).addOption(flag("q", "quiet", "no progress bar"));
    }

    public int execute(CommandLine line, CliContext context) throws IOException {
      Path local = Path.of(line.getArgs()[1]);
      String path = line.getArgs()[2];
      try (FileChannel in = FileChannel.open(local, StandardOpenOption.READ); Vmfs vmfs = Images.openWritable(image(line), line.hasOption("force"))) {
        if (vmfs.exists(path) && vmfs.stat(path).isDirectory()) {
          path = Vmfs.join(path, local.getFileName().toString());
        }
        if (vmfs.exists(path) && !line.hasOption("force")) {
          throw new FileAlreadyExistsException(path, null, "already exists (use --force to replace it)");
        }
        try (ProgressBars bars = new ProgressBars(context)) {
          // One change: killed or failed, the datastore has the old file or none, never a partial one.
          vmfs.createFile(path, line.hasOption("force"), file -> copyIn(in, file, bars));
        }
      }
      return VmfsCli.OK;
    }

    /** Copies {@code in} into the new, empty {@code file}; block-aligned all-zero runs stay holes. */
    static void copyIn(FileChannel in, VmfsFile file, ProgressBars bars) throws IOException {
      long size = in.size();
      file.fill(in, size, done -> bars.update("put", done, size));
    }
  }

  /** {@code vmfs get IMAGE PATH LOCALFILE [--force]}. */
  static final class Get implements Command {
    public String name() { return "get"; }
    public String synopsis() { return "IMAGE PATH LOCALFILE [--force] [--quiet]"; }
    public String summary() { return "copy a file out of the datastore; holes stay holes in LOCALFILE"; }
    public int[] arity() { return new int[] {3, 3}; }
    public Options options() {
      return new Options().addOption(flag("f", "force", "overwrite LOCALFILE if it exists")).addOption(flag("q", "quiet", "no progress bar"));
    }

    public int execute(CommandLine line, CliContext context) throws IOException {
      Path local = Path.of(line.getArgs()[2]);
      try (Vmfs vmfs = Images.openReadOnly(image(line))) {
        VmfsFile file = vmfs.openFile(line.getArgs()[1]);
        if (Files.isDirectory(local)) {
          local = local.resolve(Path.of(line.getArgs()[1]).getFileName().toString());
        }
        if (Files.exists(local) && !line.hasOption("force")) {
          throw new FileAlreadyExistsException(local.toString(), null, "already exists (use --force to overwrite)");
        }
        long size = file.size();
        // Written under a temporary name and renamed when complete: a failure leaves no partial LOCALFILE.
        try (PartialOutput partial = PartialOutput.file(local)) {
          try (FileChannel out = partial.open()) {
            try (ProgressBars bars = new ProgressBars(context)) {
              long step = 256L << 20;
              for (long pos = 0; pos < size; pos += step) {
                file.copyTo(pos, Math.min(step, size - pos), out, pos);
                bars.update("get", Math.min(size, pos + step), size);
              }
            }
            if (out.size() < size) {
              out.write(ByteBuffer.allocate(1), size - 1);
            }
          }
          partial.commit(line.hasOption("force"));
        } catch (IOException e) {
          throw OutputFileException.attribute(e, local);
        }
      }
      return VmfsCli.OK;
    }
  }

  /** {@code vmfs mkdir IMAGE PATH [-p]}. */
  static final class Mkdir implements Command {
    public String name() { return "mkdir"; }
    public String synopsis() { return "IMAGE PATH [-p]"; }
    public String summary() { return "create a directory"; }
    public int[] arity() { return new int[] {2, 2}; }
    public Options options() { return new Options().addOption(Images.force()).addOption(flag("p", "parents", "create missing parents; no error if it exists")); }

    public int execute(CommandLine line, CliContext context) throws IOException {
      String path = line.getArgs()[1];
      try (Vmfs vmfs = Images.openWritable(image(line), line.hasOption("force"))) {
        if (!line.hasOption("parents")) {
          vmfs.mkdir(path);
          return VmfsCli.OK;
        }
        StringBuilder prefix = new StringBuilder();
        for (String name : path.split("/")) {
          if (name.isEmpty()) {
            continue;
          }
          prefix.append('/').append(name);
          if (!vmfs.exists(prefix.toString())) {
            vmfs.mkdir(prefix.toString());
          }
        }
      }
      return VmfsCli.OK;
    }
  }

  /** {@code vmfs rm IMAGE PATH [-r]}. */
  static final class Rm implements Command {
    public String name() { return "rm"; }
    public String synopsis() { return "IMAGE PATH [-r]"; }
    public String summary() { return "delete a file, link or empty directory (-r: a whole tree); data blocks are freed, not wiped"; }
    public int[] arity() { return new int[] {2, 2}; }
    public Options options() { return new Options().addOption(Images.force()).addOption(flag("r", "recursive", "delete a directory and everything below it")); }

    public int execute(CommandLine line, CliContext context) throws IOException {
      try (Vmfs vmfs = Images.openWritable(image(line), line.hasOption("force"))) {
        if (line.hasOption("recursive")) {
          vmfs.deleteRecursive(line.getArgs()[1]);
        } else {
          vmfs.delete(line.getArgs()[1]);
        }
      }
      return VmfsCli.OK;
    }
  }

  /** {@code vmfs mv IMAGE FROM TO}. */
  static final class Mv implements Command {
    public String name() { return "mv"; }
    public String synopsis() { return "IMAGE FROM TO"; }
    public String summary() { return "rename or move a file or directory (into TO when TO is a directory)"; }
    public int[] arity() { return new int[] {3, 3}; }
    public Options options() { return new Options().addOption(Images.force()); }

    public int execute(CommandLine line, CliContext context) throws IOException {
      try (Vmfs vmfs = Images.openWritable(image(line), line.hasOption("force"))) {
        vmfs.rename(line.getArgs()[1], line.getArgs()[2]);
      }
      return VmfsCli.OK;
    }
  }

  /** {@code vmfs ln -s IMAGE TARGET PATH}. */
  static final class Ln implements Command {
    public String name() { return "ln"; }
    public String synopsis() { return "-s IMAGE TARGET PATH"; }
    public String summary() { return "create a symbolic link PATH pointing to TARGET"; }
    public int[] arity() { return new int[] {3, 3}; }
    public Options options() { return new Options().addOption(Images.force()).addOption(flag("s", "symbolic", "make a symbolic link (the only kind VMFS has)")); }

    public int execute(CommandLine line, CliContext context) throws IOException, UsageException {
      if (!line.hasOption("symbolic")) {
        throw new UsageException("VMFS has only symbolic links: use ln -s");
      }
      try (Vmfs vmfs = Images.openWritable(image(line), line.hasOption("force"))) {
        vmfs.symlink(line.getArgs()[1], line.getArgs()[2]);
      }
      return VmfsCli.OK;
    }
  }

  /** {@code vmfs fsck IMAGE [--json] [--repair]}. */
  static final class Fsck implements Command {
    public String name() { return "fsck"; }
    public String synopsis() { return "IMAGE [--json] [--repair]"; }
    public String summary() { return "check the volume (read-only unless --repair); exit 0 when clean, 1 with the list of problems"; }
    public int[] arity() { return new int[] {1, 1}; }
    public Options options() {
      return new Options().addOption(Images.force()).addOption(json())
          .addOption(flag(null, "repair", "open the image writable and repair what is safe (leaks, counters, duplicate entries, "
              + "link counts; unnamed files go to /lost+found), printing every change, then check again"));
    }

    public int execute(CommandLine line, CliContext context) throws IOException {
      if (line.hasOption("repair")) {
        try (Vmfs vmfs = Images.openWritable(image(line), line.hasOption("force"))) {
          org.vmfskit.fs.check.VolumeRepairer.RepairReport repair = org.vmfskit.fs.check.VolumeRepairer.repair(vmfs);
          if (!line.hasOption("json")) {
            for (Problem problem : repair.before().problems()) {
              context.out().println(problem);
            }
            for (String change : repair.changes()) {
              context.out().println("repaired: " + change);
            }
            for (String refusal : repair.refused()) {
              context.out().println("not repaired: " + refusal);
            }
          } else {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("problemsBefore", repair.before().problems());
            json.put("changes", repair.changes());
            json.put("refused", repair.refused());
            context.out().println(Json.write(json));
          }
        }
      }
      try (Vmfs vmfs = Images.openReadOnly(image(line))) {
        CheckReport report = VolumeChecker.check(vmfs);
        org.vmfskit.fs.journal.Journal journal = vmfs.volume().journal();
        // A damaged journal may hide a change that was never written in place.
        boolean clean = report.isClean() && journal.state() != org.vmfskit.fs.journal.Journal.State.DAMAGED;
        if (line.hasOption("json")) {
          Map<String, Object> json = new LinkedHashMap<>();
          json.put("clean", clean);
          json.put("journal", journal.status());
          json.put("liveFiles", report.liveFiles());
          json.put("usedBlocks", report.usedBlocks());
          json.put("usedPointerBlocks", report.usedPointerBlocks());
          json.put("usedSubBlocks", report.usedSubBlocks());
          json.put("counts", report.counts());
          json.put("problems", report.problems());
          context.out().println(Json.write(json));
        } else {
          for (Problem problem : report.problems()) {
            context.out().println(problem);
          }
          context.out().println("journal: " + journal.status());
          context.out().printf("%s: %d files, %d blocks, %d MAPs, %d sub-blocks in use; %d problem(s)%n", image(line), report.liveFiles(),
              report.usedBlocks(), report.usedPointerBlocks(), report.usedSubBlocks(), report.problems().size());
        }
        return clean ? VmfsCli.OK : VmfsCli.ERROR;
      }
    }
  }
}
