package org.vmfskit.fs.volume;

import it.unimi.dsi.fastutil.longs.LongArrayList;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One metadata change, written to the device in an order that keeps the volume consistent if the
 * writes stop at any point: (1) bitmap clusters with new allocations, (2) the structures that
 * refer to them (pointer blocks, file descriptors, directory content) in the order they were
 * staged, (3) bitmap clusters with the frees of resources that step 2 stopped referring to.
 *
 * <p>The writes reach the device through the metadata journal as one atomic change. Where no
 * journal can be used (its area on a foreign volume holds other data, or a change too large for
 * one record) they are written in this order, in which a cut after step 1 leaks resources
 * (allocated, unreferenced), which the checker reports and repairs; it never leaves a reference
 * to a free resource. Frees are applied to the in-memory
 * bitmap only at step 3, so nothing freed here can be handed out again before the structure that
 * used it has been rewritten. Callers that need one structure on disk before another (an FD before
 * the directory entry naming it) commit two transactions.
 */
public final class MetadataTransaction {

  private final Volume volume;
  private final Map<Long, ByteBuffer> structures = new LinkedHashMap<>();
  private final Map<ResourceKind, LongArrayList> pendingFrees = new EnumMap<>(ResourceKind.class);
  private final Map<ResourceKind, LongArrayList> allocations = new EnumMap<>(ResourceKind.class);
  private boolean committed;

  MetadataTransaction(Volume volume) {
    this.volume = volume;
  }

  /** Stages a structure write; a later write to the same offset replaces it. */
  public void write(long deviceOffset, ByteBuffer bytes) {
    checkOpen();
    structures.remove(deviceOffset);
    structures.put(deviceOffset, bytes.duplicate());
  }

  /** Stages the freeing of resource {@code index} of {@code kind}, applied after the writes. */
  public void free(ResourceKind kind, long index) {
    checkOpen();
    pendingFrees.computeIfAbsent(kind, _ -> new LongArrayList()).add(index);
  }

  /** Returns whether nothing is staged. */
  public boolean isEmpty() {
    return structures.isEmpty() && pendingFrees.isEmpty() && !volume.hasDirtyBitmaps();
  }

  /** Records that resource {@code index} of {@code kind} was allocated for this change. */
  void allocated(ResourceKind kind, long index) {
    allocations.computeIfAbsent(kind, _ -> new LongArrayList()).add(index);
  }

  /** Undoes the in-memory allocations of a transaction that will never commit. */
  void abort() {
    if (committed) {
      return;
    }
    committed = true;
    for (Map.Entry<ResourceKind, LongArrayList> allocated : allocations.entrySet()) {
      for (int i = 0; i < allocated.getValue().size(); i++) {
        volume.undoAllocation(allocated.getKey(), allocated.getValue().getLong(i));
      }
    }
    // Staged FDs and MAPs were cached before they reached the device.
    volume.clearCaches();
  }

  /**
   * Writes everything in the safe order, as one journaled change (joining the caller's change
   * when one is in progress); the order still matters when the journal cannot be used.
   */
  public void commit() throws IOException {
    checkOpen();
    committed = true;
    volume.committing(this);
    volume.beginChange();
    try {
      writeInOrder();
    } finally {
      volume.endChange();
    }
  }

  private void writeInOrder() throws IOException {
    volume.writeDirtyBitmaps();
    List<Map.Entry<Long, ByteBuffer>> writes = new ArrayList<>(structures.entrySet());
    for (Map.Entry<Long, ByteBuffer> write : writes) {
      volume.device().write(write.getKey(), write.getValue().duplicate());
    }
    for (Map.Entry<ResourceKind, LongArrayList> frees : pendingFrees.entrySet()) {
      volume.applyFrees(frees.getKey(), frees.getValue());
    }
    volume.writeDirtyBitmaps();
  }

  private void checkOpen() {
    if (committed) {
      throw new IllegalStateException("transaction already committed");
    }
  }
}
