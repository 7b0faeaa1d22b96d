package org.vmfskit.fs.volume;

import com.google.common.base.Preconditions;
import it.unimi.dsi.fastutil.ints.Int2ObjectLinkedOpenHashMap;
import it.unimi.dsi.fastutil.ints.Int2ObjectOpenHashMap;
import it.unimi.dsi.fastutil.longs.LongList;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.device.CopyOnWriteBlockDevice;
import org.vmfskit.fs.device.ReadOnlyBlockDevice;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.FileDescriptor;
import org.vmfskit.fs.format.FileDescriptorAddr;
import org.vmfskit.fs.format.FsDescriptor;
import org.vmfskit.fs.format.LvmHeader;
import org.vmfskit.fs.format.PointerBlock;
import org.vmfskit.fs.format.PointerBlockAddr;
import org.vmfskit.fs.format.ResourceHeader;
import org.vmfskit.fs.format.SubBlockAddr;
import org.vmfskit.fs.format.VmfsFormatException;
import org.vmfskit.fs.journal.Journal;
import org.vmfskit.fs.journal.JournalRecord;
import org.vmfskit.fs.journal.JournaledBlockDevice;

/**
 * An open VMFS3/5 volume on a block device: its headers, geometry and resource files, FD and
 * pointer-block access, and allocation. Files and directories live one layer up.
 *
 * <p>Locking: {@link #lock()} is a volume-wide read/write lock. Readers of files hold the read lock;
 * every change holds the write lock. The bitmaps are guarded by it. The FD and pointer-block caches
 * are filled by readers too, which share the read lock, so each cache is also guarded by its own
 * monitor.
 */
public final class Volume implements AutoCloseable {

  private static final int PB_CACHE_ENTRIES = 4096;

  private final BlockDevice device;
  /** The device as opened, when {@link #device} is a view over it that must close it too. */
  private final BlockDevice opened;
  private final Journal journal;
  private final LvmHeader lvm;
  private final FsDescriptor fs;
  private final Geometry geometry;
  private final Map<ResourceKind, ResourceFile> resources;
  private final Map<ResourceKind, ResourceBitmap> bitmaps = new EnumMap<>(ResourceKind.class);
  private final Int2ObjectOpenHashMap<FileDescriptor> fdCache = new Int2ObjectOpenHashMap<>();
  private final Int2ObjectLinkedOpenHashMap<int[]> pbCache = new Int2ObjectLinkedOpenHashMap<>();
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  // Readers share the read lock but all fill the FD and MAP caches (fastutil maps, not thread
  // safe, and getAndMoveToLast changes the map even on a hit), so cache access takes this monitor.
  private final Object cacheMonitor = new Object();
  private long allocationCursor;
  /** The transaction begun and not yet committed; its allocations are undone if it never commits. */
  private MetadataTransaction active;

  private Volume(BlockDevice device, BlockDevice opened, Journal journal, LvmHeader lvm, FsDescriptor fs, Geometry geometry,
      Map<ResourceKind, ResourceFile> resources) {
    this.device = device;
    this.opened = opened;
    this.journal = journal;
    this.lvm = lvm;
    this.fs = fs;
    this.geometry = geometry;
    this.resources = resources;
  }

