package org.vmfskit.recovery;

import it.unimi.dsi.fastutil.longs.LongOpenHashSet;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.format.BlockAddress;
import org.vmfskit.fs.format.FileBlockAddr;
import org.vmfskit.fs.format.VmfsFormatException;
import org.vmfskit.fs.volume.Volume;

/**
 * The recovery scan: opens the volume read-only through a counting device and runs the pipeline
 * (FreeMapScanner, DeltaHeaderProbe, DeltaReassembler, GrainClassifier, ParentMatcher). It reads
 * metadata, candidate headers and the grain tables of accepted candidates, never file data.
 */
public final class RecoveryScan {

  /** One accepted candidate with what the writer needs. */
  record Found(ScanReport.Candidate candidate, DeltaReassembler.Reassembly reassembly, GrainClassifier.Result grains) {}

  private final ScanReport report;
  private final Map<String, Found> found;
  private final Vmfs vmfs;
  private final CountingBlockDevice counting;
  private final BlockDevice image;

  private RecoveryScan(ScanReport report, Map<String, Found> found, Vmfs vmfs, CountingBlockDevice counting, BlockDevice image) {
    this.image = image;
    this.report = report;
    this.found = found;
    this.vmfs = vmfs;
    this.counting = counting;
  }

  /** Returns what the scan found. */
  public ScanReport report() {
    return report;
  }

  Map<String, Found> found() {
    return found;
  }

  Vmfs vmfs() {
    return vmfs;
  }

  CountingBlockDevice device() {
    return counting;
  }

  /** Returns the scanned device itself (not the counting view), for the image's hash. */
  BlockDevice image() {
    return image;
  }

  /** Scans the volume on {@code device}, named in the report by the device's name. */
  public static RecoveryScan scan(BlockDevice device, ScanOptions options) throws IOException {
    return scan(device, device.name(), options);
  }

  /**
   * Scans the volume on {@code device} (never written: every access goes through a read-only
   * counting decorator) and returns the candidates.
   */
  public static RecoveryScan scan(BlockDevice device, String imageName, ScanOptions options) throws IOException {
    return scan(device, imageName, options, RecoveryWriter.Progress.NONE);
  }

  /** Scans as {@link #scan(BlockDevice, String, ScanOptions)} does, reporting the long phases to {@code progress}. */
  public static RecoveryScan scan(BlockDevice device, String imageName, ScanOptions options, RecoveryWriter.Progress progress)
      throws IOException {
    long started = System.nanoTime();
    if (Vmfs.probeVersion(device) == org.vmfskit.fs.volume.VmfsVersion.VMFS6) {
      throw new org.vmfskit.fs.format.UnsupportedFormatException("LvmHeader", 0x100000,
          "scanning VMFS6 volumes for deleted snapshot deltas is not implemented yet (vmfskit scans VMFS5)");
    }
    long needed = imageBytesNeeded(device);
    CountingBlockDevice counting = new CountingBlockDevice(device, needed);
    Vmfs vmfs = Vmfs.open(counting);
    Volume volume = vmfs.volume();
    VolumeView view = new VolumeView(volume, counting.physicalSize());
    FreeMapScanner.Result scanned = new FreeMapScanner(view, options, progress).scan();
    List<Finding> rejected = new ArrayList<>(scanned.rejected());
    List<Finding> findings = new ArrayList<>();
    if (counting.physicalSize() < needed) {
      findings.add(Finding.error(counting.physicalSize(), "the image is truncated: " + counting.physicalSize() + " of " + needed
          + " bytes present; everything past the end reads as zeros and blocks there count as missing"));
    }
    findings.addAll(scanned.findings());
    ParentMatcher matcher = new ParentMatcher(vmfs, scanned.descriptors(), findings);
    List<Found> accepted = new ArrayList<>();
    new Pipeline(view, options, scanned, matcher, rejected, accepted, new ArrayList<>(), new ArrayList<>()).run();
    accepted.sort(Comparator.comparingLong(f -> f.candidate().headerDeviceOffset()));
    Map<String, Found> byId = new LinkedHashMap<>();
    List<ScanReport.Candidate> candidates = new ArrayList<>();
    for (int i = 0; i < accepted.size(); i++) {
      Found f = accepted.get(i);
      ScanReport.Candidate c = withId(f.candidate(), "c" + (i + 1));
      candidates.add(c);
      byId.put(c.id(), new Found(c, f.reassembly(), f.grains()));
    }
    long volumeBytes = volume.lvmHeader().extentBytes();
    long bytesRead = counting.bytesRead();
    ScanReport report = new ScanReport(imageName, device.size(), volumeBytes, view.blockSize(), bytesRead,
        100.0 * bytesRead / volumeBytes, (System.nanoTime() - started) / 1_000_000, scanned.freeMapsExamined(),
        scanned.freeMapsEmpty(), scanned.freeFdsExamined(), scanned.freeBlocksCarved(), candidates, rejected, findings);
    return new RecoveryScan(report, byId, vmfs, counting, device);
  }

