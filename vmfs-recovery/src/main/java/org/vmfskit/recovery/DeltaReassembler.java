package org.vmfskit.recovery;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.vmdk.CowdHeader;

/**
 * Puts a deleted vmfsSparse delta back together from the evidence the delta carries itself: the
 * header gives the length ({@code freeSector}), the grain directory gives the file sectors of the
 * grain tables, and a MAP (or a run of blocks) is accepted at a position only when every grain
 * table that falls there reads back as a valid table. Gaps and conflicts are reported, never
 * filled by guesswork.
 */
final class DeltaReassembler {

  /** Largest grain-table memory one delta may take (in bytes). */
  static final long MAX_TABLE_BYTES = 2L << 30;

  /** Where the header was found. */
  enum Source { FREE_MAP, FREE_FD, CARVED }

  /** A reassembled delta: the file, its directory and tables (null where lost), and findings. */
  record Reassembly(CowdHeader header, DeltaFile file, int[] gd, int[][] gts, List<ScanReport.MapPlacement> maps,
      List<Finding> findings) {}

  private final VolumeView view;
  private final ScanOptions options;
  private final long blockSize;
  private final int perMap;

  DeltaReassembler(VolumeView view, ScanOptions options) {
    this.view = view;
    this.options = options;
    this.blockSize = view.blockSize();
    this.perMap = view.geometry().addressesPerMap();
  }

  /**
   * Rebuilds the delta whose header is {@code header}, with its first MAP (or null), the MAP order
   * from a freed FD (or null), the freed MAPs still unclaimed (claimed ones are added to
   * {@code claimed}), and the header block for a carved or directly addressed delta.
   */
  Decoded<Reassembly> reassemble(CowdHeader header, long headerOffset, Source source, FreeMapScanner.FreeMap firstMap,
      List<FreeMapScanner.FreeMap> orderedMaps, int[] directAddresses, List<FreeMapScanner.FreeMap> pool, Set<Long> claimed,
      long headerBlock) throws IOException {
    List<Finding> findings = new ArrayList<>();
    long dataStart = header.gdOffset() + header.gdSectors();
    long grains = Math.ceilDiv(header.numSectors(), header.grainSize());
    long maxSectors = dataStart + header.numGdEntries() * 32 + grains * header.grainSize();
    if (header.freeSector() < dataStart || header.freeSector() > maxSectors) {
      return Decoded.rejected(Finding.error(headerOffset, "COWD header at " + Corrupt.hex(headerOffset) + ": freeSector "
          + header.freeSector() + " is implausible (expected " + dataStart + " to " + maxSectors + ")"));
    }
    long fileBlocks = Math.ceilDiv(header.freeSector() * 512, blockSize);
    long maxBlocks = (long) perMap * 256;
    if (fileBlocks > maxBlocks) {
      return Decoded.rejected(Finding.error(headerOffset, "COWD header at " + Corrupt.hex(headerOffset) + ": " + fileBlocks
          + " file blocks exceed what 256 MAPs address"));
    }
    if (header.numGdEntries() * 32L * 512 > MAX_TABLE_BYTES) {
      return Decoded.rejected(Finding.error(headerOffset, "COWD header at " + Corrupt.hex(headerOffset) + ": "
          + header.numGdEntries() + " grain tables exceed the in-memory reassembly limit"));
    }
    DeltaFile file = new DeltaFile(view, (int) fileBlocks);
    List<ScanReport.MapPlacement> maps = new ArrayList<>();
    switch (source) {
      case FREE_MAP -> {
        file.place(0, firstMap.entries());
        maps.add(new ScanReport.MapPlacement(0, firstMap.pointerBlockIndex(), firstMap.deviceOffset(), "its first address holds the header"));
      }
      case FREE_FD -> {
        if (orderedMaps != null) {
          for (int m = 0; m < orderedMaps.size(); m++) {
            FreeMapScanner.FreeMap map = orderedMaps.get(m);
            if (map != null) {
              file.place(m * perMap, map.entries());
              maps.add(new ScanReport.MapPlacement(m, map.pointerBlockIndex(), map.deviceOffset(), "slot " + m + " of the freed FD"));
            }
          }
        } else {
          file.place(0, directAddresses);
        }
      }
      case CARVED -> file.placeRun(0, (int) Math.min(runBlocks(), fileBlocks), headerBlock);
    }
    int[] gd = readGd(header, file, headerOffset, findings);
    if (gd == null) {
      return Decoded.rejected(findings.getLast());
    }
    GtChecker checker = new GtChecker(header, gd, view::isFree);
    if (source == Source.FREE_MAP) {
      placeMaps(file, gd, checker, pool, claimed, maps, findings);
    } else if (source == Source.CARVED) {
      placeRuns(file, gd, checker, headerBlock, findings);
      markUnverified(file, gd, checker, findings);
    }
    int[][] gts = readGts(file, gd, checker, findings);
    return new Decoded.Ok<>(new Reassembly(header, file, gd, gts, List.copyOf(maps), findings), findings);
  }