  /**
   * Opens the volume on {@code device}, reading and checking the LVM header, the FS descriptor,
   * the metadata journal and the four resource files. The device is read-only or writable as it was
   * opened. A journal record whose in-place writes may not all have landed is replayed first: on
   * the device when it is writable, otherwise into a private copy-on-write view, so a read-only
   * open sees the volume as the change left it and still writes nothing.
   */
  public static Volume open(BlockDevice opened) throws IOException {
    ByteBuffer lvmRaw = ResourceFile.read(opened, LvmHeader.IMAGE_OFFSET, LvmHeader.SIZE, "LvmHeader");
    LvmHeader lvm = LvmHeader.decode(lvmRaw, LvmHeader.IMAGE_OFFSET);
    // The FS descriptor is written once by mkfs and never journaled.
    long fsOffset = Geometry.deviceOffset(FsDescriptor.LOGICAL_OFFSET);
    FsDescriptor fs = FsDescriptor.decode(ResourceFile.read(opened, fsOffset, FsDescriptor.SIZE, "FsDescriptor"), fsOffset);
    if (!fs.lvmUuid().equals(lvm.lvmUuid())) {
      throw Corrupt.defect("FsDescriptor", fsOffset + 0xB1, "lvmUuid", "file system does not belong to this LVM volume", lvm.lvmUuid(), fs.lvmUuid());
    }
    long imageNeeded = LvmHeader.DATA_OFFSET + lvm.extentBytes();
    if (opened.size() < imageNeeded) {
      throw new org.vmfskit.fs.format.TruncatedImageException("LvmHeader", LvmHeader.IMAGE_OFFSET, imageNeeded, null);
    }
    if (lvm.majorVersion() == 3 && !opened.isReadOnly()) {
      // vmfskit writes VMFS5 structures only; VMFS3 is read, never changed (as the README promises).
      throw new org.vmfskit.fs.format.UnsupportedFormatException("LvmHeader", LvmHeader.IMAGE_OFFSET,
          "a VMFS3 volume (LVM major 3) opens read-only: vmfskit reads VMFS3 but writes only VMFS5");
    }
    Journal journal = Journal.read(opened);
    BlockDevice device;
    if (opened.isReadOnly()) {
      device = opened;
      if (journal.pending().isPresent()) {
        CopyOnWriteBlockDevice view = new CopyOnWriteBlockDevice(opened, JournalRecord.SECTOR);
        journal.replay(view);
        device = new ReadOnlyBlockDevice(view);
      }
    } else {
      journal.recover();
      device = new JournaledBlockDevice(opened, journal);
    }
    long blockSize = fs.fileBlockSize();
    long volumeBlocks = lvm.extentBytes() / blockSize;
    Map<ResourceKind, ResourceFile> resources = openResourceFiles(device, blockSize, volumeBlocks);
    ResourceHeader fbb = resources.get(ResourceKind.FILE_BLOCK).header();
    if (fbb.numResources() > volumeBlocks) {
      throw Corrupt.range("ResourceHeader of .fbb.sf", resources.get(ResourceKind.FILE_BLOCK).headerDeviceOffset() + 0x14, "numResources", 1, volumeBlocks, fbb.numResources());
    }
    ResourceFile pbc = resources.get(ResourceKind.POINTER_BLOCK);
    if (pbc.header().resourceSize() < 4 || pbc.header().resourceSize() % 4 != 0 || pbc.header().resourceSize() > 0x10000) {
      throw Corrupt.defect("ResourceHeader of .pbc.sf", pbc.headerDeviceOffset() + 0x0C, "resourceSize", "bad pointer-block size", "a multiple of 4 up to 64 KiB", pbc.header().resourceSize());
    }
    ResourceFile sbc = resources.get(ResourceKind.SUB_BLOCK);
    long sbSize = sbc.header().resourceSize();
    if (sbSize < 512 || Long.bitCount(sbSize) != 1 || sbSize > blockSize) {
      throw Corrupt.defect("ResourceHeader of .sbc.sf", sbc.headerDeviceOffset() + 0x0C, "resourceSize", "bad sub-block size", "a power of two from 512 to the block size", sbSize);
    }
    Geometry geometry = new Geometry(blockSize, sbSize, (int) (pbc.header().resourceSize() / 4), fbb.numResources());
    return new Volume(device, opened, journal, lvm, fs, geometry, resources);
  }

