package org.vmfskit.cli;

import static org.vmfskit.cli.VolumeCommands.flag;
import static org.vmfskit.cli.VolumeCommands.image;
import static org.vmfskit.cli.VolumeCommands.valued;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.snapshot.DiskSlot;
import org.vmfskit.fs.snapshot.SnapshotManager;
import org.vmfskit.fs.snapshot.SnapshotRef;

/** The commands that make and change VMs on a datastore: vm create, vm write-memory, vm write-disk, vm clone. */
final class VmCommands {

  private static final int CHUNK = 8 << 20;

  private VmCommands() {}

  static List<Command> all() {
    return List.of(new Create(), new WriteMemory(), new WriteDisk(), new Clone());
  }

  static long offset(CommandLine line) throws UsageException {
    return Sizes.option(line, "offset", 0);
  }

  /** Parses a {@code --disk} node such as {@code scsi0:1} at the command's edge. */
  static DiskSlot diskSlot(String node) throws UsageException {
    try {
      return DiskSlot.parse(node);
    } catch (IllegalArgumentException e) {
      throw new UsageException("bad --disk: " + e.getMessage());
    }
  }

  /** {@code vmfs vm create IMAGE /DIR --disk-size SIZE [--memory SIZE]}. */
  static final class Create implements Command {
    public String name() { return "vm create"; }
    public String synopsis() { return "IMAGE /DIR --disk-size SIZE [--memory SIZE]"; }
    public String summary() { return "create a VM directory: DIR.vmx, a thin base disk DIR.vmdk, a sparse DIR.vmem and an empty DIR.vmsd"; }
    public int[] arity() { return new int[] {2, 2}; }

    public Options options() {
      return new Options().addOption(Images.force())
          .addOption(Option.builder().longOpt("disk-size").hasArg().argName("SIZE").required().desc("capacity of the disk, e.g. 1G").get())
          .addOption(valued("memory", "SIZE", "guest RAM, whole MiB (default 0)"));
    }

    public int execute(CommandLine line, CliContext context) throws IOException, UsageException {
      long disk = Sizes.parse(line.getOptionValue("disk-size"), "--disk-size");
      long memory = Sizes.option(line, "memory", 0);
      if (disk <= 0 || disk % 512 != 0) {
        throw new UsageException("--disk-size must be a positive multiple of 512");
      }
      if (memory % (1 << 20) != 0 || memory > (1L << 40)) {
        throw new UsageException("--memory must be whole MiB (at most 1T)");
      }
      try (Vmfs vmfs = Images.openWritable(image(line), line.hasOption("force"))) {
        SnapshotManager vm = SnapshotManager.createVm(vmfs, line.getArgs()[1], List.of(disk), memory);
        context.out().printf("created VM %s in /%s: disk %s, memory %s%n", vm.directory().name(), vm.directory().path(),
            Sizes.human(disk), Sizes.human(memory));
      }
      return VmfsCli.OK;
    }
  }

  /** {@code vmfs vm write-memory IMAGE /DIR --offset N --from FILE}. */
  static final class WriteMemory implements Command {
    public String name() { return "vm write-memory"; }
    public String synopsis() { return "IMAGE /DIR --offset N --from FILE"; }
    public String summary() { return "write a local file into the VM's guest memory (DIR.vmem) at a guest physical address"; }
    public int[] arity() { return new int[] {2, 2}; }

    public Options options() {
      return new Options().addOption(Images.force()).addOption(valued("offset", "N", "guest physical address in bytes (default 0)"))
          .addOption(Option.builder().longOpt("from").hasArg().argName("FILE").required().desc("local file to write").get());
    }

    public int execute(CommandLine line, CliContext context) throws IOException, UsageException {
      long offset = offset(line);
      try (FileChannel in = FileChannel.open(Path.of(line.getOptionValue("from")), StandardOpenOption.READ);
          Vmfs vmfs = Images.openWritable(image(line), line.hasOption("force"))) {
        SnapshotManager vm = SnapshotManager.open(vmfs, line.getArgs()[1]);
        long size = in.size();
        if (offset + size > vm.config().memSizeBytes()) {
          throw new UsageException("write of " + size + " bytes at " + offset + " passes the end of memory (" + vm.config().memSizeBytes() + " bytes)");
        }
        copy(in, size, (at, chunk) -> vm.writeMemory(offset + at, chunk));
      }
      return VmfsCli.OK;
    }
  }

