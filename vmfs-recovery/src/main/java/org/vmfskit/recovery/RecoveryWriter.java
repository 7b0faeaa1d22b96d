package org.vmfskit.recovery;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.file.VmfsFile;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.vmdk.Descriptor;
import org.vmfskit.fs.vmdk.DiskFile;
import org.vmfskit.fs.vmdk.HostDiskStore;
import org.vmfskit.fs.vmdk.VirtualDisk;
import org.vmfskit.fs.vmdk.VmfsDiskStore;

/**
 * Writes what a scan found into a host directory, never into the image: a copy of the parent
 * chain, the rebuilt delta (overwritten and missing grains dropped from its tables so they read
 * from the parent), its descriptor, a flattened full-disk VMDK of the state before the revert, and
 * {@code report.json} / {@code report.txt} with SHA-256 of the image before and after and of every
 * output file.
 */
public final class RecoveryWriter {

  /** Format of the flattened disk. */
  public enum FlatFormat {
    /** {@code createType="monolithicFlat"}-style base: descriptor plus a sparse raw {@code -flat.vmdk}. */
    FLAT,
    /** One monolithicSparse (KDMV) file. */
    MONOLITHIC_SPARSE
  }

  /** Receives progress of the long phases. */
  public interface Progress {
    /** Nothing is shown. */
    Progress NONE = (phase, done, total) -> {};

    /** Reports that {@code done} of {@code total} units of {@code phase} are finished. */
    void update(String phase, long done, long total);
  }

  private static final int MAX_CHAIN = 255;
  private static final SecureRandom RANDOM = new SecureRandom();

  private RecoveryWriter() {}

  /**
   * Scans {@code image}, recovers candidate {@code candidateId} (or every matched vmfsSparse
   * candidate when null) into {@code outDir} and returns the report, also written there.
   */
  public static RecoveryReport recover(BlockDevice image, String imageName, Path outDir, String candidateId, FlatFormat format,
      ScanOptions options, Progress progress) throws IOException {
    String before = RecoveryReport.sha256(image);
    RecoveryScan scan = RecoveryScan.scan(image, imageName, options);
    List<RecoveryScan.Found> chosen = new ArrayList<>();
    for (RecoveryScan.Found f : scan.found().values()) {
      if (candidateId == null ? f.reassembly() != null && f.candidate().match() != null : f.candidate().id().equals(candidateId)) {
        chosen.add(f);
      }
    }
    if (candidateId != null && chosen.isEmpty()) {
      throw new IOException("no candidate " + candidateId + " (the scan found " + scan.found().keySet() + ")");
    }
    Files.createDirectories(outDir);
    List<RecoveryReport.Recovered> recovered = new ArrayList<>();
    for (RecoveryScan.Found f : chosen) {
      if (f.reassembly() == null) {
        throw new IOException("candidate " + f.candidate().id() + " is " + f.candidate().format() + ": it cannot be rebuilt");
      }
      if (f.candidate().match() == null) {
        throw new IOException("candidate " + f.candidate().id() + ": no live disk of its capacity, so there is no parent to chain to");
      }
      Path dir = chosen.size() == 1 ? outDir : outDir.resolve(f.candidate().id());
      Files.createDirectories(dir);
      recovered.add(writeOne(scan, f, outDir, dir, format, progress));
    }
    String after = RecoveryReport.sha256(image);
    RecoveryReport report = new RecoveryReport(imageName, before, after, before.equals(after), scan.report(), List.copyOf(recovered));
    Files.writeString(outDir.resolve("report.json"), report.toJson());
    Files.writeString(outDir.resolve("report.txt"), report.toText());
    return report;
  }

