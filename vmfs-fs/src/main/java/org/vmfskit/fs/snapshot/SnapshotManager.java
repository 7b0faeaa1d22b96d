package org.vmfskit.fs.snapshot;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileAlreadyExistsException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.vmdk.DiskStore;
import org.vmfskit.fs.vmdk.VirtualDisk;

/**
 * Snapshots of one VM the way ESXi takes them: take (freeze every live disk under a new
 * vmfsSparse delta, optionally save memory incrementally), revert (delete the live deltas with the
 * file system's delete and start a fresh delta on the snapshot's frozen disks), delete
 * (consolidate), verify (SHA-256 digests of frozen state), clones, and a consistency check.
 *
 * <p>Not thread-safe: one manager per VM directory, used by one thread at a time.
 */
public final class SnapshotManager {

  private final VmDirectory vm;
  private final LongSupplier clockMicros;

  private SnapshotManager(VmDirectory vm, LongSupplier clockMicros) {
    this.vm = vm;
    this.clockMicros = clockMicros;
  }

  /** Opens the VM in {@code directory} (a volume path such as {@code /vm}). */
  public static SnapshotManager open(Vmfs vmfs, String directory) throws IOException {
    VmDirectory vm = new VmDirectory(vmfs, directory);
    vm.checkIsVm();
    return new SnapshotManager(vm, SnapshotManager::nowMicros);
  }

  /**
   * Creates a VM in the new directory {@code directory}: a thin base disk per entry of
   * {@code diskBytes} ({@code NAME.vmdk}, then {@code NAME_1.vmdk} …), a sparse {@code NAME.vmem}
   * of {@code memoryBytes}, an empty {@code .vmsd} and the {@code .vmx}.
   */
  public static SnapshotManager createVm(Vmfs vmfs, String directory, List<Long> diskBytes, long memoryBytes)
      throws IOException {
    checkArgument(!diskBytes.isEmpty(), "a VM needs a disk");
    checkArgument(memoryBytes >= 0 && memoryBytes % (1 << 20) == 0, "memory size %s is not whole MiB", memoryBytes);
    VmDirectory vm = new VmDirectory(vmfs, directory);
    if (vm.exists(vm.path())) {
      throw new FileAlreadyExistsException("/" + vm.path());
    }
    vmfs.mkdir("/" + vm.path());
    List<String> files = new ArrayList<>();
    for (int i = 0; i < diskBytes.size(); i++) {
      String fileName = vm.name() + (i == 0 ? "" : "_" + i) + ".vmdk";
      VirtualDisk.createBase(vm.store(), vm.file(fileName), diskBytes.get(i), DiskStore.Allocation.THIN).close();
      files.add(fileName);
    }
    vm.openOrCreate(vm.vmemPath()).truncate(memoryBytes);
    vm.write(vm.vmsdPath(), new byte[0]);
    vm.write(vm.vmxPath(), VmConfig.create(vm.name(), memoryBytes >> 20, files).toBytes());
    return new SnapshotManager(vm, SnapshotManager::nowMicros);
  }

  /** Returns a manager of the same VM whose snapshots get their creation times from {@code micros}. */
  public SnapshotManager withClock(LongSupplier micros) {
    return new SnapshotManager(vm, micros);
  }