  /** {@code vmfs vm write-disk IMAGE /DIR --offset N --from FILE [--disk scsi0:0]}. */
  static final class WriteDisk implements Command {
    public String name() { return "vm write-disk"; }
    public String synopsis() { return "IMAGE /DIR --offset N --from FILE [--disk NODE]"; }
    public String summary() { return "write a local file into the VM's live disk (the leaf named in DIR.vmx), as the guest would"; }
    public int[] arity() { return new int[] {2, 2}; }

    public Options options() {
      return new Options().addOption(Images.force()).addOption(valued("offset", "N", "byte offset in the disk (default 0)"))
          .addOption(Option.builder().longOpt("from").hasArg().argName("FILE").required().desc("local file to write").get())
          .addOption(valued("disk", "NODE", "disk slot (default scsi0:0)"));
    }

    public int execute(CommandLine line, CliContext context) throws IOException, UsageException {
      long offset = offset(line);
      DiskSlot node = diskSlot(line.getOptionValue("disk", "scsi0:0"));
      try (FileChannel in = FileChannel.open(Path.of(line.getOptionValue("from")), StandardOpenOption.READ);
          Vmfs vmfs = Images.openWritable(image(line), line.hasOption("force"))) {
        SnapshotManager vm = SnapshotManager.open(vmfs, line.getArgs()[1]);
        long capacity = vm.diskCapacity(node);
        if (offset + in.size() > capacity) {
          throw new UsageException("write of " + in.size() + " bytes at " + offset + " passes the end of the disk (" + capacity + " bytes)");
        }
        copy(in, in.size(), (at, chunk) -> vm.writeDisk(node, offset + at, chunk));
      }
      return VmfsCli.OK;
    }
  }

  @FunctionalInterface
  private interface ChunkSink {
    void write(long at, ByteBuffer chunk) throws IOException;
  }

  private static void copy(FileChannel in, long size, ChunkSink sink) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(CHUNK, Math.max(1, size)));
    for (long at = 0; at < size; ) {
      buffer.clear().limit((int) Math.min(buffer.capacity(), size - at));
      while (buffer.hasRemaining()) {
        if (in.read(buffer, at + buffer.position()) < 0) {
          throw new IOException("local file shrank while being read");
        }
      }
      int n = buffer.position();
      sink.write(at, buffer.flip());
      at += n;
    }
  }

  /** {@code vmfs vm clone IMAGE /DIR /NEWDIR [--linked SNAPSHOT [--absolute-hint]] [--snapshot SNAPSHOT]}. */
  static final class Clone implements Command {
    public String name() { return "vm clone"; }
    public String synopsis() { return "IMAGE /DIR /NEWDIR [--linked SNAPSHOT [--absolute-hint]] [--snapshot SNAPSHOT]"; }
    public String summary() { return "clone a VM: a full (flattened) copy of the live state or of --snapshot, or a linked clone over a snapshot's frozen disks"; }
    public int[] arity() { return new int[] {3, 3}; }

    public Options options() {
      return new Options().addOption(Images.force()).addOption(valued("linked", "SNAPSHOT", "make a linked clone: deltas over this snapshot's disks (name or #UID)"))
          .addOption(valued("snapshot", "SNAPSHOT", "full clone of this snapshot instead of the live state"))
          .addOption(flag(null, "absolute-hint", "linked clone: parentFileNameHint as /vmfs/volumes/<label>/... instead of ../"));
    }

    public int execute(CommandLine line, CliContext context) throws IOException, UsageException {
      if (line.hasOption("linked") && line.hasOption("snapshot")) {
        throw new UsageException("--linked and --snapshot exclude each other");
      }
      if (line.hasOption("absolute-hint") && !line.hasOption("linked")) {
        throw new UsageException("--absolute-hint needs --linked");
      }
      try (Vmfs vmfs = Images.openWritable(image(line), line.hasOption("force"))) {
        SnapshotManager vm = SnapshotManager.open(vmfs, line.getArgs()[1]);
        SnapshotManager clone;
        if (line.hasOption("linked")) {
          clone = vm.cloneLinked(line.getArgs()[2], SnapshotRef.parse(line.getOptionValue("linked")), line.hasOption("absolute-hint"));
        } else {
          Optional<SnapshotRef> ref = line.hasOption("snapshot") ? Optional.of(SnapshotRef.parse(line.getOptionValue("snapshot"))) : Optional.empty();
          clone = vm.cloneFull(line.getArgs()[2], ref);
        }
        context.out().printf("cloned /%s to /%s (%s)%n", vm.directory().path(), clone.directory().path(),
            line.hasOption("linked") ? "linked" : "full");
      }
      return VmfsCli.OK;
    }
  }
}
