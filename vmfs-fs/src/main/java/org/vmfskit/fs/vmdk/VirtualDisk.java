package org.vmfskit.fs.vmdk;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;
import org.vmfskit.fs.format.TruncatedImageException;

/**
 * A virtual disk: a chain of layers from the opened descriptor (top) down to its base, read
 * through one merged grain index ({@link ChainIndex}) so each contiguous run costs one positional
 * read on the layer that owns it, whatever the chain depth. Writes go to the top layer only, with
 * guest semantics: partial grains are completed from the current content below.
 *
 * <p>The first write after opening gives the top descriptor a new random CID, as VMware does. Any
 * children that already name this disk as their parent then no longer match its CID; keeping such
 * children consistent is the caller's problem (normally one only writes to a leaf).
 *
 * <p>All public methods are {@code synchronized} on the disk; the monitor guards the index cache,
 * the extents' grain-table caches and the CID state.
 */
public final class VirtualDisk implements Closeable {

  /** The deepest chain opened, counting the top layer. */
  public static final int MAX_CHAIN_DEPTH = 255;

  private static final int WRITE_CHUNK = 4 << 20;

  /** The format of a new delta. */
  public enum DeltaFormat {
    /** vmfsSparse (COWD, {@code -delta.vmdk}), grain 1 sector. */
    VMFS_SPARSE,
    /** SEsparse ({@code -sesparse.vmdk}), grain 4 KiB. */
    SE_SPARSE
  }

  /** One layer of {@link Info}, top first. */
  public record LayerInfo(
      String path,
      String createType,
      long cid,
      long parentCid,
      Optional<String> parentFileNameHint,
      List<String> extentFiles,
      long allocatedBytes) {}

  /** What {@link #info()} reports: the capacity and the chain, top layer first. */
  public record Info(long capacityBytes, List<LayerInfo> chain) {}

  private final DiskStore store;
  private final List<Layer> layers;
  private final Extent[] extents;
  private final long[] extentStart;
  private final ChainIndex index;
  private final long capacity;
  /** False once opened read-only or once a delta has been taken on top of this disk. */
  private boolean writable;
  private Descriptor topDescriptor;
  private boolean cidUpdated;
  /** Told how many bytes of the disk each export has done so far. */
  private LongConsumer exportProgress = _ -> {};

  private VirtualDisk(DiskStore store, List<Layer> layers, boolean writable) {
    this.store = store;
    this.layers = List.copyOf(layers);
    this.writable = writable;
    this.topDescriptor = layers.getFirst().descriptor();
    List<Extent> all = new ArrayList<>();
    List<Long> starts = new ArrayList<>();
    int[][] ids = new int[layers.size()][];
    for (int l = 0; l < layers.size(); l++) {
      List<Extent> layerExtents = layers.get(l).extents();
      ids[l] = new int[layerExtents.size()];
      long start = 0;
      for (int e = 0; e < layerExtents.size(); e++) {
        ids[l][e] = all.size();
        all.add(layerExtents.get(e));
        starts.add(start);
        start += layerExtents.get(e).sizeBytes();
      }
    }
    checkArgument(all.size() <= Short.MAX_VALUE, "too many extents: %s", all.size());
    this.extents = all.toArray(Extent[]::new);
    this.extentStart = starts.stream().mapToLong(Long::longValue).toArray();
    this.capacity = layers.getFirst().extents().stream().mapToLong(Extent::sizeBytes).sum();
    this.index = new ChainIndex(extents, extentStart, ids, capacity);
  }

  /**
   * Opens the disk whose descriptor is {@code path} and its chain of parents, following each
   * {@code parentFileNameHint} (relative, or {@code /vmfs/volumes/...} through the store) and
   * checking {@code parentCID == parent.CID}; only the top layer is opened writable.
   */
  public static VirtualDisk open(DiskStore store, String path, boolean writable) throws IOException {
    checkNotNull(store, "store");
    checkArgument(!writable || !store.isReadOnly(), "store %s is read-only", store);
    List<Layer> layers = Layer.openChain(store, path, writable, MAX_CHAIN_DEPTH);
    return new VirtualDisk(store, layers, writable);
  }

  /**
   * Creates a base disk {@code createType="vmfs"}: descriptor {@code path} (ending in
   * {@code .vmdk}) and flat extent {@code <name>-flat.vmdk}; THIN adds
   * {@code ddb.thinProvisioned = "1"}. Returns it opened writable.
   */
  public static VirtualDisk createBase(DiskStore store, String path, long capacityBytes,
      DiskStore.Allocation allocation) throws IOException {
    DiskCreation.createBase(store, path, capacityBytes, allocation);
    return open(store, path, true);
  }