  private static long nowMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
  }

  /** Returns the VM's directory. */
  public VmDirectory directory() {
    return vm;
  }

  /** Returns the {@code .vmx} as it is now. */
  public VmConfig config() throws IOException {
    return VmConfig.parse(vm.read(vm.vmxPath()), vm.vmxPath());
  }

  /** Returns the {@code .vmsd} as it is now (empty when the file is missing or empty). */
  public SnapshotTree tree() throws IOException {
    if (!vm.exists(vm.vmsdPath())) {
      return SnapshotTree.empty();
    }
    return SnapshotTree.parse(vm.read(vm.vmsdPath()), vm.vmsdPath());
  }

  void writeTree(SnapshotTree tree) throws IOException {
    vm.write(vm.vmsdPath(), tree.toBytes());
  }

  void writeConfig(VmConfig config) throws IOException {
    vm.write(vm.vmxPath(), config.toBytes());
  }

  /** Returns the live disks: slot to store path of the leaf descriptor, in {@code .vmx} order. */
  public Map<DiskSlot, String> liveDisks() throws IOException {
    Map<DiskSlot, String> out = new LinkedHashMap<>();
    for (VmConfig.Disk disk : config().disks()) {
      out.put(disk.slot(), vm.file(disk.fileName()));
    }
    return out;
  }

  private String liveDisk(DiskSlot node) throws IOException {
    String path = liveDisks().get(node);
    if (path == null) {
      throw new SnapshotException("no disk " + node + " in " + vm.vmxPath());
    }
    return path;
  }

  // ---- guest I/O ----

  /** Writes guest data into the live disk at {@code node}. */
  public void writeDisk(DiskSlot node, long offset, ByteBuffer data) throws IOException {
    try (VirtualDisk disk = VirtualDisk.open(vm.store(), liveDisk(node), true)) {
      disk.write(offset, data);
      disk.flush();
    }
  }

  /** Reads the live disk at {@code node}. */
  public void readDisk(DiskSlot node, long offset, ByteBuffer dst) throws IOException {
    try (VirtualDisk disk = VirtualDisk.open(vm.store(), liveDisk(node), false)) {
      disk.read(offset, dst);
    }
  }

  /** Reads disk {@code node} as it was frozen by snapshot {@code ref}. */
  public void readSnapshotDisk(SnapshotRef ref, DiskSlot node, long offset, ByteBuffer dst) throws IOException {
    SnapshotEntry entry = find(ref);
    SnapshotEntry.SnapshotDisk disk = entry.disk(node.toString()).orElseThrow(() -> new SnapshotException("snapshot " + ref + " has no disk " + node));
    try (VirtualDisk chain = VirtualDisk.open(vm.store(), vm.file(disk.fileName()), false)) {
      chain.read(offset, dst);
    }
  }

  /** Returns the capacity of the live disk at {@code node}. */
  public long diskCapacity(DiskSlot node) throws IOException {
    try (VirtualDisk disk = VirtualDisk.open(vm.store(), liveDisk(node), false)) {
      return disk.capacity();
    }
  }

  /** Writes guest memory ({@code NAME.vmem}) at guest physical address {@code offset}. */
  public void writeMemory(long offset, ByteBuffer data) throws IOException {
    long size = config().memSizeBytes();
    checkArgument(offset >= 0 && offset + data.remaining() <= size, "memory write of %s bytes at %s outside %s", data.remaining(), offset, size);
    vm.openOrCreate(vm.vmemPath()).write(offset, data);
  }

  /** Returns the live guest memory. */
  public MemoryImage readMemory() throws IOException {
    long size = config().memSizeBytes();
    if (!vm.exists(vm.vmemPath())) {
      return MemoryImage.zero(size);
    }
    return MemoryImage.read(vm.vmfs().openFile("/" + vm.vmemPath()), size);
  }

  // ---- lookup ----

  /**
   * Returns the snapshot {@code ref} names: by uid, or by a display name no other snapshot of
   * this VM has (a name given twice is ambiguous: name it by uid then).
   */
  public SnapshotEntry find(SnapshotRef ref) throws IOException {
    SnapshotTree tree = tree();
    return switch (ref) {
      case SnapshotRef.ByUid(int uid) -> tree.find(uid).orElseThrow(() -> new SnapshotException("no snapshot with uid " + uid));
      case SnapshotRef.ByName(String name) -> {
        List<SnapshotEntry> named = tree.named(name);
        if (named.size() > 1) {
          throw new SnapshotException("snapshot name '" + name + "' is ambiguous (uids "
              + named.stream().map(s -> Integer.toString(s.uid())).toList() + "); name it by uid");
        }
        yield named.stream().findFirst().orElseThrow(() -> new SnapshotException("no snapshot named '" + name + "'"));
      }
    };
  }

  /** Returns the uid of the snapshot {@code ref} names. */
  private int uidOf(SnapshotRef ref) throws IOException {
    return ref instanceof SnapshotRef.ByUid(int uid) ? uid : find(ref).uid();
  }

  // ---- take ----

  /**
   * Takes a snapshot: every live disk is frozen under a new vmfsSparse delta, the {@code .vmsd}
   * gains an entry (the new current), the {@code .vmsn} is written, with the memory pages that
   * differ from the memory parent when {@code memory} is set, and the {@code .vmx} is switched to
   * the new deltas. Returns the new entry.
   */
  public SnapshotEntry take(String name, String description, boolean memory) throws IOException {
    requireConsistent();
    VmConfig config = config();
    SnapshotTree tree = tree();
    int uid = Math.addExact(tree.lastUid(), 1);
    MessageDigest digest = SnapshotDigest.sha256();
    List<SnapshotEntry.SnapshotDisk> frozen = new ArrayList<>();
    VmConfig next = config;
    for (VmConfig.Disk slot : config.disks()) {
      String leaf = vm.file(slot.fileName());
      String delta = vm.nextDeltaPath(VmDirectory.diskBaseName(slot.fileName()));
      try (VirtualDisk disk = VirtualDisk.open(vm.store(), leaf, false)) {
        SnapshotDigest.digestDisk(digest, vm, slot.node(), disk);
        VirtualDisk.createDelta(disk, delta, VirtualDisk.DeltaFormat.VMFS_SPARSE).close();
      }
      frozen.add(new SnapshotEntry.SnapshotDisk(slot.node(), slot.fileName()));
      next = next.withDisk(slot.node(), vm.relative(delta));
    }
    List<CheckpointGroup> groups = new ArrayList<>();
    groups.add(checkpointGroup(uid, name, config));
    if (memory) {
      MemoryImage live = readMemory();
      Optional<SnapshotEntry> base = memoryAncestor(tree, tree.current());
      MemoryDelta delta = base.isPresent()
          ? live.diff(rebuildMemory(tree, base.get().uid()), base.get().uid())
          : live.asDelta(0);
      groups.add(delta.toGroup());
      live.digestInto(digest);
    }
    String checkpoint = vm.checkpointName(uid);
    vm.write(vm.file(checkpoint), new Checkpoint(Checkpoint.MAGIC, groups).toBytes());
    SnapshotEntry entry = new SnapshotEntry(uid, tree.current(), checkpoint, name, description, "1",
        clockMicros.getAsLong(), frozen, memory, Optional.of("sha256:" + HexFormat.of().formatHex(digest.digest())));
    writeTree(tree.with(entry).withCurrent(Optional.of(uid)));
    writeConfig(next);
    return entry;
  }

  private static CheckpointGroup checkpointGroup(int uid, String name, VmConfig config) {
    return new CheckpointGroup("Checkpoint", List.of(
        CheckpointTag.u32("vmfskit.uid", uid),
        CheckpointTag.text("vmfskit.displayName", name.isEmpty() ? "-" : name),
        new CheckpointTag("vmfskit.vmx", List.of(), config.toBytes())));
  }

  /** Returns the nearest snapshot from {@code start} up (itself included) that holds memory. */
  private static Optional<SnapshotEntry> memoryAncestor(SnapshotTree tree, Optional<Integer> start) {
    if (start.isEmpty()) {
      return Optional.empty();
    }
    return tree.ancestors(start.get()).stream().filter(SnapshotEntry::memory).findFirst();
  }

  // ---- memory ----

  /** Reads the memory group of snapshot {@code uid}'s checkpoint. */
  MemoryDelta memoryDelta(SnapshotEntry entry) throws IOException {
    String path = vm.file(entry.fileName());
    Checkpoint checkpoint = Checkpoint.decode(vm.read(path, Checkpoint.MAX_SIZE), path);
    CheckpointGroup group = checkpoint.group(MemoryDelta.GROUP)
        .orElseThrow(() -> new SnapshotException(path + ": snapshot " + entry.uid() + " has no memory group"));
    return MemoryDelta.fromGroup(group, path);
  }

  /** Rebuilds snapshot {@code ref}'s full memory: its memory parents from the root down, each delta applied. */
  public MemoryImage rebuildMemory(SnapshotRef ref) throws IOException {
    return rebuildMemory(tree(), find(ref).uid());
  }

  MemoryImage rebuildMemory(SnapshotTree tree, int uid) throws IOException {
    List<MemoryDelta> chain = new ArrayList<>();
    java.util.Set<Integer> seen = new java.util.HashSet<>();
    int at = uid;
    while (at != 0) {
      if (!seen.add(at) || chain.size() > tree.snapshots().size()) {
        throw new SnapshotException("memory parents of snapshot " + uid + " form a loop at " + at);
      }
      final int current = at;
      SnapshotEntry entry = tree.find(at).orElseThrow(() -> new SnapshotException("memory parent " + current + " of snapshot " + uid + " is missing"));
      if (!entry.memory()) {
        throw new SnapshotException("snapshot " + at + " holds no memory");
      }
      MemoryDelta delta = memoryDelta(entry);
      chain.add(delta);
      at = delta.memoryParent();
    }
    MemoryImage image = MemoryImage.zero(chain.getFirst().sizeBytes());
    for (MemoryDelta delta : chain.reversed()) {
      image.apply(delta);
    }
    return image;
  }

  // ---- revert ----

  /**
   * Reverts to snapshot {@code uid} as ESXi does: a fresh empty delta on each of its frozen disks,
   * the {@code .vmx} switched to them, {@code snapshot.current = uid}, memory restored (or zeroed
   * when the snapshot has none: the VM is then powered off), and the previous live deltas deleted
   * with the file system's delete, which frees their blocks and MAPs but leaves their contents.
   */
  public void revert(SnapshotRef ref) throws IOException {
    requireConsistent();
    int uid = uidOf(ref);
    SnapshotTree tree = tree();
    SnapshotEntry target = tree.find(uid).orElseThrow(() -> new SnapshotException("no snapshot with uid " + uid));
    VmConfig config = config();
    VmConfig next = config;
    List<String> old = new ArrayList<>();
    for (VmConfig.Disk slot : config.disks()) {
      SnapshotEntry.SnapshotDisk frozen = target.disk(slot.node())
          .orElseThrow(() -> new SnapshotException("snapshot " + uid + " has no disk " + slot.node()));
      String delta = vm.nextDeltaPath(VmDirectory.diskBaseName(frozen.fileName()));
      try (VirtualDisk parent = VirtualDisk.open(vm.store(), vm.file(frozen.fileName()), false)) {
        VirtualDisk.createDelta(parent, delta, VirtualDisk.DeltaFormat.VMFS_SPARSE).close();
      }
      next = next.withDisk(slot.node(), vm.relative(delta));
      old.add(vm.file(slot.fileName()));
    }
    MemoryImage memory = target.memory() ? rebuildMemory(tree, uid) : MemoryImage.zero(config.memSizeBytes());
    memory.writeTo(vm.openOrCreate(vm.vmemPath()));
    writeTree(tree.withCurrent(Optional.of(uid)));
    writeConfig(next);
    for (String leaf : old) {
      if (!frozenBy(tree, leaf) && leaf.startsWith(vm.path() + "/") && vm.descriptor(leaf).parentFileNameHint().isPresent()) {
        vm.deleteDisk(leaf);
      }
    }
  }

  boolean frozenBy(SnapshotTree tree, String storePath) {
    for (SnapshotEntry entry : tree.snapshots()) {
      for (SnapshotEntry.SnapshotDisk disk : entry.disks()) {
        if (vm.file(disk.fileName()).equals(storePath)) {
          return true;
        }
      }
    }
    return false;
  }

  // ---- delete, verify, check, clone: see the helper classes ----

  /** Deletes snapshot {@code ref}, consolidating so every other state reads as before. */
  public void delete(SnapshotRef ref) throws IOException {
    requireConsistent();
    new Consolidation(this).delete(uidOf(ref));
  }

  /** Consolidates the live state into the base disks and removes every snapshot and delta. */
  public void deleteAll() throws IOException {
    requireConsistent();
    new Consolidation(this).deleteAll();
  }

  /** Recomputes the digests of snapshot {@code ref} (or of all when empty) and compares them. */
  public List<VerifyResult> verify(Optional<SnapshotRef> ref) throws IOException {
    return new SnapshotDigest(this).verify(ref.isPresent() ? Optional.of(uidOf(ref.get())) : Optional.empty());
  }

  /** One snapshot's recorded and recomputed digest. */
  public record VerifyResult(int uid, String name, String recorded, String actual, boolean ok) {}

  /** Returns every disagreement between the disk files, the .vmsd and the .vmx. */
  public List<ConsistencyIssue> check() throws IOException {
    return new ConsistencyCheck(this).run();
  }

  /** Fails (after setting {@code snapshot.needConsolidate}) when {@link #check} finds anything; clears the flag otherwise. */
  private void requireConsistent() throws IOException {
    List<ConsistencyIssue> issues = check();
    if (issues.isEmpty() && tree().needConsolidate()) {
      writeTree(tree().withNeedConsolidate(false));
    }
    if (!issues.isEmpty()) {
      SnapshotTree tree = tree();
      if (!tree.needConsolidate()) {
        writeTree(tree.withNeedConsolidate(true));
      }
      throw new SnapshotException("consolidation needed: " + issues.getFirst().message()
          + (issues.size() > 1 ? " (and " + (issues.size() - 1) + " more)" : ""));
    }
  }

  /** Makes a full clone (flattened) of the live state, or of snapshot {@code ref}, in the new directory. */
  public SnapshotManager cloneFull(String newDirectory, Optional<SnapshotRef> ref) throws IOException {
    return new Clones(this).full(newDirectory, ref.isPresent() ? Optional.of(uidOf(ref.get())) : Optional.empty());
  }

  /** Makes a linked clone: a new VM whose disks are deltas over snapshot {@code ref}'s frozen disks. */
  public SnapshotManager cloneLinked(String newDirectory, SnapshotRef ref, boolean absoluteHint) throws IOException {
    return new Clones(this).linked(newDirectory, uidOf(ref), absoluteHint);
  }

  VmDirectory vm() {
    return vm;
  }

  static SnapshotManager of(VmDirectory vm) {
    return new SnapshotManager(vm, SnapshotManager::nowMicros);
  }
}
