package org.vmfskit.recovery;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.vmdk.Descriptor;
import org.vmfskit.fs.vmdk.DiskFile;
import org.vmfskit.fs.vmdk.HostDiskStore;
import org.vmfskit.fs.vmdk.VirtualDisk;
import org.vmfskit.fs.vmdk.VmfsDiskStore;

/**
 * Writes what a scan found into a host directory, never into the image. Per candidate, by default
 * the flattened full disk of the state before the revert, read straight from the image (the live
 * parent on the volume under the rebuilt delta) and hashed as it is written; with
 * {@link RecoverOptions.Output#CHAIN} the rebuilt delta (overwritten and missing grains dropped
 * from its tables so they read from the parent), a new descriptor for it and a copy of its parent
 * chain. Then {@code report.json} / {@code report.txt}. Everything goes into
 * {@code .NAME.partial} next to the output directory, renamed into place only when complete.
 */
public final class RecoveryWriter {

  /** Format of the flattened disk. */
  public enum FlatFormat {
    /** {@code createType="vmfs"} base: descriptor plus a sparse raw {@code -flat.vmdk}. */
    FLAT,
    /** One monolithicSparse (KDMV) file. */
    MONOLITHIC_SPARSE
  }

  /** Receives progress of the long phases; may be called from more than one thread, one phase each. */
  public interface Progress {
    /** Nothing is shown. */
    Progress NONE = (phase, done, total) -> {};

    /** Reports that {@code done} of {@code total} bytes of {@code phase} are finished. */
    void update(String phase, long done, long total);
  }

  private static final int MAX_CHAIN = 255;
  private static final int WINDOW = 8 << 20;
  private static final SecureRandom RANDOM = new SecureRandom();

  private RecoveryWriter() {}

  /**
   * Recovers the chosen candidates of {@code scan} as {@code options} says, with {@code hash}
   * (already running) the image's SHA-256 and {@code before} the evidence's stat taken before the
   * scan (or null).
   */
  static RecoveryResult write(RecoveryScan scan, ImageHash hash, EvidenceStat before, RecoverOptions options) throws IOException {
    List<RecoveryScan.Found> chosen = choose(scan, options.candidates());
    Path target = options.out().toAbsolutePath().normalize();
    if (target.getParent() == null) {
      throw new RecoveryOutputException(target, "cannot write recovery output into the root directory", null);
    }
    checkTarget(target, options.force());
    Path partial = target.resolveSibling("." + target.getFileName() + ".partial");
    try {
      if (Files.exists(partial)) {
        // Left by an interrupted run: never part of a complete output.
        deleteTree(partial);
      }
      Files.createDirectories(target.getParent());
      Files.createDirectory(partial);
    } catch (IOException e) {
      throw RecoveryOutputException.of(target, e);
    }
    try {
      List<RecoveryReport.Recovered> recovered = new ArrayList<>();
      for (RecoveryScan.Found f : chosen) {
        String sub = chosen.size() == 1 ? null : f.candidate().id();
        Path dir = sub == null ? partial : partial.resolve(sub);
        try {
          Files.createDirectories(dir);
        } catch (IOException e) {
          throw RecoveryOutputException.of(dir, e);
        }
        recovered.add(new CandidateWriter(scan, f, partial, dir, sub == null ? target : target.resolve(sub), options).write());
      }
      String sha256 = hash.await();
      EvidenceStat after = options.evidence() == null ? null : EvidenceStat.of(options.evidence());
      String sha256After = null;
      if (options.verifyAfter()) {
        try (ImageHash again = ImageHash.start(scan.image(), options.hostFile(), "verifying image", options.progress())) {
          sha256After = again.await();
        }
      }
      boolean unchanged = Objects.equals(before, after) && (sha256After == null || sha256After.equals(sha256));
      String proof = "opened read-only; " + (before == null ? "no host file to stat" : "size, mtime and ctime "
          + (Objects.equals(before, after) ? "equal" : "DIFFERENT") + " before and after")
          + (sha256After == null ? "; SHA-256 computed once, while scanning (--verify-after hashes again)"
              : "; SHA-256 computed again after writing: " + (sha256After.equals(sha256) ? "equal" : "DIFFERENT"));
      RecoveryReport report = new RecoveryReport(scan.report().image(), sha256, sha256After, before, after, unchanged, proof,
          scan.report(), List.copyOf(recovered));
      try {
        Files.writeString(partial.resolve("report.json"), report.toJson());
        Files.writeString(partial.resolve("report.txt"), report.toText());
      } catch (IOException e) {
        throw RecoveryOutputException.of(partial.resolve("report.json"), e);
      }
      try {
        moveIntoPlace(partial, target);
      } catch (IOException e) {
        throw RecoveryOutputException.of(target, e);
      }
      return new RecoveryResult(target, report);
    } catch (IOException | RuntimeException | Error e) {
      // Nothing half-written stays behind to block a retry.
      deleteQuietly(partial);
      throw e;
    }
  }