  /**
   * Creates a delta {@code path} (ending in {@code .vmdk}) on top of {@code parent}'s top layer,
   * with {@code parentCID} = the parent's current CID and a new random CID, and returns the new
   * chain opened writable. {@code parent} becomes read-only: further writes to it fail.
   */
  public static VirtualDisk createDelta(VirtualDisk parent, String path, DeltaFormat format) throws IOException {
    checkNotNull(parent, "parent");
    Descriptor parentDescriptor;
    synchronized (parent) {
      parent.flush();
      // The parent is frozen from now on: writing it would change data under the new child.
      parent.writable = false;
      parentDescriptor = parent.topDescriptor;
    }
    DiskCreation.createDelta(parent.store, parent.path(), parentDescriptor, parent.capacity, path, format);
    return open(parent.store, path, true);
  }

  /** Returns the capacity in bytes. */
  public long capacity() {
    return capacity;
  }

  /** Returns the top layer's descriptor as it is now. */
  public synchronized Descriptor descriptor() {
    return topDescriptor;
  }

  /** Returns the top layer's path in the store. */
  public String path() {
    return layers.getFirst().path();
  }

  /** Returns the store the chain lives in. */
  public DiskStore store() {
    return store;
  }

  /** Returns the chain depth: the number of layers, the top one included. */
  public int depth() {
    return layers.size();
  }

  /** Reads {@code dst.remaining()} bytes at {@code offset}; the range must lie within the disk. */
  public synchronized void read(long offset, ByteBuffer dst) throws IOException {
    checkArgument(offset >= 0 && offset + dst.remaining() <= capacity, "read of %s bytes at %s outside %s",
        dst.remaining(), offset, capacity);
    int at = dst.position();
    int end = dst.limit();
    long position = offset;
    while (at < end) {
      long region = position / ChainIndex.REGION_BYTES;
      int inRegion = (int) (position - region * ChainIndex.REGION_BYTES);
      int length = Math.min(end - at, ChainIndex.REGION_BYTES - inRegion);
      readRegion(index.region(region), region * ChainIndex.REGION_BYTES, inRegion, length, dst, at);
      at += length;
      position += length;
    }
    dst.position(end);
  }

  /**
   * Reads {@code [from, from + length)} of one region into {@code dst} at {@code at}. The span of
   * a flat extent's runs is read with one call first (the runs between are overwritten after), then
   * every other run with one call each.
   */
  private void readRegion(ChainIndex.Region region, long regionStart, int from, int length, ByteBuffer dst, int at)
      throws IOException {
    int to = from + length;
    int first = region.find(from);
    int flat = -1;
    int spanStart = 0;
    int spanEnd = 0;
    for (int r = first; r < region.count() && region.start()[r] < to; r++) {
      short owner = region.owner()[r];
      if (owner >= 0 && extents[owner] instanceof FlatExtent && (flat < 0 || flat == owner)) {
        if (flat < 0) {
          flat = owner;
          spanStart = Math.max(from, region.start()[r]);
        }
        spanEnd = Math.min(to, region.end(r));
      }
    }
    if (flat >= 0) {
      long fileOffset = regionStart + spanStart - extentStart[flat] + ((FlatExtent) extents[flat]).startOffset();
      readFile(extents[flat].file(), fileOffset, dst.slice(at + spanStart - from, spanEnd - spanStart));
    }
    for (int r = first; r < region.count() && region.start()[r] < to; r++) {
      short owner = region.owner()[r];
      if (owner == flat && flat >= 0) {
        continue;
      }
      int runFrom = Math.max(from, region.start()[r]);
      int runTo = Math.min(to, region.end(r));
      ByteBuffer slice = dst.slice(at + runFrom - from, runTo - runFrom);
      long code = region.fileOffset()[r];
      if (owner < 0 || code == Extent.ZERO) {
        zero(slice);
      } else if (code >= 0) {
        readFile(extents[owner].file(), code + (runFrom - region.start()[r]), slice);
      } else {
        long virtual = regionStart + runFrom - extentStart[owner];
        ((HostedSparseExtent) extents[owner]).readCompressed(Extent.recordOffset(code), virtual, slice);
      }
    }
  }