  private long runBlocks() {
    return Math.max(1, (16L << 20) / blockSize);
  }

  private int[] readGd(CowdHeader header, DeltaFile file, long headerOffset, List<Finding> findings) throws IOException {
    long bytes = header.numGdEntries() * 4;
    ByteBuffer raw = file.read(header.gdOffset() * 512, (int) bytes);
    if (raw == null) {
      findings.add(Finding.error(headerOffset, "grain directory of the delta at " + Corrupt.hex(headerOffset) + " is not in the blocks found"));
      return null;
    }
    int[] gd = new int[(int) header.numGdEntries()];
    raw.asIntBuffer().get(gd);
    int past = 0;
    for (int i = 0; i < gd.length; i++) {
      long s = Integer.toUnsignedLong(gd[i]);
      if (s != 0 && (s < header.gdOffset() + header.gdSectors() || s + 32 > header.freeSector())) {
        past++;
        gd[i] = -1;
      }
    }
    if (past > 0) {
      findings.add(Finding.error(headerOffset, past + " grain-directory entries point outside the delta's used sectors "
          + "(past freeSector " + header.freeSector() + " or into the header); their spans are lost"));
    }
    return gd;
  }

  /** Returns the file block of the GT at sector {@code s}. */
  private int blockOfSector(long sector) {
    return (int) (sector * 512 / blockSize);
  }

  private void placeMaps(DeltaFile file, int[] gd, GtChecker checker, List<FreeMapScanner.FreeMap> pool, Set<Long> claimed,
      List<ScanReport.MapPlacement> maps, List<Finding> findings) throws IOException {
    int needed = (int) Math.ceilDiv(file.fileBlocks(), perMap);
    for (int m = 1; m < needed; m++) {
      List<Integer> evidence = new ArrayList<>();
      for (int i = 0; i < gd.length; i++) {
        if (gd[i] > 0 && blockOfSector(Integer.toUnsignedLong(gd[i])) / perMap == m) {
          evidence.add(i);
        }
      }
      if (evidence.isEmpty()) {
        maps.add(new ScanReport.MapPlacement(m, -1, -1, "gap: no grain table lies in this MAP, so no freed MAP can be tied to it"));
        findings.add(Finding.warning(-1, "MAP " + m + " of the delta holds no grain table; it cannot be placed from evidence"));
        continue;
      }
      List<FreeMapScanner.FreeMap> fits = new ArrayList<>();
      for (FreeMapScanner.FreeMap candidate : pool) {
        if (claimed.contains(candidate.pointerBlockIndex())) {
          continue;
        }
        file.place(m * perMap, candidate.entries());
        if (checker.allValid(file, gd, evidence)) {
          fits.add(candidate);
        }
        file.clear(m * perMap, perMap);
      }
      if (fits.size() == 1) {
        FreeMapScanner.FreeMap map = fits.getFirst();
        claimed.add(map.pointerBlockIndex());
        file.place(m * perMap, map.entries());
        maps.add(new ScanReport.MapPlacement(m, map.pointerBlockIndex(), map.deviceOffset(),
            evidence.size() + " grain table(s) at the sectors the grain directory names read back valid through it"));
      } else if (fits.isEmpty()) {
        maps.add(new ScanReport.MapPlacement(m, -1, -1, "gap: no freed MAP holds valid grain tables at this position"));
        findings.add(Finding.error(-1, "MAP " + m + " of the delta was not found among the freed MAPs"));
      } else {
        maps.add(new ScanReport.MapPlacement(m, -1, -1, "conflict: " + fits.size() + " freed MAPs fit; none was chosen"));
        findings.add(Finding.error(-1, "MAP " + m + " of the delta: " + fits.size() + " freed MAPs (" + fits.stream()
            .map(f -> String.valueOf(f.pointerBlockIndex())).toList() + ") all fit; left as a gap"));
      }
    }
  }