  private static List<RecoveryScan.Found> choose(RecoveryScan scan, Set<String> ids) throws IOException {
    List<RecoveryScan.Found> chosen = new ArrayList<>();
    for (RecoveryScan.Found f : scan.found().values()) {
      if (ids.isEmpty() ? f.reassembly() != null && f.candidate().match() != null : ids.contains(f.candidate().id())) {
        chosen.add(f);
      }
    }
    for (String id : ids) {
      if (!scan.found().containsKey(id)) {
        throw new IOException("no candidate " + id + " (the scan found " + scan.found().keySet() + ")");
      }
    }
    if (chosen.isEmpty()) {
      throw NothingToRecoverException.of(scan.report());
    }
    for (RecoveryScan.Found f : chosen) {
      if (f.reassembly() == null) {
        throw new IOException("candidate " + f.candidate().id() + " is " + f.candidate().format() + ": it cannot be rebuilt");
      }
      if (f.candidate().match() == null) {
        throw new IOException("candidate " + f.candidate().id() + ": no live disk of its capacity, so there is no parent to chain to");
      }
    }
    return chosen;
  }

  /** Refuses an output in the way: a file, or a non-empty directory without {@code force}. */
  private static void checkTarget(Path target, boolean force) throws IOException {
    if (!Files.exists(target)) {
      return;
    }
    if (!Files.isDirectory(target)) {
      throw new RecoveryOutputException(target, "exists and is not a directory", null);
    }
    if (!force) {
      try (var entries = Files.list(target)) {
        if (entries.findAny().isPresent()) {
          throw new RecoveryOutputException(target, "already exists and is not empty (--force replaces it)", null);
        }
      }
    }
  }

  /** Renames the complete output into place; an existing directory there is replaced (moved aside, then removed). */
  private static void moveIntoPlace(Path partial, Path target) throws IOException {
    if (!Files.exists(target)) {
      Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
      return;
    }
    Path old = target.resolveSibling("." + target.getFileName() + ".replaced");
    deleteQuietly(old);
    Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
    Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
    deleteQuietly(old);
  }

  private static void deleteQuietly(Path tree) {
    try {
      deleteTree(tree);
    } catch (IOException e) {
      // Best effort: the leftover has a hidden name that never blocks a retry (it is removed then).
    }
  }

