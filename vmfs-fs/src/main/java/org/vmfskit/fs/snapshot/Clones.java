package org.vmfskit.fs.snapshot;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.vmfskit.fs.vmdk.Descriptor;
import org.vmfskit.fs.vmdk.VirtualDisk;

/**
 * Full clones (each disk flattened into a new thin base disk) and linked clones (each disk a new
 * vmfsSparse delta over a snapshot's frozen disk in the source directory, named by a relative
 * {@code ../SRC/...} or an absolute {@code /vmfs/volumes/<label>/SRC/...} parentFileNameHint).
 */
final class Clones {

  private final SnapshotManager source;
  private final VmDirectory vm;

  Clones(SnapshotManager source) {
    this.source = source;
    this.vm = source.vm();
  }

  SnapshotManager full(String newDirectory, Optional<Integer> uid) throws IOException {
    SnapshotTree tree = source.tree();
    Optional<SnapshotEntry> entry = uid.isPresent()
        ? Optional.of(tree.find(uid.get()).orElseThrow(() -> new SnapshotException("no snapshot with uid " + uid.get())))
        : Optional.empty();
    VmConfig config = source.config();
    VmDirectory target = makeDirectory(newDirectory);
    List<VmConfig.Disk> slots = config.disks();
    for (int i = 0; i < slots.size(); i++) {
      VmConfig.Disk slot = slots.get(i);
      String from = entry.isPresent()
          ? entry.get().disk(slot.node()).orElseThrow(() -> new SnapshotException("snapshot has no disk " + slot.node())).fileName()
          : slot.fileName();
      String name = target.name() + (i == 0 ? "" : "_" + i) + ".vmdk";
      try (VirtualDisk chain = VirtualDisk.open(vm.store(), vm.file(from), false)) {
        chain.exportFlat(target.store(), target.file(name)).close();
      }
      config = config.withDisk(slot.node(), name);
    }
    MemoryImage memory = entry.isEmpty() ? source.readMemory()
        : entry.get().memory() ? source.rebuildMemory(tree, entry.get().uid()) : MemoryImage.zero(config.memSizeBytes());
    return finish(target, config, memory);
  }

  SnapshotManager linked(String newDirectory, int uid, boolean absoluteHint) throws IOException {
    SnapshotTree tree = source.tree();
    SnapshotEntry entry = tree.find(uid).orElseThrow(() -> new SnapshotException("no snapshot with uid " + uid));
    VmConfig config = source.config();
    VmDirectory target = makeDirectory(newDirectory);
    List<SnapshotEntry.SnapshotDisk> disks = new ArrayList<>(entry.disks());
    for (int i = 0; i < disks.size(); i++) {
      String frozen = vm.file(disks.get(i).fileName());
      String name = target.name() + (i == 0 ? "" : "_" + i) + "-000001.vmdk";
      String path = target.file(name);
      try (VirtualDisk parent = VirtualDisk.open(vm.store(), frozen, false)) {
        VirtualDisk.createDelta(parent, path, VirtualDisk.DeltaFormat.VMFS_SPARSE).close();
      }
      if (absoluteHint) {
        Descriptor d = target.descriptor(path);
        target.writeDescriptor(path, d.with("parentFileNameHint", "/vmfs/volumes/" + volumeName() + "/" + frozen, true));
      }
      config = config.withDisk(disks.get(i).node(), name);
    }
    MemoryImage memory = entry.memory() ? source.rebuildMemory(tree, uid) : MemoryImage.zero(config.memSizeBytes());
    return finish(target, config, memory);
  }

  private String volumeName() {
    String label = vm.vmfs().label();
    return label.isEmpty() || label.contains("/") ? vm.vmfs().fsUuid() : label;
  }

  private VmDirectory makeDirectory(String newDirectory) throws IOException {
    VmDirectory target = new VmDirectory(vm.vmfs(), newDirectory);
    if (target.exists(target.path())) {
      throw new FileAlreadyExistsException("/" + target.path());
    }
    vm.vmfs().mkdir("/" + target.path());
    return target;
  }

  private static SnapshotManager finish(VmDirectory target, VmConfig config, MemoryImage memory) throws IOException {
    memory.writeTo(target.openOrCreate(target.vmemPath()));
    target.write(target.vmsdPath(), new byte[0]);
    target.write(target.vmxPath(), config.withDisplayName(target.name()).toBytes());
    return SnapshotManager.of(target);
  }
}