  private static void readFile(DiskFile file, long offset, ByteBuffer dst) throws IOException {
    int length = dst.remaining();
    try {
      file.readFully(offset, dst);
    } catch (EOFException e) {
      throw new TruncatedImageException("Extent " + file.name(), offset, length, e);
    }
  }

  private static final byte[] ZEROS = new byte[64 << 10];

  static void zero(ByteBuffer slice) {
    if (slice.hasArray()) {
      int start = slice.arrayOffset() + slice.position();
      java.util.Arrays.fill(slice.array(), start, start + slice.remaining(), (byte) 0);
      return;
    }
    for (int at = slice.position(); at < slice.limit(); at += ZEROS.length) {
      slice.put(at, ZEROS, 0, Math.min(ZEROS.length, slice.limit() - at));
    }
  }

  /**
   * Makes {@code [offset, offset + length)} read as zeros, as a guest WRITE ZEROES or (with
   * {@code unmap}) UNMAP does. On an SEsparse top layer the whole grains in the range take the
   * "zero" or "unmapped" state and hold no data; the partial grains at its ends, and every other
   * format (COWD has no such state: an empty entry means "read the parent"), are written with zeros.
   */
  public synchronized void zeroRange(long offset, long length, boolean unmap) throws IOException {
    checkState(writable, "%s is open read-only", path());
    checkArgument(offset >= 0 && length >= 0 && offset + length <= capacity, "range of %s bytes at %s outside %s", length, offset, capacity);
    if (length == 0) {
      return;
    }
    updateCidOnce();
    for (int id = 0; id < layers.getFirst().extents().size(); id++) {
      long start = extentStart[id];
      long from = Math.max(offset, start);
      long to = Math.min(offset + length, start + extents[id].sizeBytes());
      if (from >= to) {
        continue;
      }
      if (extents[id] instanceof SeSparseExtent sparse) {
        long grain = sparse.grainBytes();
        long first = start + Math.ceilDiv(from - start, grain) * grain;
        long last = start + Math.floorDiv(to - start, grain) * grain;
        if (first < last) {
          sparse.setState(first - start, last - first, unmap ? SeSparseExtent.GrainState.UNMAPPED : SeSparseExtent.GrainState.ZERO);
          index.invalidate(first, last - first);
          writeZeros(from, first);
          writeZeros(last, to);
          continue;
        }
      }
      writeZeros(from, to);
    }
  }

