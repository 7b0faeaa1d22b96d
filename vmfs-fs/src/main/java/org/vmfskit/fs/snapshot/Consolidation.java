package org.vmfskit.fs.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.vmfskit.fs.vmdk.Descriptor;
import org.vmfskit.fs.vmdk.DiskFile;
import org.vmfskit.fs.vmdk.VirtualDisk;

/**
 * Snapshot deletion. Deleting snapshot S with frozen disk D: when D has exactly one child delta C
 * (and no other snapshot freezes D), C's grains are written into D, C's children are re-pointed
 * to D (hint and parentCID), every reference to C becomes D and C is deleted; with several
 * children, or when a linked clone in another directory uses D, D is kept and only the entry goes;
 * with none (an abandoned branch) D is deleted. S's
 * children are reparented, memory deltas based on S are rebased onto S's memory parent.
 */
final class Consolidation {

  private static final int COPY_CHUNK = 4 << 20;

  private final SnapshotManager manager;
  private final VmDirectory vm;

  Consolidation(SnapshotManager manager) {
    this.manager = manager;
    this.vm = manager.vm();
  }

  void delete(int uid) throws IOException {
    SnapshotTree tree = manager.tree();
    SnapshotEntry victim = tree.find(uid).orElseThrow(() -> new SnapshotException("no snapshot with uid " + uid));
    VmConfig config = manager.config();
    SnapshotTree rest = tree.without(uid);
    rebaseMemory(tree, victim);
    rest = manager.tree().without(uid);
    Set<String> usedElsewhere = vm.parentsUsedElsewhere();
    // Disks are deleted only after the .vmsd and .vmx stop naming them, so a power cut never
    // leaves a snapshot pointing at a deleted file.
    List<String> doomed = new ArrayList<>();
    for (SnapshotEntry.SnapshotDisk disk : victim.disks()) {
      String frozen = vm.file(disk.fileName());
      // Kept as it is when another snapshot freezes it or a linked clone elsewhere reads through it.
      if (manager.frozenBy(rest, frozen) || usedElsewhere.contains(frozen)) {
        continue;
      }
      Map<String, Descriptor> descriptors = vm.descriptors();
      List<String> children = childrenOf(frozen, descriptors);
      if (children.size() == 1 && isCowd(children.getFirst(), descriptors) && !usedElsewhere.contains(children.getFirst())) {
        String child = children.getFirst();
        merge(child, frozen, descriptors);
        rest = replaceDisk(rest, child, disk.fileName());
        for (VmConfig.Disk slot : config.disks()) {
          if (vm.file(slot.fileName()).equals(child)) {
            config = config.withDisk(slot.node(), disk.fileName());
          }
        }
        doomed.add(child);
      } else if (children.isEmpty() && descriptors.containsKey(frozen)
          && descriptors.get(frozen).parentFileNameHint().isPresent() && !isLive(config, frozen)) {
        doomed.add(frozen);
      }
    }
    List<SnapshotEntry> reparented = new ArrayList<>();
    for (SnapshotEntry entry : rest.snapshots()) {
      reparented.add(entry.parent().isPresent() && entry.parent().get() == uid ? entry.withParent(victim.parent()) : entry);
    }
    Optional<Integer> current = tree.current().isPresent() && tree.current().get() == uid ? victim.parent() : tree.current();
    SnapshotTree next = new SnapshotTree(tree.lastUid(), current, tree.needConsolidate(), reparented);
    manager.writeTree(next);
    manager.writeConfig(config);
    for (String disk : doomed) {
      vm.deleteDisk(disk);
    }
    if (vm.exists(vm.file(victim.fileName()))) {
      vm.delete(vm.file(victim.fileName()));
    }
  }

  private boolean isLive(VmConfig config, String path) {
    return config.disks().stream().anyMatch(slot -> vm.file(slot.fileName()).equals(path));
  }

