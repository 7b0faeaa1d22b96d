package org.vmfskit.fs.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.VmfsFormatException;
import org.vmfskit.fs.vmdk.Descriptor;
import org.vmfskit.fs.vmdk.VirtualDisk;

/**
 * Compares a VM's disk files with its {@code .vmsd} and {@code .vmx}: every snapshot's frozen disk
 * and every live disk must open as a chain (files present, parentCID matching), the live disk must
 * descend from {@code snapshot.current}'s frozen disk without being frozen itself, no delta in the
 * directory may be unused, and every checkpoint must be present.
 */
final class ConsistencyCheck {

  private final SnapshotManager manager;
  private final VmDirectory vm;
  private final List<ConsistencyIssue> issues = new ArrayList<>();

  ConsistencyCheck(SnapshotManager manager) {
    this.manager = manager;
    this.vm = manager.vm();
  }

  List<ConsistencyIssue> run() throws IOException {
    SnapshotTree tree;
    VmConfig config;
    try {
      tree = manager.tree();
      config = manager.config();
    } catch (VmfsFormatException e) {
      issues.add(new ConsistencyIssue(ConsistencyIssue.Kind.BROKEN_CHAIN, vm.vmsdPath(), e.getMessage()));
      return issues;
    }
    Map<String, Descriptor> descriptors = vm.descriptors();
    Set<String> used = new HashSet<>();
    Set<String> starts = new LinkedHashSet<>();
    for (SnapshotEntry entry : tree.snapshots()) {
      checkCheckpoint(entry);
      for (SnapshotEntry.SnapshotDisk disk : entry.disks()) {
        starts.add(vm.file(disk.fileName()));
      }
    }
    for (VmConfig.Disk slot : config.disks()) {
      starts.add(vm.file(slot.fileName()));
    }
    for (String parent : vm.parentsUsedElsewhere()) {
      used.addAll(ancestry(parent, descriptors));
    }
    for (String start : starts) {
      if (openChain(start)) {
        used.addAll(ancestry(start, descriptors));
      }
    }
    checkLeaves(tree, config, descriptors);
    checkOrphans(descriptors, used);
    return issues;
  }

  private boolean openChain(String path) throws IOException {
    try (VirtualDisk disk = VirtualDisk.open(vm.store(), path, false)) {
      return disk.depth() > 0;
    } catch (NoSuchFileException e) {
      issues.add(new ConsistencyIssue(ConsistencyIssue.Kind.MISSING_DELTA, path, "missing disk " + e.getFile()));
    } catch (CorruptStructureException e) {
      ConsistencyIssue.Kind kind = switch (e.field()) {
        case "parentCID" -> ConsistencyIssue.Kind.PARENT_CID_MISMATCH;
        case "parentFileNameHint" -> ConsistencyIssue.Kind.MISSING_DELTA;
        default -> ConsistencyIssue.Kind.BROKEN_CHAIN;
      };
      issues.add(new ConsistencyIssue(kind, path, e.getMessage()));
    } catch (VmfsFormatException e) {
      issues.add(new ConsistencyIssue(ConsistencyIssue.Kind.BROKEN_CHAIN, path, e.getMessage()));
    }
    return false;
  }

  /** Returns {@code path} and its parents that exist, as far as they can be read (bounded). */
  private List<String> ancestry(String path, Map<String, Descriptor> descriptors) throws IOException {
    List<String> out = new ArrayList<>();
    String at = path;
    while (at != null && out.size() < VirtualDisk.MAX_CHAIN_DEPTH && !out.contains(at)) {
      out.add(at);
      Descriptor d = descriptors.get(at);
      if (d == null) {
        if (!vm.exists(at)) {
          break;
        }
        try {
          d = vm.descriptor(at);
        } catch (VmfsFormatException e) {
          break;
        }
      }
      at = vm.parentOf(at, d).orElse(null);
    }
    return out;
  }

  private void checkLeaves(SnapshotTree tree, VmConfig config, Map<String, Descriptor> descriptors) throws IOException {
    Optional<SnapshotEntry> current = tree.current().flatMap(tree::find);
    for (VmConfig.Disk slot : config.disks()) {
      String leaf = vm.file(slot.fileName());
      if (manager.frozenBy(tree, leaf)) {
        issues.add(new ConsistencyIssue(ConsistencyIssue.Kind.LEAF_NOT_FROM_CURRENT, leaf,
            "live disk " + slot.fileName() + " is frozen by a snapshot"));
        continue;
      }
      if (current.isEmpty() || !vm.exists(leaf)) {
        continue;
      }
      Optional<SnapshotEntry.SnapshotDisk> frozen = current.get().disk(slot.node());
      if (frozen.isPresent() && !ancestry(leaf, descriptors).contains(vm.file(frozen.get().fileName()))) {
        issues.add(new ConsistencyIssue(ConsistencyIssue.Kind.LEAF_NOT_FROM_CURRENT, leaf, "live disk " + slot.fileName()
            + " does not descend from " + frozen.get().fileName() + " of the current snapshot " + current.get().uid()));
      }
    }
  }

  private void checkOrphans(Map<String, Descriptor> descriptors, Set<String> used) throws IOException {
    Set<String> extents = new HashSet<>();
    for (Map.Entry<String, Descriptor> entry : descriptors.entrySet()) {
      for (Descriptor.ExtentLine line : entry.getValue().extents()) {
        extents.add(vm.store().resolve(entry.getKey(), line.fileName()));
      }
      if (entry.getValue().parentFileNameHint().isPresent() && !used.contains(entry.getKey())) {
        issues.add(new ConsistencyIssue(ConsistencyIssue.Kind.ORPHAN_DELTA, entry.getKey(),
            "orphan delta " + entry.getKey() + " (no snapshot or live disk uses it)"));
      }
    }
    for (String fileName : vm.fileNames()) {
      String path = vm.file(fileName);
      if ((fileName.endsWith("-delta.vmdk") || fileName.endsWith("-sesparse.vmdk")) && !extents.contains(path)) {
        issues.add(new ConsistencyIssue(ConsistencyIssue.Kind.ORPHAN_DELTA, path, "orphan delta extent " + path + " (no descriptor names it)"));
      }
    }
  }

  private void checkCheckpoint(SnapshotEntry entry) throws IOException {
    String path = vm.file(entry.fileName());
    if (!vm.exists(path)) {
      issues.add(new ConsistencyIssue(ConsistencyIssue.Kind.BAD_CHECKPOINT, path, "missing checkpoint " + entry.fileName() + " of snapshot " + entry.uid()));
      return;
    }
    ByteBuffer head = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
    var file = vm.vmfs().openFile("/" + path);
    if (file.size() < 12) {
      issues.add(new ConsistencyIssue(ConsistencyIssue.Kind.BAD_CHECKPOINT, path, "checkpoint " + entry.fileName() + " is truncated"));
      return;
    }
    file.readFully(0, head);
    if (!Checkpoint.MAGICS.contains(head.getInt(0) & 0xFFFFFFFFL)) {
      issues.add(new ConsistencyIssue(ConsistencyIssue.Kind.BAD_CHECKPOINT, path, "checkpoint " + entry.fileName() + " has a bad magic"));
    }
  }
}