  private static Map<ResourceKind, ResourceFile> openResourceFiles(BlockDevice device, long blockSize, long volumeBlocks) throws IOException {
    // Bootstrap as readers do: only the first block of .fdc.sf is reachable until its own FD,
    // which must lie in that block, has been read.
    long fdcBase = Geometry.fdcBaseBlock(blockSize);
    if (fdcBase >= volumeBlocks) {
      throw Corrupt.range("LvmHeader", LvmHeader.IMAGE_OFFSET + 0x274, "numPEs", 1, LvmHeader.MAX_PES, 0);
    }
    long headerOffset = Geometry.deviceOffset(fdcBase * blockSize);
    ResourceHeader fdcHeader = ResourceHeader.decode(ResourceFile.read(device, headerOffset, ResourceHeader.SIZE, "ResourceHeader of .fdc.sf"),
        headerOffset, ".fdc.sf", ResourceKind.FILE_DESCRIPTOR.maxResourcesPerCluster(), FileDescriptor.SIZE);
    FileDescriptorAddr fdcAddr = ResourceKind.FILE_DESCRIPTOR.fdAddress();
    long fdcFdFileOffset = fdcHeader.resourceOffset(fdcAddr.cluster(), fdcAddr.resource());
    if (fdcFdFileOffset + FileDescriptor.SIZE > blockSize) {
      throw Corrupt.defect("ResourceHeader of .fdc.sf", headerOffset, "clusterGroupOffset", "the system FDs do not lie in the first block of .fdc.sf", "within " + Corrupt.hex(blockSize), Corrupt.hex(fdcFdFileOffset));
    }
    long fdcFdOffset = headerOffset + fdcFdFileOffset;
    FileDescriptor fdcFd = FileDescriptor.decode(ResourceFile.read(device, fdcFdOffset, FileDescriptor.SIZE, "FileDescriptor of .fdc.sf"), 0, fdcFdOffset, fdcAddr.raw());
    ResourceFile fdc = ResourceFile.open(device, ResourceKind.FILE_DESCRIPTOR, fdcFd, fdcFdOffset, blockSize, volumeBlocks);
    Map<ResourceKind, ResourceFile> files = new EnumMap<>(ResourceKind.class);
    files.put(ResourceKind.FILE_DESCRIPTOR, fdc);
    for (ResourceKind kind : List.of(ResourceKind.FILE_BLOCK, ResourceKind.POINTER_BLOCK, ResourceKind.SUB_BLOCK)) {
      FileDescriptorAddr addr = kind.fdAddress();
      long offset = fdc.resourceDeviceOffset(addr.cluster() * fdc.header().resourcesPerCluster() + addr.resource());
      FileDescriptor fd = FileDescriptor.decode(ResourceFile.read(device, offset, FileDescriptor.SIZE, "FileDescriptor of " + kind.fileName()), 0, offset, addr.raw());
      files.put(kind, ResourceFile.open(device, kind, fd, offset, blockSize, volumeBlocks));
    }
    return files;
  }

  /** Returns the device the volume lives on. */
  public BlockDevice device() {
    return device;
  }

  /** Returns the metadata journal of the volume. */
  public Journal journal() {
    return journal;
  }

  /**
   * Starts an atomic change, or joins the one in progress: every metadata write until the
   * matching {@link #endChange} reaches the device as one journaled change. The caller holds the
   * write lock. On a read-only volume this does nothing (nothing can be written).
   */
  public void beginChange() throws IOException {
    if (device instanceof JournaledBlockDevice journaled) {
      journaled.begin();
    }
  }

  /** Ends the change begun by the matching {@link #beginChange}; the outermost end commits it. */
  public void endChange() throws IOException {
    if (device instanceof JournaledBlockDevice journaled) {
      journaled.end();
    }
  }

  /**
   * Writes file bytes that nothing on disk refers to yet (see
   * {@link JournaledBlockDevice#writeUnreferenced}): a fresh or to-be-zeroed unit, or a tail past
   * the file's end.
   */
  public void writeUnreferenced(long deviceOffset, ByteBuffer src) throws IOException {
    if (device instanceof JournaledBlockDevice journaled) {
      journaled.writeUnreferenced(deviceOffset, src);
    } else {
      device.write(deviceOffset, src);
    }
  }

  /** Returns the LVM header. */
  public LvmHeader lvmHeader() {
    return lvm;
  }

  /** Returns the file-system descriptor. */
  public FsDescriptor fsDescriptor() {
    return fs;
  }

  /** Returns the geometry. */
  public Geometry geometry() {
    return geometry;
  }

  /** Returns the volume-wide lock (read for reads, write for changes). */
  public ReentrantReadWriteLock lock() {
    return lock;
  }

  /** Returns whether the volume refuses changes. */
  public boolean isReadOnly() {
    return device.isReadOnly();
  }

  /** Returns the header of a resource file. */
  public ResourceHeader resourceHeader(ResourceKind kind) {
    return resources.get(kind).header();
  }

  /** Returns the image offsets of the blocks of a resource file, for the checker and scanners. */
  public long[] resourceFileBlocks(ResourceKind kind) {
    long[] logical = resources.get(kind).blockLogical();
    for (int i = 0; i < logical.length; i++) {
      logical[i] /= geometry.blockSize();
    }
    return logical;
  }

  // ---- file descriptors ----

