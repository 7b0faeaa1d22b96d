package org.vmfskit.fs.vmdk;

import it.unimi.dsi.fastutil.longs.Long2ObjectLinkedOpenHashMap;
import java.io.IOException;
import java.util.Arrays;

/**
 * The merged grain index of a chain: for each 1 MiB region, the runs of bytes with the extent that
 * owns them (top layer first) and where they are in its file. A region is built once, by asking
 * each layer's extents to claim the sectors still unresolved, and then cached, so a read at chain
 * depth 32 walks the same runs as at depth 1. Writes to the top layer invalidate their regions.
 * Not thread-safe: {@link VirtualDisk} serialises access.
 */
final class ChainIndex {

  static final int REGION_BYTES = 1 << 20;
  static final int UNIT_BYTES = 512;
  private static final int UNITS = REGION_BYTES / UNIT_BYTES;
  private static final int MAX_CACHED_REGIONS = 4096;
  /** Bounds the cache's memory (about 14 bytes per run) as well as its region count. */
  private static final long MAX_CACHED_RUNS = 4L << 20;

  /** Runs of one region; run {@code i} covers {@code [start[i], start[i + 1])} of the region. */
  record Region(int count, int[] start, short[] owner, long[] fileOffset) {
    int end(int run) {
      return start[run + 1];
    }

    /** Returns the first run that ends after {@code offset}. */
    int find(int offset) {
      int i = Arrays.binarySearch(start, 0, count, offset);
      return i >= 0 ? i : -i - 2;
    }
  }

  private final Extent[] extents;
  private final long[] extentStart;
  /** Extent ids of each layer, top layer first. */
  private final int[][] layers;
  private final long capacity;
  private final long[] fileOffsets = new long[UNITS];
  private final short[] owners = new short[UNITS];
  private final Long2ObjectLinkedOpenHashMap<Region> cache = new Long2ObjectLinkedOpenHashMap<>();
  private long cachedRuns;

  ChainIndex(Extent[] extents, long[] extentStart, int[][] layers, long capacity) {
    this.extents = extents;
    this.extentStart = extentStart;
    this.layers = layers;
    this.capacity = capacity;
  }

  /** Returns the runs of region {@code region}, building them on first use. */
  Region region(long region) throws IOException {
    Region cached = cache.getAndMoveToLast(region);
    if (cached != null) {
      return cached;
    }
    Region built = build(region);
    while (!cache.isEmpty() && (cache.size() >= MAX_CACHED_REGIONS || cachedRuns + built.count() > MAX_CACHED_RUNS)) {
      cachedRuns -= cache.removeFirst().count();
    }
    cache.put(region, built);
    cachedRuns += built.count();
    return built;
  }

  /** Forgets the regions overlapping {@code [offset, offset + length)}. */
  void invalidate(long offset, long length) {
    for (long r = offset / REGION_BYTES; r <= (offset + length - 1) / REGION_BYTES; r++) {
      Region removed = cache.remove(r);
      if (removed != null) {
        cachedRuns -= removed.count();
      }
    }
  }

  private Region build(long region) throws IOException {
    long regionStart = region * REGION_BYTES;
    int units = (int) Math.min(UNITS, Math.ceilDiv(capacity - regionStart, UNIT_BYTES));
    Arrays.fill(owners, 0, units, Extent.UNRESOLVED);
    for (int[] layer : layers) {
      for (int id : layer) {
        claim(id, regionStart, units);
      }
    }
    return compress(units);
  }

  private void claim(int id, long regionStart, int units) throws IOException {
    long start = extentStart[id];
    long end = start + extents[id].sizeBytes();
    long from = Math.max(start, regionStart);
    long to = Math.min(end, regionStart + (long) units * UNIT_BYTES);
    if (from < to) {
      int at = (int) ((from - regionStart) / UNIT_BYTES);
      int count = (int) ((to - from) / UNIT_BYTES);
      extents[id].map(from - start, count, UNIT_BYTES, fileOffsets, owners, at, (short) id);
    }
  }

  private Region compress(int units) {
    int[] start = new int[units + 1];
    short[] owner = new short[units];
    long[] offset = new long[units];
    int count = 0;
    for (int u = 0; u < units; u++) {
      if (count == 0 || !continues(owner[count - 1], offset[count - 1], start[count - 1], u)) {
        start[count] = u * UNIT_BYTES;
        owner[count] = owners[u];
        offset[count] = owners[u] == Extent.UNRESOLVED ? Extent.ZERO : fileOffsets[u];
        count++;
      }
    }
    start[count] = units * UNIT_BYTES;
    return new Region(count, Arrays.copyOf(start, count + 1), Arrays.copyOf(owner, count),
        Arrays.copyOf(offset, count));
  }

  /** Returns whether unit {@code u} extends the run that began at byte {@code runStart}. */
  private boolean continues(short runOwner, long runOffset, int runStart, int u) {
    if (owners[u] != runOwner) {
      return false;
    }
    if (runOwner == Extent.UNRESOLVED) {
      return true;
    }
    long value = fileOffsets[u];
    if (runOffset < 0 || value < 0) {
      // ZERO runs merge with ZERO; compressed units merge within one grain record.
      return value == runOffset;
    }
    return value == runOffset + (u * (long) UNIT_BYTES - runStart);
  }
}
