package org.vmfskit.recovery;

import com.google.common.base.Preconditions;

/**
 * How a recovery scan runs.
 *
 * @param parallelReads concurrent reads in flight (virtual threads bounded by a semaphore)
 * @param carve whether free file blocks are carved for headers (needed for deltas without a MAP)
 * @param scanFreeFds whether free FD slots are examined for leftover addresses
 * @param carveWindowBlocks how far past a run's expected start the reassembler looks for the next
 *     run of a carved delta
 */
public record ScanOptions(int parallelReads, boolean carve, boolean scanFreeFds, int carveWindowBlocks) {

  /** Checks the values. */
  public ScanOptions {
    Preconditions.checkArgument(parallelReads >= 1 && parallelReads <= 256, "parallelReads %s", parallelReads);
    Preconditions.checkArgument(carveWindowBlocks >= 0 && carveWindowBlocks <= 4096, "carveWindowBlocks %s", carveWindowBlocks);
  }

  /** Returns the defaults: 8 reads in flight, carving and FD scan on, a 64-block window. */
  public static ScanOptions defaults() {
    return new ScanOptions(8, true, true, 64);
  }

  /** Returns a copy with carving on or off. */
  public ScanOptions withCarve(boolean value) {
    return new ScanOptions(parallelReads, value, scanFreeFds, carveWindowBlocks);
  }
}