  /** Returns the image length the LVM header asks for, or the device size when the header is unreadable. */
  private static long imageBytesNeeded(BlockDevice device) throws IOException {
    try {
      var lvm = org.vmfskit.fs.format.LvmHeader.decode(device.read(org.vmfskit.fs.format.LvmHeader.IMAGE_OFFSET,
          org.vmfskit.fs.format.LvmHeader.SIZE), org.vmfskit.fs.format.LvmHeader.IMAGE_OFFSET);
      return org.vmfskit.fs.format.LvmHeader.DATA_OFFSET + lvm.extentBytes();
    } catch (VmfsFormatException | java.io.EOFException e) {
      return device.size();
    }
  }

  private static ScanReport.Candidate withId(ScanReport.Candidate c, String id) {
    return new ScanReport.Candidate(id, c.format(), c.source(), c.headerDeviceOffset(), c.capacitySectors(), c.grainSectors(),
        c.freeSector(), c.grainsUsed(), c.fileBlocks(), c.fileBlocksFound(), c.maps(), c.grainsIntact(), c.grainsSuspect(),
        c.grainsOverwritten(), c.grainsMissing(), c.overwrittenRanges(), c.suspectRanges(), c.missingRanges(), c.match(), c.findings());
  }

  /** Turns the scanner's raw material into candidates, strongest evidence first. */
  private record Pipeline(VolumeView view, ScanOptions options, FreeMapScanner.Result scanned, ParentMatcher matcher,
      List<Finding> rejected, List<Found> accepted, List<Pending> pending, List<Built> built) {

    void run() throws IOException {
      Set<Long> claimed = new HashSet<>();
      LongOpenHashSet headerBlocks = new LongOpenHashSet();
      Map<Long, FreeMapScanner.FreeMap> mapsByIndex = new HashMap<>();
      for (FreeMapScanner.FreeMap map : scanned.maps()) {
        mapsByIndex.put(map.pointerBlockIndex(), map);
      }
      // Freed FDs that kept their addresses give the MAP order directly.
      for (FreeMapScanner.FreeFd fd : scanned.fds()) {
        fromFd(fd, mapsByIndex, claimed, headerBlocks);
      }
      List<FreeMapScanner.FreeMap> heads = new ArrayList<>();
      for (FreeMapScanner.FreeMap map : scanned.maps()) {
        if (!claimed.contains(map.pointerBlockIndex()) && map.firstEntry() != 0 && !FileBlockAddr.isTbz(map.firstEntry())) {
          heads.add(map);
        }
      }
      List<FreeMapScanner.FreeMap> headerMaps = new ArrayList<>();
      for (FreeMapScanner.FreeMap map : heads) {
        long block = FileBlockAddr.blockOf(map.firstEntry());
        Decoded<DeltaHeader> probe = DeltaHeaderProbe.probe(view.volume().device(), view.blockOffset(block));
        switch (probe) {
          case Decoded.Ok<DeltaHeader>(DeltaHeader header, _) -> {
            headerMaps.add(map);
            claimed.add(map.pointerBlockIndex());
            headerBlocks.add(block);
            pending.add(new Pending(header, view.blockOffset(block), DeltaReassembler.Source.FREE_MAP, map, null, null, block));
          }
          case Decoded.Rejected<DeltaHeader>(Finding reason) -> {
            if (reason.severity() != Finding.Severity.INFO) {
              rejected.add(new Finding(reason.severity(), map.deviceOffset(), "free MAP " + map.pointerBlockIndex() + ": " + reason.message()));
            }
          }
        }
      }
      for (long block : scanned.carvedHeaderBlocks()) {
        if (headerBlocks.contains(block)) {
          continue;
        }
        Decoded<DeltaHeader> probe = DeltaHeaderProbe.probe(view.volume().device(), view.blockOffset(block));
        switch (probe) {
          case Decoded.Ok<DeltaHeader>(DeltaHeader header, _) ->
              pending.add(new Pending(header, view.blockOffset(block), DeltaReassembler.Source.CARVED, null, null, null, block));
          case Decoded.Rejected<DeltaHeader>(Finding reason) -> rejected.add(reason);
        }
      }
      List<FreeMapScanner.FreeMap> pool = new ArrayList<>(scanned.maps());
      pool.removeAll(headerMaps);
      for (Pending p : pending) {
        build(p, pool, claimed);
      }
      classifyAll();
    }

    private void fromFd(FreeMapScanner.FreeFd fd, Map<Long, FreeMapScanner.FreeMap> mapsByIndex, Set<Long> claimed,
        LongOpenHashSet headerBlocks) throws IOException {
      int first = fd.addresses()[0];
      List<FreeMapScanner.FreeMap> ordered = null;
      int headerRaw = first;
      if (fd.mode() == org.vmfskit.fs.format.AddressingMode.POINTER_BLOCKS) {
        if (BlockAddress.typeOf(first) != BlockAddress.TYPE_PB) {
          return;
        }
        ordered = new ArrayList<>();
        for (int raw : fd.addresses()) {
          FreeMapScanner.FreeMap map = null;
          if (raw != 0 && BlockAddress.typeOf(raw) == BlockAddress.TYPE_PB) {
            try {
              map = mapsByIndex.get(view.volume().pointerBlockIndex(raw, "freed FD", fd.deviceOffset()));
            } catch (VmfsFormatException e) {
              rejected.add(Finding.error(fd.deviceOffset(), "freed FD " + fd.fdIndex() + ": " + e.getMessage()));
            }
          }
          ordered.add(map);
        }
        while (!ordered.isEmpty() && ordered.getLast() == null) {
          ordered.removeLast();
        }
        if (ordered.isEmpty() || ordered.getFirst() == null) {
          return;
        }
        headerRaw = ordered.getFirst().firstEntry();
      }
      if (view.checkDataAddress(headerRaw) != null || headerRaw == 0) {
        return;
      }
      long block = FileBlockAddr.blockOf(headerRaw);
      Decoded<DeltaHeader> probe = DeltaHeaderProbe.probe(view.volume().device(), view.blockOffset(block));
      if (probe instanceof Decoded.Ok<DeltaHeader>(DeltaHeader header, _)) {
        if (ordered != null) {
          ordered.stream().filter(java.util.Objects::nonNull).forEach(m -> claimed.add(m.pointerBlockIndex()));
        }
        headerBlocks.add(block);
        pending.add(new Pending(header, view.blockOffset(block), DeltaReassembler.Source.FREE_FD, null, ordered,
            ordered == null ? fd.addresses() : null, block));
      }
    }

    private void build(Pending p, List<FreeMapScanner.FreeMap> pool, Set<Long> claimed) throws IOException {
      String source = switch (p.source()) {
        case FREE_MAP -> "free-map";
        case FREE_FD -> "free-fd";
        case CARVED -> "carved";
      };
      ScanReport.Match match = matcher.match(p.header().capacitySectors());
      switch (p.header()) {
        case DeltaHeader.SeSparse se -> accepted.add(new Found(new ScanReport.Candidate("", se.format(), source, p.headerOffset(),
            se.capacitySectors(), 8, 0, 0, 0, 0, List.of(), 0, 0, 0, 0, List.of(), List.of(), List.of(), match,
            List.of(Finding.warning(p.headerOffset(), "SEsparse delta found; reassembly of SEsparse is not implemented"))), null, null));
        case DeltaHeader.Cowd cowd -> {
          DeltaReassembler reassembler = new DeltaReassembler(view, options);
          Decoded<DeltaReassembler.Reassembly> result = reassembler.reassemble(cowd.header(), p.headerOffset(), p.source(), p.firstMap(),
              p.orderedMaps(), p.directAddresses(), pool, claimed, p.headerBlock());
          switch (result) {
            case Decoded.Rejected<DeltaReassembler.Reassembly>(Finding reason) -> rejected.add(reason);
            case Decoded.Ok<DeltaReassembler.Reassembly>(DeltaReassembler.Reassembly r, _) -> built.add(new Built(r, source, p, match));
          }
        }
      }
    }

    /** Classifies every rebuilt delta, settling blocks two of them claim by where their grain tables are. */
    private void classifyAll() throws IOException {
      it.unimi.dsi.fastutil.longs.Long2IntOpenHashMap claims = new it.unimi.dsi.fastutil.longs.Long2IntOpenHashMap();
      List<LongOpenHashSet> tableBlocks = new ArrayList<>();
      for (Built b : built) {
        LongOpenHashSet mine = new LongOpenHashSet();
        for (int i = 0; i < b.r().file().fileBlocks(); i++) {
          if (b.r().file().isPlaced(i)) {
            claims.addTo(b.r().file().deviceBlock(i), 1);
          }
        }
        for (int i = 0; i < b.r().gd().length; i++) {
          if (b.r().gts()[i] != null) {
            long first = Integer.toUnsignedLong(b.r().gd()[i]) * 512 / view.blockSize();
            long last = (Integer.toUnsignedLong(b.r().gd()[i]) * 512 + 16383) / view.blockSize();
            for (long fb = first; fb <= last; fb++) {
              if (b.r().file().isPlaced((int) fb)) {
                mine.add(b.r().file().deviceBlock((int) fb));
              }
            }
          }
        }
        tableBlocks.add(mine);
      }
      for (int k = 0; k < built.size(); k++) {
        int self = k;
        GrainClassifier.SharedBlocks shared = block -> {
          if (claims.get(block) < 2) {
            return -1;
          }
          if (tableBlocks.get(self).contains(block)) {
            return GrainClassifier.INTACT;
          }
          for (int o = 0; o < tableBlocks.size(); o++) {
            if (o != self && tableBlocks.get(o).contains(block)) {
              return GrainClassifier.OVERWRITTEN;
            }
          }
          return GrainClassifier.MISSING;
        };
        accepted.add(classify(built.get(k), claims.size() == 0 ? GrainClassifier.SharedBlocks.NONE : shared));
      }
    }

    private Found classify(Built b, GrainClassifier.SharedBlocks shared) throws IOException {
      DeltaReassembler.Reassembly r = b.r();
      String source = b.source();
      Pending p = b.p();
      ScanReport.Match match = b.match();
      List<Finding> findings = new ArrayList<>(r.findings());
      OwnershipIndex owners = OwnershipIndex.build(view.volume(), GrainClassifier.reallocated(view, r.file()), findings);
      GrainClassifier.Result g = GrainClassifier.classify(view, r, owners, shared, findings);
      var h = r.header();
      ScanReport.Candidate c = new ScanReport.Candidate("", "vmfsSparse", source, p.headerOffset(), h.numSectors(), h.grainSize(),
          h.freeSector(), g.grainsUsed(), r.file().fileBlocks(), r.file().found(), r.maps(), g.counts()[GrainClassifier.INTACT],
          g.counts()[GrainClassifier.SUSPECT], g.counts()[GrainClassifier.OVERWRITTEN], g.counts()[GrainClassifier.MISSING],
          g.ranges().get(GrainClassifier.OVERWRITTEN), g.ranges().get(GrainClassifier.SUSPECT), g.ranges().get(GrainClassifier.MISSING),
          match, List.copyOf(findings));
      return new Found(c, r, g);
    }

  }

  private record Built(DeltaReassembler.Reassembly r, String source, Pending p, ScanReport.Match match) {}

  private record Pending(DeltaHeader header, long headerOffset, DeltaReassembler.Source source, FreeMapScanner.FreeMap firstMap,
      List<FreeMapScanner.FreeMap> orderedMaps, int[] directAddresses, long headerBlock) {}
}
