package org.vmfskit.fs.volume;

import it.unimi.dsi.fastutil.ints.IntAVLTreeSet;
import it.unimi.dsi.fastutil.ints.IntSortedSet;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.format.ClusterHeader;
import org.vmfskit.fs.format.LockBlock;
import org.vmfskit.fs.format.ResourceHeader;

/**
 * The allocation state of one resource kind, held in memory as one bit per resource (set = free,
 * as on disk), with the clusters changed since the last write-out.
 *
 * <p>Guarded by the volume's write lock; never used concurrently.
 */
final class ResourceBitmap {

  private final ResourceFile file;
  private final BitSet free;
  private final long numResources;
  private final long ipe;
  private final IntSortedSet dirtyClusters = new IntAVLTreeSet();
  private final List<String> findings;
  private long freeCount;
  private long hint;

  private ResourceBitmap(ResourceFile file, BitSet free, List<String> findings) {
    this.file = file;
    this.free = free;
    this.numResources = file.header().numResources();
    this.ipe = file.header().resourcesPerCluster();
    this.findings = findings;
    this.freeCount = free.cardinality();
  }

  /** Reads every cluster header of {@code file}; header-level disagreements become findings. */
  static ResourceBitmap load(BlockDevice device, ResourceFile file) throws IOException {
    ResourceHeader header = file.header();
    long clusters = header.numClusters();
    long ipe = header.resourcesPerCluster();
    BitSet free = new BitSet((int) Math.min(Integer.MAX_VALUE, header.numResources()));
    List<String> findings = new ArrayList<>();
    String name = file.kind().fileName();
    for (long c = 0; c < clusters; c++) {
      long offset = file.clusterDeviceOffset(c);
      ByteBuffer raw = ResourceFile.read(device, offset, ClusterHeader.SIZE, "ClusterHeader " + c + " of " + name);
      ClusterHeader cluster = ClusterHeader.decode(raw, 0, name, offset, file.kind().clusterMagic(), c, ipe);
      long expectedTotal = Math.min(ipe, header.numResources() - c * ipe);
      if (cluster.total() != expectedTotal) {
        findings.add("%s cluster %d at 0x%x: total %d, expected %d".formatted(name, c, offset, cluster.total(), expectedTotal));
      }
      BitSet bits = cluster.freeBits();
      if (bits.cardinality() != cluster.free()) {
        findings.add("%s cluster %d at 0x%x: free count %d, but the bitmap has %d free".formatted(name, c, offset, cluster.free(), bits.cardinality()));
      }
      long base = c * ipe;
      for (int r = bits.nextSetBit(0); r >= 0 && r < expectedTotal; r = bits.nextSetBit(r + 1)) {
        free.set((int) (base + r));
      }
    }
    return new ResourceBitmap(file, free, findings);
  }

  /** Returns the header disagreements found while loading. */
  List<String> findings() {
    return List.copyOf(findings);
  }

  ResourceFile file() {
    return file;
  }

  long numResources() {
    return numResources;
  }

  long freeCount() {
    return freeCount;
  }

  boolean isFree(long index) {
    return free.get((int) index);
  }

  /** Returns the first free resource at or after {@code from}, or -1. */
  long nextFree(long from) {
    int next = free.nextSetBit((int) from);
    return next < 0 || next >= numResources ? -1 : next;
  }

  /** Returns the first used resource at or after {@code from}, or numResources. */
  long nextUsed(long from) {
    return Math.min(free.nextClearBit((int) from), numResources);
  }

  /** Allocates one resource, searching from the rotating hint; returns -1 when none is free. */
  long allocate() {
    long index = nextFree(hint);
    if (index < 0) {
      index = nextFree(0);
    }
    if (index >= 0) {
      markUsed(index);
      hint = index + 1;
    }
    return index;
  }

  void markUsed(long index) {
    if (free.get((int) index)) {
      free.clear((int) index);
      freeCount--;
      dirtyClusters.add((int) (index / ipe));
    }
  }

  void markFree(long index) {
    if (!free.get((int) index)) {
      free.set((int) index);
      freeCount++;
      dirtyClusters.add((int) (index / ipe));
    }
  }

  /** Returns whether clusters changed since the last {@link #writeDirty}. */
  boolean isDirty() {
    return !dirtyClusters.isEmpty();
  }

  /** Writes every changed cluster header to the device. */
  void writeDirty(BlockDevice device) throws IOException {
    for (int c : dirtyClusters) {
      writeCluster(device, c);
    }
    dirtyClusters.clear();
  }

  /** Encodes and writes the header of cluster {@code c} from the in-memory state. */
  void writeCluster(BlockDevice device, long c) throws IOException {
    int total = (int) Math.min(ipe, numResources - c * ipe);
    BitSet bits = free.get((int) (c * ipe), (int) (c * ipe + total));
    int firstFree = bits.nextSetBit(0);
    long logical = file.clusterLogical(c);
    ClusterHeader header = new ClusterHeader(LockBlock.unlocked(file.kind().clusterMagic(), logical), c, total, bits.cardinality(), Math.max(firstFree, 0), bits);
    ByteBuffer buffer = ByteBuffer.allocate(ClusterHeader.SIZE).order(ByteOrder.LITTLE_ENDIAN);
    header.encode(buffer, 0);
    device.write(file.clusterDeviceOffset(c), buffer);
  }

  /** Returns a copy of the free bits, for the checker. */
  BitSet freeBits() {
    return (BitSet) free.clone();
  }
}
