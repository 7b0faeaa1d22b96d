package org.vmfskit.cli;

import static org.vmfskit.cli.VolumeCommands.flag;
import static org.vmfskit.cli.VolumeCommands.image;
import static org.vmfskit.cli.VolumeCommands.json;
import static org.vmfskit.cli.VolumeCommands.valued;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.snapshot.ConsistencyIssue;
import org.vmfskit.fs.snapshot.DiskSlot;
import org.vmfskit.fs.snapshot.SnapshotEntry;
import org.vmfskit.fs.snapshot.SnapshotManager;
import org.vmfskit.fs.snapshot.SnapshotRef;
import org.vmfskit.fs.snapshot.SnapshotTree;

/** The snapshot commands: take, list, revert, delete, verify. SNAPSHOT is a display name or {@code #UID}. */
final class SnapshotCommands {

  private static final int MAX_DEPTH = 4096;

  private SnapshotCommands() {}

  static List<Command> all() {
    return List.of(new Take(), new ListCommand(), new Revert(), new Delete(), new Verify());
  }

  /** {@code vmfs snapshot take IMAGE /DIR NAME [--memory] [--description TEXT]}. */
  static final class Take implements Command {
    public String name() { return "snapshot take"; }
    public String synopsis() { return "IMAGE /DIR NAME [--memory] [--description TEXT]"; }
    public String summary() { return "take a snapshot: freeze the live disks under new vmfsSparse deltas; --memory saves changed memory pages"; }
    public int[] arity() { return new int[] {3, 3}; }

    public Options options() {
      return new Options().addOption(Images.force()).addOption(flag(null, "memory", "save the guest memory (only pages changed since the memory parent)"))
          .addOption(valued("description", "TEXT", "description stored in the .vmsd"));
    }

    public int execute(CommandLine line, CliContext context) throws IOException, UsageException {
      String name = line.getArgs()[2];
      String description = line.getOptionValue("description", "");
      if (name.isBlank()) {
        throw new UsageException("NAME may not be empty");
      }
      try (Vmfs vmfs = Images.openWritable(image(line), line.hasOption("force"))) {
        SnapshotEntry entry = SnapshotManager.open(vmfs, line.getArgs()[1]).take(name, description, line.hasOption("memory"));
        context.out().printf("took snapshot \"%s\" (uid %d%s), %s%n", entry.displayName(), entry.uid(), entry.memory() ? ", with memory" : "",
            entry.digest().orElse(""));
      }
      return VmfsCli.OK;
    }
  }

  /** One snapshot in {@code list --json}. */
  record Row(int uid, Integer parent, String name, String description, String created, boolean memory, boolean current,
      String checkpoint, List<SnapshotEntry.SnapshotDisk> disks, String digest) {}

  /** The whole of {@code list --json}. */
  /** Returns the live disks keyed by their {@code .vmx} node names, as the JSON listing shows them. */
  static Map<String, String> nodes(Map<DiskSlot, String> liveDisks) {
    Map<String, String> out = new java.util.LinkedHashMap<>();
    liveDisks.forEach((slot, path) -> out.put(slot.toString(), path));
    return out;
  }

  record Listing(String vm, String directory, Integer current, boolean needConsolidate, Map<String, String> liveDisks,
      List<Row> snapshots, List<ConsistencyIssue> issues) {}

  /** {@code vmfs snapshot list IMAGE /DIR [--json]}. */
  static final class ListCommand implements Command {
    public String name() { return "snapshot list"; }
    public String synopsis() { return "IMAGE /DIR [--json]"; }
    public String summary() { return "show the snapshot tree, where the VM is (\"You are here\") and whether consolidation is needed"; }
    public int[] arity() { return new int[] {2, 2}; }
    public Options options() { return new Options().addOption(json()); }

    public int execute(CommandLine line, CliContext context) throws IOException {
      try (Vmfs vmfs = Images.openReadOnly(image(line))) {
        SnapshotManager vm = SnapshotManager.open(vmfs, line.getArgs()[1]);
        SnapshotTree tree = vm.tree();
        List<ConsistencyIssue> issues = vm.check();
        if (line.hasOption("json")) {
          List<Row> rows = new ArrayList<>();
          for (SnapshotEntry s : tree.snapshots()) {
            rows.add(new Row(s.uid(), s.parent().orElse(null), s.displayName(), s.description(), created(s), s.memory(),
                tree.current().equals(Optional.of(s.uid())), s.fileName(), s.disks(), s.digest().orElse(null)));
          }
          context.out().println(Json.write(new Listing(vm.directory().name(), "/" + vm.directory().path(), tree.current().orElse(null),
              tree.needConsolidate() || !issues.isEmpty(), nodes(vm.liveDisks()), rows, issues)));
          return VmfsCli.OK;
        }
        PrintStream out = context.out();
        out.printf("Snapshots of VM %s (/%s):%n", vm.directory().name(), vm.directory().path());
        if (tree.snapshots().isEmpty()) {
          out.println("  (none)");
        }
        List<SnapshotEntry> roots = tree.snapshots().stream().filter(s -> s.parent().isEmpty()).toList();
        for (int i = 0; i < roots.size(); i++) {
          print(out, tree, roots.get(i), "", i == roots.size() - 1, 0);
        }
        if (tree.current().isEmpty()) {
          out.println("--> You are here (no current snapshot)");
        }
        out.printf("Live disks: %s%n", vm.liveDisks().values().stream().map(p -> p.substring(p.lastIndexOf('/') + 1)).toList());
        if (tree.needConsolidate() || !issues.isEmpty()) {
          out.println("Consolidation needed:");
          issues.forEach(issue -> out.printf("  %s: %s%n", issue.kind(), issue.message()));
        }
      }
      return VmfsCli.OK;
    }