  /** Returns the image offset of the FD slot at {@code address}. */
  public long fdDeviceOffset(FileDescriptorAddr address) throws VmfsFormatException {
    ResourceFile fdc = resources.get(ResourceKind.FILE_DESCRIPTOR);
    long index = address.cluster() * fdc.header().resourcesPerCluster() + address.resource();
    if (address.resource() >= fdc.header().resourcesPerCluster() || index >= fdc.header().numResources()) {
      throw Corrupt.range("FileDescriptorAddr", -1, "fd index", 0, fdc.header().numResources() - 1, index);
    }
    return fdc.resourceDeviceOffset(index);
  }

  /** Returns the FD address of FDC resource {@code index}. */
  public FileDescriptorAddr fdAddressOf(long index) {
    long ipe = resources.get(ResourceKind.FILE_DESCRIPTOR).header().resourcesPerCluster();
    return new FileDescriptorAddr((int) (index / ipe), (int) (index % ipe));
  }

  /** Returns the FDC resource index of {@code address}. */
  public long fdIndexOf(FileDescriptorAddr address) {
    return address.cluster() * resources.get(ResourceKind.FILE_DESCRIPTOR).header().resourcesPerCluster() + address.resource();
  }

  /** Returns the number of FD slots. */
  public long fdCount() {
    return resources.get(ResourceKind.FILE_DESCRIPTOR).header().numResources();
  }

  /** Reads and checks the live FD at {@code address}. */
  public FileDescriptor readFd(FileDescriptorAddr address) throws IOException {
    FileDescriptor cached;
    synchronized (cacheMonitor) {
      cached = fdCache.get(address.raw());
    }
    if (cached != null) {
      return cached;
    }
    long offset = fdDeviceOffset(address);
    ByteBuffer raw = readFdSlot(address);
    FileDescriptor fd = FileDescriptor.decode(raw, 0, offset, address.raw());
    if (!fd.isLive()) {
      throw Corrupt.defect("FileDescriptor", offset + 0x208, "nlink", "file descriptor is not in use", "nlink above 0", 0);
    }
    synchronized (cacheMonitor) {
      if (fdCache.size() > 65536) {
        fdCache.clear();
      }
      fdCache.put(address.raw(), fd);
    }
    return fd;
  }

  /** Reads the raw 2 KiB slot at {@code address}, live or not, for the checker and scanners. */
  public ByteBuffer readFdSlot(FileDescriptorAddr address) throws IOException {
    fdDeviceOffset(address); // checks the address
    return resources.get(ResourceKind.FILE_DESCRIPTOR).readResource(device, fdIndexOf(address), "FileDescriptor " + address);
  }

  /** Stages the writing of {@code fd} to its slot. */
  public void writeFd(MetadataTransaction txn, FileDescriptor fd) throws IOException {
    FileDescriptorAddr address = FileDescriptorAddr.decodeFd(fd.rawDescAddr(), "FileDescriptor", -1);
    ByteBuffer raw = ByteBuffer.allocate(FileDescriptor.SIZE).order(ByteOrder.LITTLE_ENDIAN);
    fd.encode(raw, 0);
    fdDeviceOffset(address); // checks the address
    stage(txn, resources.get(ResourceKind.FILE_DESCRIPTOR).resourceSegments(fdIndexOf(address), 0, FileDescriptor.SIZE), raw);
    synchronized (cacheMonitor) {
      if (fd.isLive()) {
        fdCache.put(address.raw(), fd);
      } else {
        fdCache.remove(address.raw());
      }
    }
  }

  // ---- pointer blocks and sub-blocks ----

  /** Returns the image offset of the pointer block at raw address {@code raw}. */
  public long pointerBlockDeviceOffset(int raw, String structure, long referrerOffset) throws VmfsFormatException {
    ResourceFile pbc = resources.get(ResourceKind.POINTER_BLOCK);
    long index = resourceIndex(pbc, PointerBlockAddr.clusterOf(raw), PointerBlockAddr.resourceOf(raw), structure, referrerOffset);
    return pbc.resourceDeviceOffset(index);
  }

  /** Returns the PBC resource index of a raw PB address. */
  public long pointerBlockIndex(int raw, String structure, long referrerOffset) throws VmfsFormatException {
    ResourceFile pbc = resources.get(ResourceKind.POINTER_BLOCK);
    return resourceIndex(pbc, PointerBlockAddr.clusterOf(raw), PointerBlockAddr.resourceOf(raw), structure, referrerOffset);
  }