  private void placeRuns(DeltaFile file, int[] gd, GtChecker checker, long headerBlock, List<Finding> findings) throws IOException {
    int run = (int) runBlocks();
    List<Integer> first = evidenceIn(gd, 0, run);
    if (!first.isEmpty() && !checker.allValid(file, gd, first)) {
      file.clear(0, run);
      file.placeRun(0, 1, headerBlock);
      findings.add(Finding.error(view.blockOffset(headerBlock), "the blocks after the carved header do not hold its grain tables;"
          + " only the header block is used"));
    }
    for (int start = run; start < file.fileBlocks(); start += run) {
      int count = Math.min(run, file.fileBlocks() - start);
      List<Integer> evidence = evidenceIn(gd, start, count);
      if (!file.isPlaced(start - 1)) {
        findings.add(Finding.warning(-1, "file blocks " + start + "-" + (start + count - 1) + " not placed: the run before them is missing"));
        continue;
      }
      if (evidence.isEmpty()) {
        findings.add(Finding.warning(-1, "file blocks " + start + "-" + (start + count - 1)
            + " hold no grain table, so where they lie cannot be verified; left as a gap"));
        continue;
      }
      long expected = file.deviceBlock(start - 1) + 1;
      boolean placed = false;
      for (int k = 0; k <= options.carveWindowBlocks() && !placed; k++) {
        long candidate = expected + k;
        if (candidate + count > view.blocksOnDevice() || anyMetadata(candidate, count)) {
          continue;
        }
        file.placeRun(start, count, candidate);
        if (checker.allValid(file, gd, evidence)) {
          placed = true;
          if (k > 0) {
            findings.add(Finding.info(view.blockOffset(candidate), "file blocks " + start + "-" + (start + count - 1) + " found "
                + k + " block(s) after the previous run, verified by " + evidence.size() + " grain table(s)"));
          }
        } else {
          file.clear(start, count);
        }
      }
      if (!placed) {
        findings.add(Finding.error(-1, "file blocks " + start + "-" + (start + count - 1) + " not found within "
            + options.carveWindowBlocks() + " blocks of the previous run"));
      }
    }
  }

  /**
   * In each carved run, only blocks up to the last one holding a valid grain table are confirmed:
   * a 16 MiB growth step may have been split by fragmentation, so later blocks are marked
   * unverified and their grains reported as suspect.
   */
  private void markUnverified(DeltaFile file, int[] gd, GtChecker checker, List<Finding> findings) throws IOException {
    int run = (int) runBlocks();
    boolean[] confirmed = new boolean[file.fileBlocks()];
    confirmed[0] = file.isPlaced(0);
    for (int i = 0; i < gd.length; i++) {
      if (gd[i] <= 0) {
        continue;
      }
      long sector = Integer.toUnsignedLong(gd[i]);
      int[] gt = checker.read(file, sector);
      if (gt != null && checker.freeNow(file, sector) && checker.check(gt, sector) == null) {
        confirmed[(int) ((sector * 512 + CowdHeader.GT_ENTRIES * 4 - 1) / blockSize)] = true;
      }
    }
    long count = 0;
    for (int start = 0; start < file.fileBlocks(); start += run) {
      int end = Math.min(file.fileBlocks(), start + run);
      int last = -1;
      for (int b = start; b < end; b++) {
        if (confirmed[b]) {
          last = b;
        }
      }
      for (int b = Math.max(last + 1, start); b < end; b++) {
        if (file.isPlaced(b)) {
          file.markUnverified(b);
          count++;
        }
      }
    }
    if (count > 0) {
      findings.add(Finding.warning(-1, count + " carved block(s) lie after the last grain table of their run, so their position rests"
          + " on the run being contiguous: their grains are reported suspect"));
    }
  }

  private boolean anyMetadata(long first, int count) {
    for (long b = first; b < first + count; b++) {
      if (view.isMetadata(b)) {
        return true;
      }
    }
    return false;
  }