    private static void print(PrintStream out, SnapshotTree tree, SnapshotEntry s, String indent, boolean last, int depth) {
      if (depth > MAX_DEPTH) {
        return;
      }
      out.printf("%s%s%s  [uid %d, %s%s, %s]%s%n", indent, last ? "└─ " : "├─ ", s.displayName(), s.uid(), created(s),
          s.memory() ? ", memory" : "", s.disks().stream().map(SnapshotEntry.SnapshotDisk::fileName).toList(),
          s.description().isEmpty() ? "" : "  \"" + s.description() + "\"");
      String inner = indent + (last ? "   " : "│  ");
      List<SnapshotEntry> children = tree.children(s.uid());
      boolean here = tree.current().equals(Optional.of(s.uid()));
      for (int i = 0; i < children.size(); i++) {
        print(out, tree, children.get(i), inner, i == children.size() - 1 && !here, depth + 1);
      }
      if (here) {
        out.printf("%s└─ --> You are here%n", inner);
      }
    }
  }

  private static String created(SnapshotEntry s) {
    return Instant.ofEpochSecond(Math.floorDiv(s.createTimeMicros(), 1_000_000)).toString();
  }

  /** {@code vmfs snapshot revert IMAGE /DIR NAME}. */
  static final class Revert implements Command {
    public String name() { return "snapshot revert"; }
    public String synopsis() { return "IMAGE /DIR SNAPSHOT"; }
    public String summary() { return "revert to a snapshot: the live deltas are deleted (blocks freed, contents kept) and a fresh delta starts on the snapshot's disks"; }
    public int[] arity() { return new int[] {3, 3}; }
    public Options options() { return new Options().addOption(Images.force()); }

    public int execute(CommandLine line, CliContext context) throws IOException {
      try (Vmfs vmfs = Images.openWritable(image(line), line.hasOption("force"))) {
        SnapshotManager vm = SnapshotManager.open(vmfs, line.getArgs()[1]);
        SnapshotEntry entry = vm.find(SnapshotRef.parse(line.getArgs()[2]));
        vm.revert(SnapshotRef.uid(entry.uid()));
        context.out().printf("reverted to \"%s\" (uid %d)%s%n", entry.displayName(), entry.uid(), entry.memory() ? ", memory restored" : ", powered off");
      }
      return VmfsCli.OK;
    }
  }

  /** {@code vmfs snapshot delete IMAGE /DIR NAME | --all}. */
  static final class Delete implements Command {
    public String name() { return "snapshot delete"; }
    public String synopsis() { return "IMAGE /DIR (SNAPSHOT | --all)"; }
    public String summary() { return "delete a snapshot, consolidating its delta into its parent; --all consolidates everything into the base disks"; }
    public int[] arity() { return new int[] {2, 3}; }
    public Options options() { return new Options().addOption(Images.force()).addOption(flag(null, "all", "delete every snapshot: consolidate the live state into the base disks")); }

    public int execute(CommandLine line, CliContext context) throws IOException, UsageException {
      boolean all = line.hasOption("all");
      if (all == (line.getArgs().length == 3)) {
        throw new UsageException("give either a SNAPSHOT or --all");
      }
      try (Vmfs vmfs = Images.openWritable(image(line), line.hasOption("force"))) {
        SnapshotManager vm = SnapshotManager.open(vmfs, line.getArgs()[1]);
        if (all) {
          int count = vm.tree().snapshots().size();
          vm.deleteAll();
          context.out().printf("deleted %d snapshot(s); live state consolidated into the base disk(s)%n", count);
        } else {
          SnapshotEntry entry = vm.find(SnapshotRef.parse(line.getArgs()[2]));
          vm.delete(SnapshotRef.uid(entry.uid()));
          context.out().printf("deleted snapshot \"%s\" (uid %d)%n", entry.displayName(), entry.uid());
        }
      }
      return VmfsCli.OK;
    }
  }

  /** {@code vmfs snapshot verify IMAGE /DIR [NAME] [--json]}. */
  static final class Verify implements Command {
    public String name() { return "snapshot verify"; }
    public String synopsis() { return "IMAGE /DIR [SNAPSHOT] [--json]"; }
    public String summary() { return "recompute each snapshot's SHA-256 (frozen disks and memory) and compare it with the recorded one; exit 1 on a mismatch"; }
    public int[] arity() { return new int[] {2, 3}; }
    public Options options() { return new Options().addOption(json()); }

    public int execute(CommandLine line, CliContext context) throws IOException {
      try (Vmfs vmfs = Images.openReadOnly(image(line))) {
        SnapshotManager vm = SnapshotManager.open(vmfs, line.getArgs()[1]);
        Optional<SnapshotRef> ref = line.getArgs().length == 3 ? Optional.of(SnapshotRef.parse(line.getArgs()[2])) : Optional.empty();
        List<SnapshotManager.VerifyResult> results = vm.verify(ref);
        if (line.hasOption("json")) {
          context.out().println(Json.write(results));
        } else {
          for (SnapshotManager.VerifyResult r : results) {
            context.out().printf("%s  %s (uid %d)  %s%n", r.ok() ? "OK      " : "CHANGED ", r.name(), r.uid(), r.actual());
            if (!r.ok()) {
              context.out().printf("          recorded %s%n", r.recorded().isEmpty() ? "(none)" : r.recorded());
            }
          }
        }
        boolean ok = results.stream().allMatch(SnapshotManager.VerifyResult::ok);
        if (!ok) {
          context.err().println("vmfs: " + line.getArgs()[0] + ": snapshot digest mismatch: frozen state changed since it was taken");
        }
        return ok ? VmfsCli.OK : VmfsCli.ERROR;
      }
    }
  }
}