  /** Returns the raw PB address of PBC resource {@code index}. */
  public int pointerBlockAddress(long index) {
    long ipe = resources.get(ResourceKind.POINTER_BLOCK).header().resourcesPerCluster();
    return PointerBlockAddr.rawOf((int) (index / ipe), (int) (index % ipe));
  }

  /**
   * Reads the entries of the pointer block at raw address {@code raw}; the array is shared with a
   * cache and must not be changed.
   */
  public int[] readPointerBlock(int raw, String structure, long referrerOffset) throws IOException {
    int key = raw & ~0x38;
    int[] cached;
    synchronized (cacheMonitor) {
      cached = pbCache.getAndMoveToLast(key);
    }
    if (cached != null) {
      return cached;
    }
    long index = pointerBlockIndex(raw, structure, referrerOffset);
    ByteBuffer buffer = resources.get(ResourceKind.POINTER_BLOCK).readResource(device, index, "PointerBlock " + Corrupt.hex(raw & 0xFFFFFFFFL));
    int[] entries = PointerBlock.decodeRaw(buffer, geometry.addressesPerMap());
    synchronized (cacheMonitor) {
      pbCache.putAndMoveToLast(key, entries);
    }
    return entries;
  }

  /** Stages the writing of a pointer block's entries. */
  public void writePointerBlock(MetadataTransaction txn, int raw, int[] entries) throws IOException {
    Preconditions.checkArgument(entries.length == geometry.addressesPerMap(), "%s entries", entries.length);
    ByteBuffer buffer = ByteBuffer.allocate(entries.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    PointerBlock.encodeRaw(entries, buffer);
    long index = pointerBlockIndex(raw, "PointerBlock", -1);
    stage(txn, resources.get(ResourceKind.POINTER_BLOCK).resourceSegments(index, 0, entries.length * 4L), buffer);
    synchronized (cacheMonitor) {
      pbCache.putAndMoveToLast(raw & ~0x38, entries.clone());
    }
  }

  /** Returns the image offset of the sub-block at raw address {@code raw}. */
  public long subBlockDeviceOffset(int raw, String structure, long referrerOffset) throws VmfsFormatException {
    return resources.get(ResourceKind.SUB_BLOCK).resourceDeviceOffset(subBlockIndex(raw, structure, referrerOffset));
  }

  /**
   * Returns the image ranges of bytes {@code [within, within + length)} of the sub-block at raw
   * address {@code raw}, as pairs {@code {deviceOffset, length}} (more than one pair where the
   * sub-block straddles two blocks of {@code .sbc.sf}).
   */
  public long[] subBlockSegments(int raw, long within, long length, String structure, long referrerOffset) throws VmfsFormatException {
    return resources.get(ResourceKind.SUB_BLOCK).resourceSegments(subBlockIndex(raw, structure, referrerOffset), within, length);
  }

  /** Stages {@code bytes} into the image ranges {@code segments}, in order. */
  private static void stage(MetadataTransaction txn, long[] segments, ByteBuffer bytes) {
    int at = 0;
    for (int i = 0; i < segments.length; i += 2) {
      txn.write(segments[i], bytes.slice(at, (int) segments[i + 1]));
      at += (int) segments[i + 1];
    }
  }

  /** Returns the SBC resource index of a raw SB address. */
  public long subBlockIndex(int raw, String structure, long referrerOffset) throws VmfsFormatException {
    return resourceIndex(resources.get(ResourceKind.SUB_BLOCK), SubBlockAddr.clusterOf(raw), SubBlockAddr.resourceOf(raw), structure, referrerOffset);
  }

  /** Returns the raw SB address of SBC resource {@code index}. */
  public int subBlockAddress(long index) {
    long ipe = resources.get(ResourceKind.SUB_BLOCK).header().resourcesPerCluster();
    return SubBlockAddr.of((int) (index / ipe), (int) (index % ipe)).raw();
  }

  private static long resourceIndex(ResourceFile file, long cluster, long resource, String structure, long referrerOffset) throws VmfsFormatException {
    ResourceHeader header = file.header();
    long index = cluster * header.resourcesPerCluster() + resource;
    if (resource >= header.resourcesPerCluster() || index >= header.numResources()) {
      throw Corrupt.defect(structure, referrerOffset, "address", "address names no " + file.kind().fileName() + " resource",
          "index below " + header.numResources(), "cluster " + cluster + " resource " + resource);
    }
    return index;
  }

  /** Checks that file block {@code block} lies inside the volume. */
  public void checkBlock(long block, String structure, long referrerOffset) throws VmfsFormatException {
    if (block >= geometry.numBlocks()) {
      throw Corrupt.range(structure, referrerOffset, "file block", 0, geometry.numBlocks() - 1, block);
    }
  }

  // ---- allocation ----

  /** Returns the allocation state of {@code kind}, reading it on first use. */
  ResourceBitmap bitmap(ResourceKind kind) throws IOException {
    // Loaded lazily, possibly by readers that share the read lock (isFree, freeCount).
    synchronized (bitmaps) {
      ResourceBitmap bitmap = bitmaps.get(kind);
      if (bitmap == null) {
        bitmap = ResourceBitmap.load(device, resources.get(kind));
        bitmaps.put(kind, bitmap);
      }
      return bitmap;
    }
  }

  /** Returns whether resource {@code index} of {@code kind} is marked free on disk. */
  public boolean isFree(ResourceKind kind, long index) throws IOException {
    return bitmap(kind).isFree(index);
  }

  /** Returns the number of free resources of {@code kind}. */
  public long freeCount(ResourceKind kind) throws IOException {
    return bitmap(kind).freeCount();
  }

  /** Returns the number of resources of {@code kind}. */
  public long resourceCount(ResourceKind kind) {
    return resources.get(kind).header().numResources();
  }

  /** Returns the bitmap disagreements found while reading the cluster headers of {@code kind}. */
  public List<String> bitmapFindings(ResourceKind kind) throws IOException {
    return bitmap(kind).findings();
  }

  /** Returns a copy of the free bits of {@code kind} (set = free). */
  public java.util.BitSet freeBits(ResourceKind kind) throws IOException {
    return bitmap(kind).freeBits();
  }

  /** Starts a metadata transaction; the caller holds the write lock. */
  public MetadataTransaction begin() throws IOException {
    if (device.isReadOnly()) {
      throw new org.vmfskit.fs.device.ReadOnlyDeviceException(device.name());
    }
    active = new MetadataTransaction(this);
    return active;
  }

  /** Called when {@code txn} starts writing: from then on its allocations stand. */
  void committing(MetadataTransaction txn) {
    if (active == txn) {
      active = null;
    }
  }

  /** Returns a resource allocated by a transaction that never committed to the free pool. */
  void undoAllocation(ResourceKind kind, long index) {
    bitmaps.get(kind).markFree(index);
  }

  /** Allocates one resource of {@code kind} (FD, PB or SB) and returns its index. */
  public long allocate(ResourceKind kind) throws IOException {
    Preconditions.checkArgument(kind != ResourceKind.FILE_BLOCK, "use allocateBlocks");
    long index = bitmap(kind).allocate();
    if (index < 0) {
      throw new NoSpaceException(device.name(), "no free " + kind.fileName() + " resources left (" + resourceCount(kind) + " in all)");
    }
    if (active != null) {
      active.allocated(kind, index);
    }
    return index;
  }

  /**
   * Allocates up to {@code count} file blocks as one contiguous run at or after {@code goal}
   * (wrapping around), returning {@code {firstBlock, length}}; the run may be shorter when free
   * space is fragmented.
   */
  public long[] allocateRun(long goal, long count) throws IOException {
    ResourceBitmap fbb = bitmap(ResourceKind.FILE_BLOCK);
    long start = fbb.nextFree(Math.min(goal, fbb.numResources() - 1));
    if (start < 0) {
      start = fbb.nextFree(0);
    }
    if (start < 0) {
      throw new NoSpaceException(device.name(), "no free file blocks left (" + fbb.numResources() + " in all)");
    }
    long end = Math.min(fbb.nextUsed(start), start + count);
    for (long b = start; b < end; b++) {
      fbb.markUsed(b);
      if (active != null) {
        active.allocated(ResourceKind.FILE_BLOCK, b);
      }
    }
    allocationCursor = end;
    return new long[] {start, end - start};
  }

  /** Returns where a new file's first run is sought: just after the latest allocation. */
  public long allocationCursor() {
    return allocationCursor;
  }

  /** Marks one specific file block used (mkfs and repair). */
  void markBlockUsed(long block) throws IOException {
    bitmap(ResourceKind.FILE_BLOCK).markUsed(block);
  }

  boolean hasDirtyBitmaps() {
    for (ResourceBitmap bitmap : bitmaps.values()) {
      if (bitmap.isDirty()) {
        return true;
      }
    }
    return false;
  }

  void writeDirtyBitmaps() throws IOException {
    for (ResourceBitmap bitmap : bitmaps.values()) {
      bitmap.writeDirty(device);
    }
  }

  void applyFrees(ResourceKind kind, LongList indices) throws IOException {
    ResourceBitmap bitmap = bitmap(kind);
    for (int i = 0; i < indices.size(); i++) {
      bitmap.markFree(indices.getLong(i));
    }
    synchronized (cacheMonitor) {
      if (kind == ResourceKind.POINTER_BLOCK) {
        // Freed MAPs keep their contents on disk (recovery depends on it); only the cache forgets.
        pbCache.clear();
      }
      if (kind == ResourceKind.FILE_DESCRIPTOR) {
        for (int i = 0; i < indices.size(); i++) {
          fdCache.remove(fdAddressOf(indices.getLong(i)).raw());
        }
      }
    }
  }

  /**
   * Rewrites every cluster header of {@code kind} from the bitmap bits (repair of wrong free
   * counts, totals or hints); the bits themselves are kept as they are. Returns the clusters
   * written. The caller holds the write lock.
   */
  public long rewriteClusterHeaders(ResourceKind kind) throws IOException {
    if (device.isReadOnly()) {
      throw new org.vmfskit.fs.device.ReadOnlyDeviceException(device.name());
    }
    ResourceBitmap bitmap = bitmap(kind);
    long clusters = resources.get(kind).header().numClusters();
    beginChange();
    try {
      for (long c = 0; c < clusters; c++) {
        bitmap.writeCluster(device, c);
      }
    } finally {
      endChange();
    }
    return clusters;
  }

  /** Marks resource {@code index} of {@code kind} used, written at the next commit (repair). */
  public void markUsed(ResourceKind kind, long index) throws IOException {
    bitmap(kind).markUsed(index);
  }

  /**
   * Trims caches after a change; a transaction that failed before committing has its allocations
   * returned, so a failed change (out of space, say) leaks nothing into a later commit.
   */
  public void afterCommit() {
    if (active != null) {
      MetadataTransaction failed = active;
      active = null;
      failed.abort();
    }
    synchronized (cacheMonitor) {
      while (pbCache.size() > PB_CACHE_ENTRIES) {
        pbCache.removeFirst();
      }
    }
  }

  /** Forgets every cached FD and pointer block (after another writer may have changed them). */
  public void clearCaches() {
    synchronized (cacheMonitor) {
      fdCache.clear();
      pbCache.clear();
    }
  }

  /** Returns a summary of the volume for {@code info}. */
  public VolumeInfo info() throws IOException {
    List<VolumeInfo.ResourceUsage> usage = new ArrayList<>();
    for (ResourceKind kind : ResourceKind.values()) {
      usage.add(new VolumeInfo.ResourceUsage(kind.fileName(), resourceCount(kind), freeCount(kind)));
    }
    return new VolumeInfo(lvm.majorVersion(), fs.majorVersion(), fs.minorVersion(), fs.label(), fs.fsUuid().toString(),
        lvm.lvmUuid().toString(), lvm.extentBytes(), geometry.blockSize(), geometry.subBlockSize(), geometry.addressesPerMap(),
        geometry.numBlocks(), freeCount(ResourceKind.FILE_BLOCK), fs.creationTime(), List.copyOf(usage), journal.status());
  }

  /** Flushes written bytes to stable storage. */
  public void flush() throws IOException {
    if (!device.isReadOnly()) {
      device.flush();
      // Everything journaled so far is now in place: no open needs to replay it.
      journal.retire();
    }
  }

  /** Flushes, marks the journal clean and closes the device. */
  @Override
  public void close() throws IOException {
    try {
      flush();
    } finally {
      try {
        device.close();
      } finally {
        if (device != opened && device instanceof ReadOnlyBlockDevice) {
          // A read-only view over a replayed journal: the view does not own the opened device.
          opened.close();
        }
      }
    }
  }
}