  private List<Integer> evidenceIn(int[] gd, int firstBlock, int count) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < gd.length; i++) {
      if (gd[i] > 0) {
        int b = blockOfSector(Integer.toUnsignedLong(gd[i]));
        if (b >= firstBlock && b < firstBlock + count) {
          out.add(i);
        }
      }
    }
    return out;
  }

  private int[][] readGts(DeltaFile file, int[] gd, GtChecker checker, List<Finding> findings) throws IOException {
    int[][] gts = new int[gd.length][];
    int unread = 0;
    int invalid = 0;
    for (int i = 0; i < gd.length; i++) {
      if (gd[i] <= 0) {
        continue;
      }
      int[] gt = checker.read(file, Integer.toUnsignedLong(gd[i]));
      if (gt == null) {
        unread++;
        continue;
      }
      String why = checker.check(gt, Integer.toUnsignedLong(gd[i]));
      if (why != null && !checker.freeNow(file, Integer.toUnsignedLong(gd[i]))) {
        // Reused by another file since: the classifier reports the span as overwritten.
        continue;
      }
      if (why != null) {
        invalid++;
        if (invalid <= 5) {
          findings.add(Finding.error(-1, "grain table " + i + " at delta sector " + Integer.toUnsignedLong(gd[i]) + " is not valid: " + why));
        }
        continue;
      }
      gts[i] = gt;
    }
    if (unread > 0) {
      findings.add(Finding.error(-1, unread + " grain table(s) lie in file blocks that were not found; their 2 MiB spans are lost"));
    }
    if (invalid > 5) {
      findings.add(Finding.error(-1, (invalid - 5) + " further grain tables are not valid; their spans are lost"));
    }
    return gts;
  }

  /** Checks grain tables against what the header allows. */
  static final class GtChecker {
    private final CowdHeader header;
    private final long[] gtSectors;
    private final long dataStart;
    private final java.util.function.LongPredicate isFree;

    GtChecker(CowdHeader header, int[] gd, java.util.function.LongPredicate isFree) {
      this.header = header;
      this.isFree = isFree;
      this.gtSectors = Arrays.stream(gd).filter(s -> s > 0).mapToLong(Integer::toUnsignedLong).sorted().toArray();
      this.dataStart = header.gdOffset() + header.gdSectors();
    }

    int[] read(DeltaFile file, long sector) throws IOException {
      ByteBuffer raw = file.read(sector * 512, CowdHeader.GT_ENTRIES * 4);
      if (raw == null) {
        return null;
      }
      int[] gt = new int[CowdHeader.GT_ENTRIES];
      raw.asIntBuffer().get(gt);
      return gt;
    }

    /**
     * Returns whether at least one table of {@code evidence} reads back valid and none reads back
     * invalid; a table that runs on into a block not placed yet cannot be read and is skipped.
     */
    boolean allValid(DeltaFile file, int[] gd, List<Integer> evidence) throws IOException {
      int verified = 0;
      for (int i : evidence) {
        long sector = Integer.toUnsignedLong(gd[i]);
        int[] gt = read(file, sector);
        // A table in a block another file has taken since is no evidence either way.
        if (gt == null || !freeNow(file, sector)) {
          continue;
        }
        if (check(gt, sector) != null) {
          return false;
        }
        verified++;
      }
      return verified > 0;
    }

    boolean freeNow(DeltaFile file, long sector) {
      long blockSize = file.blockSize();
      for (long b = sector * 512 / blockSize; b <= (sector * 512 + CowdHeader.GT_ENTRIES * 4 - 1) / blockSize; b++) {
        if (!isFree.test(file.deviceBlock((int) b))) {
          return false;
        }
      }
      return true;
    }

    /** Returns why {@code gt} cannot be the table at {@code sector}, or null. */
    String check(int[] gt, long sector) {
      int used = 0;
      it.unimi.dsi.fastutil.longs.LongOpenHashSet seen = new it.unimi.dsi.fastutil.longs.LongOpenHashSet();
      for (int raw : gt) {
        if (raw == 0) {
          continue;
        }
        long e = Integer.toUnsignedLong(raw);
        used++;
        if (e < dataStart || e + header.grainSize() > header.freeSector()) {
          return "entry " + e + " lies outside sectors " + dataStart + "-" + header.freeSector();
        }
        int at = Arrays.binarySearch(gtSectors, e);
        int before = at >= 0 ? at : -at - 2;
        if (before >= 0 && e < gtSectors[before] + 32) {
          return "entry " + e + " points into a grain table";
        }
        if (!seen.add(e)) {
          return "entry " + e + " appears twice";
        }
      }
      return used == 0 ? "no grain is allocated in it" : null;
    }
  }
}
