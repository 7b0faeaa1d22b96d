package org.vmfskit.recovery;

import it.unimi.dsi.fastutil.longs.LongOpenHashSet;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.vmfskit.fs.vmdk.CowdHeader;

/**
 * Sorts every grain of a reassembled delta into intact (its block is still free), suspect (its
 * block went to another file that has not written it), overwritten (the other file wrote it) or
 * missing (its block or grain table was not found), as guest sector ranges.
 */
final class GrainClassifier {

  /** Grain states, also kept per grain-table entry for the writer. */
  static final byte INTACT = 0;
  static final byte SUSPECT = 1;
  static final byte OVERWRITTEN = 2;
  static final byte MISSING = 3;

  /** The classification of one delta. */
  record Result(byte[][] states, boolean[] gtUsable, long[] counts, List<List<ScanReport.SectorRange>> ranges, long grainsUsed,
      boolean[] blockUsable) {}

  private GrainClassifier() {}

  /** Returns the blocks of the delta that are allocated again now. */
  static LongOpenHashSet reallocated(VolumeView view, DeltaFile file) {
    LongOpenHashSet out = new LongOpenHashSet();
    for (int i = 0; i < file.fileBlocks(); i++) {
      if (file.isPlaced(i) && !view.isFree(file.deviceBlock(i))) {
        out.add(file.deviceBlock(i));
      }
    }
    return out;
  }

  /** What other deleted deltas say about a block this one also claims: -1 when none claims it, else the state to use. */
  interface SharedBlocks {
    /** Nothing is shared. */
    SharedBlocks NONE = block -> -1;

    int stateOf(long deviceBlock);
  }

  static Result classify(VolumeView view, DeltaReassembler.Reassembly r, OwnershipIndex owners, List<Finding> findings) throws IOException {
    return classify(view, r, owners, SharedBlocks.NONE, findings);
  }

  static Result classify(VolumeView view, DeltaReassembler.Reassembly r, OwnershipIndex owners, SharedBlocks shared, List<Finding> findings)
      throws IOException {
    CowdHeader h = r.header();
    long blockSize = view.blockSize();
    long span = (long) CowdHeader.GT_ENTRIES * h.grainSize();
    byte[][] states = new byte[r.gd().length][];
    boolean[] gtUsable = new boolean[r.gd().length];
    long[] counts = new long[4];
    RangeBuilder[] ranges = {new RangeBuilder(), new RangeBuilder(), new RangeBuilder(), new RangeBuilder()};
    long used = 0;
    for (int i = 0; i < r.gd().length; i++) {
      long spanStart = i * span;
      long spanLength = Math.min(span, h.numSectors() - spanStart);
      if (r.gd()[i] == 0) {
        continue;
      }
      int[] gt = r.gts()[i];
      byte gtState = gt == null ? MISSING : blockState(view, r.file(), Integer.toUnsignedLong(r.gd()[i]) * 512 / blockSize, owners, shared);
      if (gt == null || gtState == OVERWRITTEN || gtState == MISSING) {
        ranges[MISSING].add(spanStart, spanLength);
        continue;
      }
      gtUsable[i] = true;
      states[i] = new byte[gt.length];
      for (int g = 0; g < gt.length; g++) {
        if (gt[g] == 0) {
          continue;
        }
        used++;
        long fileBlock = Integer.toUnsignedLong(gt[g]) * 512 / blockSize;
        long lastBlock = (Integer.toUnsignedLong(gt[g]) + h.grainSize()) * 512 / blockSize;
        byte state = blockState(view, r.file(), fileBlock, owners, shared);
        if (lastBlock != fileBlock && lastBlock < r.file().fileBlocks()) {
          state = (byte) Math.max(state, blockState(view, r.file(), lastBlock, owners, shared));
        }
        states[i][g] = state;
        counts[state]++;
        long lba = spanStart + (long) g * h.grainSize();
        ranges[state].add(lba, Math.min(h.grainSize(), h.numSectors() - lba));
      }
    }
    if (counts[SUSPECT] > 0) {
      findings.add(Finding.warning(-1, counts[SUSPECT] + " grain(s) are suspect (their block was handed to another file that has not"
          + " written it yet, or its carved position is unverified): kept"));
    }
    if (shared != SharedBlocks.NONE) {
      long conflicts = 0;
      for (int b = 0; b < r.file().fileBlocks(); b++) {
        if (r.file().isPlaced(b) && view.isFree(r.file().deviceBlock(b)) && shared.stateOf(r.file().deviceBlock(b)) >= 0) {
          conflicts++;
        }
      }
      if (conflicts > 0) {
        findings.add(Finding.warning(-1, conflicts + " block(s) are also claimed by another deleted delta (a block freed, reused and"
            + " freed again): kept only where this delta's own grain table sits in the block, otherwise reported overwritten"
            + " (the other delta's table is there) or missing (no evidence either way)"));
      }
    }
    if (counts[OVERWRITTEN] > 0) {
      findings.add(Finding.warning(-1, counts[OVERWRITTEN] + " grain(s) lie in blocks another file has written since: left out"));
    }
    List<List<ScanReport.SectorRange>> out = new ArrayList<>();
    for (RangeBuilder b : ranges) {
      out.add(b.ranges());
    }
    boolean[] usable = new boolean[r.file().fileBlocks()];
    for (int b = 0; b < usable.length; b++) {
      byte state = blockState(view, r.file(), b, owners, shared);
      usable[b] = state == INTACT || state == SUSPECT;
    }
    return new Result(states, gtUsable, counts, out, used, usable);
  }

  private static byte blockState(VolumeView view, DeltaFile file, long fileBlock, OwnershipIndex owners, SharedBlocks shared) {
    if (fileBlock >= file.fileBlocks() || !file.isPlaced((int) fileBlock) || file.tbz((int) fileBlock)) {
      return MISSING;
    }
    long block = file.deviceBlock((int) fileBlock);
    if (view.isFree(block)) {
      int verdict = shared.stateOf(block);
      byte state = verdict < 0 ? INTACT : (byte) verdict;
      return state == INTACT && file.isUnverified((int) fileBlock) ? SUSPECT : state;
    }
    return owners.unwrittenByNewOwner(block) ? SUSPECT : OVERWRITTEN;
  }

  /** Merges touching sector runs. */
  static final class RangeBuilder {
    private final List<ScanReport.SectorRange> ranges = new ArrayList<>();
    private long start = -1;
    private long length;

    void add(long first, long sectors) {
      if (start >= 0 && start + length == first) {
        length += sectors;
        return;
      }
      flush();
      start = first;
      length = sectors;
    }

    private void flush() {
      if (start >= 0) {
        ranges.add(new ScanReport.SectorRange(start, length));
      }
    }

    List<ScanReport.SectorRange> ranges() {
      flush();
      start = -1;
      return List.copyOf(ranges);
    }
  }
}