  private List<String> childrenOf(String parent, Map<String, Descriptor> descriptors) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, Descriptor> entry : descriptors.entrySet()) {
      if (vm.parentOf(entry.getKey(), entry.getValue()).filter(parent::equals).isPresent()) {
        out.add(entry.getKey());
      }
    }
    return out;
  }

  private static boolean isCowd(String path, Map<String, Descriptor> descriptors) {
    Descriptor d = descriptors.get(path);
    return d != null && d.extents().size() == 1 && d.extents().getFirst().type() == Descriptor.ExtentType.VMFSSPARSE;
  }

  /** Writes {@code child}'s grains into {@code parent} and re-points the child's children at the parent. */
  private void merge(String child, String parent, Map<String, Descriptor> descriptors) throws IOException {
    long[] ranges = grainRanges(child, descriptors.get(child));
    long parentCid;
    try (VirtualDisk source = VirtualDisk.open(vm.store(), child, false);
        VirtualDisk target = VirtualDisk.open(vm.store(), parent, true)) {
      copyRanges(source, target, ranges);
      target.flush();
      parentCid = target.descriptor().cid();
    }
    for (String grandchild : childrenOf(child, descriptors)) {
      Descriptor d = descriptors.get(grandchild)
          .with("parentCID", Descriptor.cidText(parentCid), false)
          .with("parentFileNameHint", hint(grandchild, parent), true);
      vm.writeDescriptor(grandchild, d);
    }
  }

  private String hint(String from, String parent) {
    String fromDir = from.substring(0, Math.max(0, from.lastIndexOf('/')));
    String parentDir = parent.substring(0, Math.max(0, parent.lastIndexOf('/')));
    return fromDir.equals(parentDir) ? parent.substring(parent.lastIndexOf('/') + 1) : "/" + parent;
  }

  private long[] grainRanges(String path, Descriptor descriptor) throws IOException {
    String extent = vm.store().resolve(path, descriptor.extents().getFirst().fileName());
    try (DiskFile file = vm.store().open(extent, false)) {
      return CowdGrainMap.allocatedRanges(file);
    }
  }

  private static void copyRanges(VirtualDisk source, VirtualDisk target, long[] ranges) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(COPY_CHUNK);
    for (int i = 0; i < ranges.length; i += 2) {
      for (long at = ranges[i]; at < ranges[i + 1]; at += COPY_CHUNK) {
        int n = (int) Math.min(COPY_CHUNK, ranges[i + 1] - at);
        source.read(at, buffer.clear().limit(n));
        target.write(at, buffer.flip());
      }
    }
  }

  private SnapshotTree replaceDisk(SnapshotTree tree, String oldPath, String newFileName) {
    SnapshotTree out = tree;
    for (SnapshotEntry entry : tree.snapshots()) {
      List<SnapshotEntry.SnapshotDisk> disks = new ArrayList<>();
      boolean changed = false;
      for (SnapshotEntry.SnapshotDisk disk : entry.disks()) {
        if (vm.file(disk.fileName()).equals(oldPath)) {
          disks.add(new SnapshotEntry.SnapshotDisk(disk.node(), newFileName));
          changed = true;
        } else {
          disks.add(disk);
        }
      }
      if (changed) {
        out = out.with(entry.withDisks(disks));
      }
    }
    return out;
  }

  /** Rewrites every memory delta based on {@code victim} to be based on the victim's own memory parent. */
  private void rebaseMemory(SnapshotTree tree, SnapshotEntry victim) throws IOException {
    if (!victim.memory()) {
      return;
    }
    MemoryDelta base = manager.memoryDelta(victim);
    for (SnapshotEntry entry : tree.snapshots()) {
      if (entry.uid() == victim.uid() || !entry.memory()) {
        continue;
      }
      String path = vm.file(entry.fileName());
      Checkpoint checkpoint = Checkpoint.decode(vm.read(path, Checkpoint.MAX_SIZE), path);
      MemoryDelta delta = manager.memoryDelta(entry);
      if (delta.memoryParent() != victim.uid()) {
        continue;
      }
      List<CheckpointGroup> groups = new ArrayList<>();
      for (CheckpointGroup group : checkpoint.groups()) {
        groups.add(group.name().equals(MemoryDelta.GROUP) ? base.overlaidBy(delta).toGroup() : group);
      }
      vm.write(path, new Checkpoint(checkpoint.magic(), groups).toBytes());
    }
  }

  void deleteAll() throws IOException {
    Set<String> usedElsewhere = vm.parentsUsedElsewhere();
    if (!usedElsewhere.isEmpty()) {
      // Consolidating into the base would change its content and CID under those clones.
      throw new SnapshotException("linked clones elsewhere on the volume use " + usedElsewhere.stream().sorted().toList()
          + "; delete them first or delete snapshots one by one");
    }
    SnapshotTree tree = manager.tree();
    VmConfig config = manager.config();
    Map<String, Descriptor> descriptors = vm.descriptors();
    // The snapshots go first: copying the live state into the base changes what the oldest
    // snapshot would read, so no snapshot may still name the base once that starts. The live
    // state reads the same throughout (its deltas own every grain being copied).
    manager.writeTree(new SnapshotTree(tree.lastUid(), Optional.empty(), false, List.of()));
    Set<String> keep = new HashSet<>();
    for (VmConfig.Disk slot : config.disks()) {
      String leaf = vm.file(slot.fileName());
      // Only this VM's own files take part: a linked clone consolidates into its first delta,
      // never into the source VM's disks.
      List<String> chain = chainOf(leaf, descriptors).stream().takeWhile(this::inDirectory).toList();
      if (chain.isEmpty()) {
        throw new SnapshotException("live disk " + slot.fileName() + " is not in the VM directory /" + vm.path());
      }
      String base = chain.getLast();
      keep.add(base);
      List<long[]> ranges = new ArrayList<>();
      for (String layer : chain.subList(0, chain.size() - 1)) {
        ranges.add(grainRanges(layer, descriptors.get(layer)));
      }
      if (chain.size() > 1) {
        try (VirtualDisk source = VirtualDisk.open(vm.store(), leaf, false);
            VirtualDisk target = VirtualDisk.open(vm.store(), base, true)) {
          copyRanges(source, target, CowdGrainMap.union(ranges));
          target.flush();
        }
      }
      config = config.withDisk(slot.node(), vm.relative(base));
    }
    manager.writeConfig(config);
    for (Map.Entry<String, Descriptor> entry : descriptors.entrySet()) {
      if (entry.getValue().parentFileNameHint().isPresent() && !keep.contains(entry.getKey()) && vm.exists(entry.getKey())) {
        vm.deleteDisk(entry.getKey());
      }
    }
    for (SnapshotEntry entry : tree.snapshots()) {
      if (vm.exists(vm.file(entry.fileName()))) {
        vm.delete(vm.file(entry.fileName()));
      }
    }
  }

  private boolean inDirectory(String path) {
    return path.startsWith(vm.path() + "/") && path.indexOf('/', vm.path().length() + 1) < 0;
  }

  /** Returns the descriptor paths from {@code leaf} down to its base (a bounded walk). */
  private List<String> chainOf(String leaf, Map<String, Descriptor> descriptors) throws IOException {
    List<String> chain = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    String at = leaf;
    while (at != null) {
      if (!seen.add(at) || chain.size() >= VirtualDisk.MAX_CHAIN_DEPTH) {
        throw new SnapshotException("disk chain of " + leaf + " loops or is deeper than " + VirtualDisk.MAX_CHAIN_DEPTH);
      }
      chain.add(at);
      Descriptor d = descriptors.containsKey(at) ? descriptors.get(at) : vm.descriptor(at);
      if (d.parentFileNameHint().isPresent() && !isCowdDescriptor(d)) {
        throw new SnapshotException(at + ": only vmfsSparse deltas can be consolidated");
      }
      at = vm.parentOf(at, d).orElse(null);
    }
    return chain;
  }

  private static boolean isCowdDescriptor(Descriptor d) {
    return d.extents().size() == 1 && d.extents().getFirst().type() == Descriptor.ExtentType.VMFSSPARSE;
  }
}
