package org.vmfskit.fs.vmdk;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.ResourceLimitException;
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
  private static final SecureRandom RANDOM = new SecureRandom();

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
    List<Layer> layers = new ArrayList<>();
    Set<String> visited = new HashSet<>();
    try {
      String current = path;
      while (true) {
        if (!visited.add(current)) {
          Layer child = layers.getLast();
          throw new CorruptStructureException("Descriptor in " + child.path(), child.offsetOf("parentFileNameHint"),
              "parentFileNameHint", "parent chain loops back to " + current, "a chain ending in a base disk",
              "a loop of " + layers.size() + " disks");
        }
        if (layers.size() >= MAX_CHAIN_DEPTH) {
          throw new ResourceLimitException("Descriptor in " + current, 0, "chain depth", MAX_CHAIN_DEPTH,
              layers.size() + 1L);
        }
        Layer layer = Layer.open(store, current, writable && layers.isEmpty());
        if (!layers.isEmpty()) {
          checkParentCid(layers.getLast(), layer);
        }
        layers.add(layer);
        Optional<String> hint = layer.descriptor().parentFileNameHint();
        if (hint.isEmpty()) {
          break;
        }
        String parent = store.resolve(current, hint.get());
        if (!store.exists(parent)) {
          throw new CorruptStructureException("Descriptor in " + current, layer.offsetOf("parentFileNameHint"),
              "parentFileNameHint", "parent disk not found", "an existing file", parent);
        }
        current = parent;
      }
    } catch (IOException | RuntimeException e) {
      closeAll(layers, e);
      throw e;
    }
    return new VirtualDisk(store, layers, writable);
  }

  private static void checkParentCid(Layer child, Layer parent) throws CorruptStructureException {
    long expected = parent.descriptor().cid();
    long actual = child.descriptor().parentCid();
    if (expected != actual) {
      throw new CorruptStructureException("Descriptor in " + child.path(), child.offsetOf("parentCID"),
          "parentCID", "parentCID does not match the CID of " + parent.path(), Descriptor.cidText(expected),
          Descriptor.cidText(actual));
    }
  }

  /**
   * Creates a base disk {@code createType="vmfs"}: descriptor {@code path} (ending in
   * {@code .vmdk}) and flat extent {@code <name>-flat.vmdk}; THIN adds
   * {@code ddb.thinProvisioned = "1"}. Returns it opened writable.
   */
  public static VirtualDisk createBase(DiskStore store, String path, long capacityBytes,
      DiskStore.Allocation allocation) throws IOException {
    checkArgument(capacityBytes > 0 && capacityBytes % 512 == 0, "capacity %s is not a positive multiple of 512",
        capacityBytes);
    String flat = baseName(path) + "-flat.vmdk";
    Descriptor descriptor = Descriptor.of("vmfs", newCid(), Descriptor.NO_PARENT_CID,
        List.of(new Descriptor.ExtentLine(Descriptor.Access.RW, capacityBytes / 512, Descriptor.ExtentType.VMFS,
            fileName(flat), -1)));
    descriptor = withGeometry(descriptor, capacityBytes);
    if (allocation == DiskStore.Allocation.THIN) {
      descriptor = descriptor.withDdb("ddb.thinProvisioned", "1");
    }
    try (DiskFile file = store.create(flat, capacityBytes, allocation)) {
      checkState(file.size() == capacityBytes, "flat extent %s has the wrong size", flat);
    }
    writeDescriptor(store, path, descriptor, true);
    return open(store, path, true);
  }

  /**
   * Creates a delta {@code path} (ending in {@code .vmdk}) on top of {@code parent}'s top layer,
   * with {@code parentCID} = the parent's current CID and a new random CID, and returns the new
   * chain opened writable. {@code parent} becomes read-only: further writes to it fail.
   */
  public static VirtualDisk createDelta(VirtualDisk parent, String path, DeltaFormat format) throws IOException {
    checkNotNull(parent, "parent");
    DiskStore store = parent.store;
    Descriptor parentDescriptor;
    String parentPath;
    synchronized (parent) {
      parent.flush();
      // The parent is frozen from now on: writing it would change data under the new child.
      parent.writable = false;
      parentDescriptor = parent.topDescriptor;
      parentPath = parent.layers.getFirst().path();
    }
    long sectors = parent.capacity / 512;
    String extent = baseName(path) + (format == DeltaFormat.VMFS_SPARSE ? "-delta.vmdk" : "-sesparse.vmdk");
    try (DiskFile file = store.create(extent)) {
      switch (format) {
        case VMFS_SPARSE -> CowdExtent.create(file, sectors).flush();
        case SE_SPARSE -> SeSparseExtent.create(file, sectors).flush();
      }
    }
    Descriptor.ExtentType type =
        format == DeltaFormat.VMFS_SPARSE ? Descriptor.ExtentType.VMFSSPARSE : Descriptor.ExtentType.SESPARSE;
    Descriptor descriptor = Descriptor.of(format == DeltaFormat.VMFS_SPARSE ? "vmfsSparse" : "seSparse",
            newCid(), parentDescriptor.cid(),
            List.of(new Descriptor.ExtentLine(Descriptor.Access.RW, sectors, type, fileName(extent), -1)))
        .with("parentFileNameHint", relativize(path, parentPath), true);
    for (Descriptor.Entry entry : parentDescriptor.ddb()) {
      if (!entry.key().equals("ddb.thinProvisioned") && !entry.key().equals("ddb.deletable")) {
        descriptor = descriptor.withDdb(entry.key(), entry.value());
      }
    }
    writeDescriptor(store, path, descriptor, true);
    return open(store, path, true);
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
      topDescriptor = topDescriptor.withCid(newCid());
      writeDescriptor(store, top.path(), topDescriptor, false);
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

  /** Exports the flattened chain as a raw image into {@code out}, leaving unowned and zero runs as holes. */
  public synchronized void exportRaw(DiskFile out) throws IOException {
    DiskExport.raw(this, out);
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

  private static void closeAll(List<Layer> layers, Throwable cause) {
    for (Layer layer : layers) {
      try {
        layer.close();
      } catch (IOException e) {
        cause.addSuppressed(e);
      }
    }
  }

  static void writeDescriptor(DiskStore store, String path, Descriptor descriptor, boolean create)
      throws IOException {
    byte[] bytes = descriptor.toBytes();
    try (DiskFile file = create ? store.create(path) : store.open(path, true)) {
      file.write(0, ByteBuffer.wrap(bytes));
      file.setSize(bytes.length);
    }
  }

  /** Returns a random CID other than the reserved ffffffff and fffffffe. */
  static long newCid() {
    long cid;
    do {
      cid = Integer.toUnsignedLong(RANDOM.nextInt());
    } while (cid >= 0xFFFFFFFEL);
    return cid;
  }

  private static Descriptor withGeometry(Descriptor descriptor, long capacityBytes) {
    long cylinders = Math.min(65535, Math.max(1, capacityBytes / 512 / (255 * 63)));
    return descriptor.withDdb("ddb.adapterType", "lsilogic")
        .withDdb("ddb.geometry.cylinders", Long.toString(cylinders))
        .withDdb("ddb.geometry.heads", "255")
        .withDdb("ddb.geometry.sectors", "63")
        .withDdb("ddb.virtualHWVersion", "13");
  }

  private static String baseName(String path) {
    checkArgument(path.endsWith(".vmdk"), "%s does not end in .vmdk", path);
    return path.substring(0, path.length() - ".vmdk".length());
  }

  private static String fileName(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  /** Returns {@code target} relative to the directory of {@code from} (both store paths). */
  static String relativize(String from, String target) {
    String[] a = directoryParts(from);
    String[] b = target.replaceAll("^/+", "").split("/");
    int common = 0;
    while (common < a.length && common < b.length - 1 && a[common].equals(b[common])) {
      common++;
    }
    StringBuilder out = new StringBuilder();
    for (int i = common; i < a.length; i++) {
      out.append("../");
    }
    for (int i = common; i < b.length; i++) {
      out.append(b[i]).append(i + 1 < b.length ? "/" : "");
    }
    return out.toString();
  }

  private static String[] directoryParts(String path) {
    String trimmed = path.replaceAll("^/+", "");
    int slash = trimmed.lastIndexOf('/');
    return slash < 0 ? new String[0] : trimmed.substring(0, slash).split("/");
  }
}