  private void writeZeros(long from, long to) throws IOException {
    ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(WRITE_CHUNK, Math.max(0, to - from)));
    for (long at = from; at < to; at += zeros.capacity()) {
      write(at, zeros.clear().limit((int) Math.min(zeros.capacity(), to - at)));
    }
  }

  /**
   * Writes {@code src} at {@code offset} into the top layer. Grains only partly covered are
   * completed with the current content (from the top layer or its parents).
   */
  public synchronized void write(long offset, ByteBuffer src) throws IOException {
    checkState(writable, "%s is open read-only", path());
    checkArgument(offset >= 0 && offset + src.remaining() <= capacity, "write of %s bytes at %s outside %s",
        src.remaining(), offset, capacity);
    if (!src.hasRemaining()) {
      return;
    }
    updateCidOnce();
    while (src.hasRemaining()) {
      int length = Math.min(src.remaining(), WRITE_CHUNK);
      ByteBuffer chunk = src.slice(src.position(), length);
      writeChunk(offset, chunk);
      src.position(src.position() + length);
      offset += length;
    }
  }

  private void writeChunk(long offset, ByteBuffer src) throws IOException {
    for (int id = 0; id < layers.getFirst().extents().size(); id++) {
      Extent extent = extents[id];
      long start = extentStart[id];
      long from = Math.max(offset, start);
      long to = Math.min(offset + src.remaining(), start + extent.sizeBytes());
      if (from >= to) {
        continue;
      }
      ByteBuffer part = src.slice((int) (from - offset), (int) (to - from));
      int grain = extent.grainBytes();
      if (grain == 0) {
        extent.write(from - start, part);
        index.invalidate(from, to - from);
        continue;
      }
      long alignedFrom = start + Math.floorDiv(from - start, grain) * (long) grain;
      long alignedTo = start + Math.ceilDiv(to - start, grain) * (long) grain;
      ByteBuffer whole = ByteBuffer.allocate((int) (alignedTo - alignedFrom));
      if (alignedFrom < from) {
        readClamped(alignedFrom, whole.slice(0, grain));
      }
      if (alignedTo > to && (alignedTo - grain >= from || alignedFrom == from)) {
        readClamped(alignedTo - grain, whole.slice(whole.capacity() - grain, grain));
      }
      whole.put((int) (from - alignedFrom), part, 0, part.remaining());
      extent.write(alignedFrom - start, whole);
      index.invalidate(alignedFrom, alignedTo - alignedFrom);
    }
  }

  /** Reads what lies within the capacity and leaves the rest of {@code dst} zero. */
  private void readClamped(long offset, ByteBuffer dst) throws IOException {
    int length = (int) Math.max(0, Math.min(dst.remaining(), capacity - offset));
    read(offset, dst.slice(0, length));
  }

  private void updateCidOnce() throws IOException {
    if (cidUpdated) {
      return;
    }
    Layer top = layers.getFirst();
    if (!top.embedded()) {
      topDescriptor = topDescriptor.withCid(DiskCreation.newCid());
      DiskCreation.writeDescriptor(store, top.path(), topDescriptor, false);
    }
    cidUpdated = true;
  }

  /** Writes cached metadata of the top layer. */
  public synchronized void flush() throws IOException {
    for (Extent extent : layers.getFirst().extents()) {
      extent.flush();
    }
  }

  /** Returns the chain (paths, createTypes, CIDs, parent CIDs) and the bytes each layer holds. */
  public synchronized Info info() throws IOException {
    List<LayerInfo> chain = new ArrayList<>();
    for (int l = 0; l < layers.size(); l++) {
      Layer layer = layers.get(l);
      Descriptor d = l == 0 ? topDescriptor : layer.descriptor();
      long allocated = 0;
      List<String> files = new ArrayList<>();
      for (Extent extent : layer.extents()) {
        allocated += extent.allocatedBytes();
        files.add(extent.file().name());
      }
      chain.add(new LayerInfo(layer.path(), d.createType(), d.cid(), d.parentCid(), d.parentFileNameHint(),
          files, allocated));
    }
    return new Info(capacity, chain);
  }

  /**
   * Exports the flattened chain as a raw image into {@code out}, which must be empty, leaving unowned
   * and zero runs as holes. A flat base in a host or VMFS file exported to a host file is copied by the
   * kernel, and then its allocated-but-zero ranges (a thick base) become written zeros, as
   * {@code cp --sparse=auto} does; its holes stay holes.
   */
  public synchronized void exportRaw(DiskFile out) throws IOException {
    DiskExport.raw(this, out);
  }

  /**
   * Sets what the export methods tell, as they go, how many bytes of the disk (of
   * {@link #capacity()}) they have done: for a progress display.
   */
  public synchronized void onExportProgress(LongConsumer progress) {
    this.exportProgress = checkNotNull(progress, "progress");
  }

  /** Returns the export progress listener. */
  synchronized LongConsumer exportProgress() {
    return exportProgress;
  }

  /** Exports the flattened chain as a new base disk ({@code createType="vmfs"} + thin {@code -flat.vmdk}). */
  public synchronized VirtualDisk exportFlat(DiskStore target, String path) throws IOException {
    VirtualDisk copy = createBase(target, path, capacity, DiskStore.Allocation.THIN);
    try {
      DiskExport.raw(this, copy.extents[0].file());
    } catch (IOException | RuntimeException e) {
      copy.close();
      throw e;
    }
    return copy;
  }

  /** Exports the flattened chain as a monolithicSparse (KDMV) file into the empty file {@code out}. */
  public synchronized void exportMonolithicSparse(DiskFile out) throws IOException {
    DiskExport.monolithicSparse(this, out);
  }
  /**
   * Exports the flattened chain as a stream-optimized VMDK (compressed grains, GD at the end: the
   * format of OVF/OVA packages), written front to back in one pass.
   */
  public synchronized void exportStreamOptimized(DiskFile out) throws IOException {
    StreamOptimizedExport.write(this, out);
  }


  /** Returns the base layer's extents, in disk order: an export may copy them wholesale. */
  List<Extent> baseExtents() {
    return layers.getLast().extents();
  }

  /** Returns whether the extent id {@code owner} of a region run is one of the base layer's. */
  boolean inBase(short owner) {
    return owner >= extents.length - layers.getLast().extents().size();
  }

  /** Returns whether region data exists: used by exports to skip runs no layer owns. */
  synchronized ChainIndex.Region region(long region) throws IOException {
    return index.region(region);
  }

  @Override
  public synchronized void close() throws IOException {
    IOException failure = null;
    for (Layer layer : layers) {
      try {
        layer.close();
      } catch (IOException e) {
        failure = failure == null ? e : failure;
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