  private static RecoveryReport.Recovered writeOne(RecoveryScan scan, RecoveryScan.Found f, Path root, Path dir, FlatFormat format,
      Progress progress) throws IOException {
    ScanReport.Match match = f.candidate().match();
    Descriptor parent = copyChain(scan.vmfs(), match.parentDescriptor(), dir, progress);
    String parentName = match.parentDescriptor().substring(match.parentDescriptor().lastIndexOf('/') + 1);
    String stem = ParentMatcher.stem(match.deltaName());
    String deltaExtent = stem + "-recovered-delta.vmdk";
    String deltaDescriptor = stem + "-recovered.vmdk";
    writeDelta(scan, f, dir.resolve(deltaExtent), progress);
    long cid = RANDOM.nextLong(1, 0xFFFFFFFFL);
    Descriptor descriptor = Descriptor.of("vmfsSparse", cid, parent.cid(), List.of(new Descriptor.ExtentLine(Descriptor.Access.RW,
        f.candidate().capacitySectors(), Descriptor.ExtentType.VMFSSPARSE, deltaExtent, -1))).with("parentFileNameHint", parentName, true);
    Files.write(dir.resolve(deltaDescriptor), descriptor.toBytes());
    String flattened = stem + "-recovered-full.vmdk";
    progress.update("flattening", 0, 1);
    HostDiskStore store = HostDiskStore.of(dir);
    try (VirtualDisk chain = VirtualDisk.open(store, deltaDescriptor, false)) {
      switch (format) {
        case FLAT -> chain.exportFlat(store, flattened).close();
        case MONOLITHIC_SPARSE -> {
          try (DiskFile out = store.create(flattened)) {
            chain.exportMonolithicSparse(out);
          }
        }
      }
    }
    progress.update("flattening", 1, 1);
    List<String> notes = new ArrayList<>();
    notes.add("the delta's descriptor was lost with it: " + deltaDescriptor + " is new, with parentCID set to the CID of the copied parent "
        + parentName + " (matched with " + match.confidence() + " confidence)");
    if (f.candidate().grainsOverwritten() + f.candidate().grainsMissing() > 0 || !f.candidate().missingRanges().isEmpty()) {
      notes.add("overwritten and missing grains are left out of the rebuilt delta's grain tables, so those sectors read the parent's"
          + " content: see overwrittenRanges and missingRanges");
    }
    if (f.candidate().grainsSuspect() > 0) {
      notes.add("suspect grains (blocks handed to another file that has not written them) are kept: see suspectRanges");
    }
    List<RecoveryReport.OutputFile> outputs = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : files.sorted().toList()) {
        if (Files.isRegularFile(p) && !p.getFileName().toString().startsWith("report.")) {
          outputs.add(new RecoveryReport.OutputFile(root.relativize(p).toString(), Files.size(p), RecoveryReport.sha256(p)));
        }
      }
    }
    return new RecoveryReport.Recovered(f.candidate().id(), dir.toString(), parentName, deltaDescriptor, deltaExtent, flattened,
        format == FlatFormat.FLAT ? "flat" : "monolithicSparse", List.copyOf(notes), List.copyOf(outputs));
  }

  /** Copies the descriptor at {@code path} and its parents, with their extents, into {@code dir}; returns the top descriptor. */
  private static Descriptor copyChain(Vmfs vmfs, String path, Path dir, Progress progress) throws IOException {
    VmfsDiskStore store = VmfsDiskStore.of(vmfs);
    Set<String> visited = new HashSet<>();
    Descriptor top = null;
    String current = path;
    while (current != null) {
      if (!visited.add(current) || visited.size() > MAX_CHAIN) {
        throw new CorruptStructureException("Descriptor in " + current, 0, "parentFileNameHint", "parent chain loops or is too deep",
            "a chain ending in a base disk", visited.size() + " disks");
      }
      byte[] raw = vmfs.openFile(current).readAll(Descriptor.MAX_SIZE);
      Descriptor d = Descriptor.parse(raw, 0);
      top = top == null ? d : top;
      Files.write(dir.resolve(fileName(current)), raw);
      for (Descriptor.ExtentLine extent : d.extents()) {
        if (extent.fileName().contains("/")) {
          throw new IOException(current + ": extent " + extent.fileName() + " lies in another directory; copy it by hand");
        }
        copyFile(vmfs.openFile(store.resolve(current, extent.fileName()).startsWith("/") ? store.resolve(current, extent.fileName())
            : "/" + store.resolve(current, extent.fileName())), dir.resolve(extent.fileName()), progress);
      }
      current = d.parentFileNameHint().map(h -> store.resolve(path, h)).orElse(null);
      if (current != null && !current.startsWith("/")) {
        current = "/" + current;
      }
    }
    return top;
  }

  private static void copyFile(VmfsFile file, Path target, Progress progress) throws IOException {
    long size = file.size();
    try (FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.SPARSE)) {
      long step = 256L << 20;
      for (long at = 0; at < size; at += step) {
        file.copyTo(at, Math.min(step, size - at), out, at);
        progress.update("copying " + target.getFileName(), Math.min(size, at + step), size);
      }
      if (out.size() < size) {
        out.write(ByteBuffer.allocate(1), size - 1);
      }
    }
  }

  /** Writes the reassembled delta: usable blocks copied, lost grains and tables dropped from the GD and GTs. */
  private static void writeDelta(RecoveryScan scan, RecoveryScan.Found f, Path target, Progress progress) throws IOException {
    DeltaReassembler.Reassembly r = f.reassembly();
    GrainClassifier.Result g = f.grains();
    BlockDevice device = scan.device();
    long blockSize = scan.report().blockSize();
    var geometry = scan.vmfs().volume().geometry();
    try (FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.SPARSE)) {
      int n = r.file().fileBlocks();
      for (int b = 0; b < n; b++) {
        if (g.blockUsable()[b]) {
          device.copyTo(geometry.blockDeviceOffset(r.file().deviceBlock(b)), blockSize, out, b * blockSize);
        }
        if (b % 64 == 0 || b == n - 1) {
          progress.update("rebuilding delta", b + 1, n);
        }
      }
      if (out.size() < n * blockSize) {
        out.write(ByteBuffer.allocate(1), n * blockSize - 1);
      }
      int[] gd = r.gd().clone();
      for (int i = 0; i < gd.length; i++) {
        if (gd[i] == -1 || !g.gtUsable()[i]) {
          gd[i] = 0;
        }
        if (gd[i] != 0) {
          int[] gt = r.gts()[i].clone();
          for (int e = 0; e < gt.length; e++) {
            byte state = g.states()[i][e];
            if (gt[e] != 0 && (state == GrainClassifier.OVERWRITTEN || state == GrainClassifier.MISSING)) {
              gt[e] = 0;
            }
          }
          write(out, Integer.toUnsignedLong(gd[i]) * 512, gt);
        }
      }
      write(out, r.header().gdOffset() * 512, gd);
    }
  }

  private static void write(FileChannel out, long offset, int[] values) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    buffer.asIntBuffer().put(values);
    while (buffer.hasRemaining()) {
      out.write(buffer, offset + buffer.position());
    }
  }

  private static String fileName(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }
}