  private static void deleteTree(Path tree) throws IOException {
    if (!Files.exists(tree)) {
      return;
    }
    Files.walkFileTree(tree, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
        Files.delete(dir);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  /** Writes one candidate's outputs into {@code dir}. */
  private record CandidateWriter(RecoveryScan scan, RecoveryScan.Found f, Path root, Path dir, Path finalDir, RecoverOptions options) {

    RecoveryReport.Recovered write() throws IOException {
      ScanReport.Match match = f.candidate().match();
      String parentPath = match.parentDescriptor().startsWith("/") ? match.parentDescriptor() : "/" + match.parentDescriptor();
      String parentDir = parentPath.substring(0, parentPath.lastIndexOf('/') + 1);
      String parentName = parentPath.substring(parentPath.lastIndexOf('/') + 1);
      Vmfs vmfs = scan.vmfs();
      Descriptor parent = Descriptor.parse(vmfs.openFile(parentPath).readAll(Descriptor.MAX_SIZE), 0);
      String stem = ParentMatcher.stem(match.deltaName());
      String deltaExtent = stem + "-recovered-delta.vmdk";
      String deltaDescriptor = stem + "-recovered.vmdk";
      long cid = RANDOM.nextLong(1, 0xFFFFFFFEL);
      byte[] descriptor = Descriptor.of("vmfsSparse", cid, parent.cid(), List.of(new Descriptor.ExtentLine(Descriptor.Access.RW,
          f.candidate().capacitySectors(), Descriptor.ExtentType.VMFSSPARSE, deltaExtent, -1)))
          .with("parentFileNameHint", parentName, true).toBytes();
      RebuiltDelta delta = new RebuiltDelta(scan, f);
      List<RecoveryReport.OutputFile> outputs = new ArrayList<>();
      boolean chain = options.outputs().contains(RecoverOptions.Output.CHAIN);
      boolean full = options.outputs().contains(RecoverOptions.Output.FULL);
      if (chain) {
        copyChain(vmfs, parentPath, outputs);
        outputs.add(copy(delta, deltaExtent));
        outputs.add(bytes(descriptor, deltaDescriptor));
      }
      String flattened = null;
      if (full) {
        flattened = stem + "-recovered-full.vmdk";
        var store = delta.store(VmfsDiskStore.of(vmfs), parentDir + deltaDescriptor, descriptor, parentDir + deltaExtent);
        try (VirtualDisk disk = VirtualDisk.open(store, parentDir + deltaDescriptor, false)) {
          flatten(disk, flattened, outputs);
        }
      }
      outputs.sort(java.util.Comparator.comparing(RecoveryReport.OutputFile::name));
      List<String> notes = new ArrayList<>();
      if (chain) {
        notes.add("the delta's descriptor was lost with it: " + deltaDescriptor + " is new, with parentCID set to the CID of the copied parent "
            + parentName + " (matched with " + match.confidence() + " confidence)");
      } else {
        notes.add("flattened from the live parent " + parentPath + " (matched with " + match.confidence()
            + " confidence) under the rebuilt delta; --chain writes the delta itself with a copy of its parent");
      }
      if (f.candidate().grainsOverwritten() + f.candidate().grainsMissing() > 0 || !f.candidate().missingRanges().isEmpty()) {
        notes.add("overwritten and missing grains are left out of the rebuilt delta's grain tables, so those sectors read the parent's"
            + " content: see overwrittenRanges and missingRanges");
      }
      if (f.candidate().grainsSuspect() > 0) {
        notes.add("suspect grains (blocks handed to another file that has not written them) are kept: see suspectRanges");
      }
      return new RecoveryReport.Recovered(f.candidate().id(), finalDir.toString(), parentName, chain ? deltaDescriptor : null,
          chain ? deltaExtent : null, flattened, full ? (options.format() == FlatFormat.FLAT ? "flat" : "monolithicSparse") : null,
          List.copyOf(notes), List.copyOf(outputs));
    }

    private String name(String file) {
      return root.relativize(dir.resolve(file)).toString();
    }

    /** Writes the flattened disk, hashing each byte as it goes out. */
    private void flatten(VirtualDisk disk, String flattened, List<RecoveryReport.OutputFile> outputs) throws IOException {
      long capacity = disk.capacity();
      switch (options.format()) {
        case FLAT -> {
          String flatName = flattened.substring(0, flattened.length() - ".vmdk".length()) + "-flat.vmdk";
          try (HashedOutput out = new HashedOutput(dir.resolve(flatName), name(flatName))) {
            ByteBuffer window = ByteBuffer.allocateDirect(WINDOW);
            for (long at = 0; at < capacity; at += WINDOW) {
              window.clear().limit((int) Math.min(WINDOW, capacity - at));
              disk.read(at, window);
              out.append(window.flip());
              options.progress().update("writing " + flatName, at + window.limit(), capacity);
            }
            outputs.add(out.finish());
          }
          outputs.add(bytes(flatDescriptor(capacity, flatName), flattened));
        }
        case MONOLITHIC_SPARSE -> {
          // The KDMV writer fills its grain tables after the grains, so this one file is hashed after it is written.
          options.progress().update("writing " + flattened, 0, 1);
          try (DiskFile out = HostDiskStore.of(dir).create(flattened)) {
            disk.exportMonolithicSparse(out);
          }
          Path file = dir.resolve(flattened);
          outputs.add(new RecoveryReport.OutputFile(name(flattened), Files.size(file), RecoveryReport.sha256(file)));
          options.progress().update("writing " + flattened, 1, 1);
        }
      }
    }

    private static byte[] flatDescriptor(long capacity, String flatName) {
      long cylinders = Math.min(65535, Math.max(1, capacity / 512 / (255 * 63)));
      return Descriptor.of("vmfs", RANDOM.nextLong(1, 0xFFFFFFFEL), Descriptor.NO_PARENT_CID,
              List.of(new Descriptor.ExtentLine(Descriptor.Access.RW, capacity / 512, Descriptor.ExtentType.VMFS, flatName, -1)))
          .withDdb("ddb.adapterType", "lsilogic").withDdb("ddb.geometry.cylinders", Long.toString(cylinders))
          .withDdb("ddb.geometry.heads", "255").withDdb("ddb.geometry.sectors", "63").withDdb("ddb.virtualHWVersion", "13")
          .withDdb("ddb.thinProvisioned", "1").toBytes();
    }

    private RecoveryReport.OutputFile bytes(byte[] content, String file) throws IOException {
      try (HashedOutput out = new HashedOutput(dir.resolve(file), name(file))) {
        out.append(ByteBuffer.wrap(content));
        return out.finish();
      }
    }

    /** Copies a disk file front to back into {@code file}, hashing as it writes. */
    private RecoveryReport.OutputFile copy(DiskFile source, String file) throws IOException {
      long size = source.size();
      try (HashedOutput out = new HashedOutput(dir.resolve(file), name(file))) {
        ByteBuffer window = ByteBuffer.allocateDirect(WINDOW);
        for (long at = 0; at < size; at += WINDOW) {
          window.clear().limit((int) Math.min(WINDOW, size - at));
          source.readFully(at, window);
          out.append(window.flip());
          options.progress().update("writing " + file, at + window.limit(), size);
        }
        return out.finish();
      }
    }

    /** Copies the descriptor at {@code path} and its parents, with their extents, into {@code dir}. */
    private void copyChain(Vmfs vmfs, String path, List<RecoveryReport.OutputFile> outputs) throws IOException {
      VmfsDiskStore store = VmfsDiskStore.of(vmfs);
      Set<String> visited = new HashSet<>();
      String current = path;
      while (current != null) {
        if (!visited.add(current) || visited.size() > MAX_CHAIN) {
          throw new CorruptStructureException("Descriptor in " + current, 0, "parentFileNameHint", "parent chain loops or is too deep",
              "a chain ending in a base disk", visited.size() + " disks");
        }
        byte[] raw = vmfs.openFile(current).readAll(Descriptor.MAX_SIZE);
        Descriptor d = Descriptor.parse(raw, 0);
        outputs.add(bytes(raw, current.substring(current.lastIndexOf('/') + 1)));
        for (Descriptor.ExtentLine extent : d.extents()) {
          if (extent.fileName().contains("/")) {
            throw new IOException(current + ": extent " + extent.fileName() + " lies in another directory; copy it by hand");
          }
          String resolved = store.resolve(current, extent.fileName());
          try (DiskFile source = store.open(resolved, false)) {
            outputs.add(copy(source, extent.fileName()));
          }
        }
        current = d.parentFileNameHint().map(h -> store.resolve(path, h)).map(p -> p.startsWith("/") ? p : "/" + p).orElse(null);
      }
    }
  }
}
