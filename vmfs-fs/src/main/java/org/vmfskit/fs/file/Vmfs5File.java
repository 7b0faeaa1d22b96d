package org.vmfskit.fs.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.locks.Lock;
import org.vmfskit.fs.format.AddressingMode;
import org.vmfskit.fs.format.BlockAddress;
import org.vmfskit.fs.format.FileBlockAddr;
import org.vmfskit.fs.format.FileDescriptor;
import org.vmfskit.fs.format.FileDescriptorAddr;
import org.vmfskit.fs.volume.Geometry;
import org.vmfskit.fs.volume.MetadataTransaction;
import org.vmfskit.fs.volume.ResourceKind;
import org.vmfskit.fs.volume.Volume;

/**
 * The content of one file (or directory) on a VMFS5 (or VMFS3) volume: positional reads and
 * writes, truncation and preallocation through whichever addressing mode its FD uses, promoting
 * the mode as the file grows (resident, then one sub-block, then direct file blocks, pointer
 * blocks, and pointer blocks of pointer blocks past 256 GiB at 1 MiB blocks).
 *
 * <p>Reads hold the volume's read lock; changes hold its write lock.
 */
final class Vmfs5File implements FileContent {

  private static final int ZERO_CHUNK = 8 << 20;

  private final Volume volume;
  private final FileDescriptorAddr address;
  private final String path;

  Vmfs5File(Volume volume, FileDescriptorAddr address, String path) {
    this.volume = volume;
    this.address = address;
    this.path = path;
  }

  /** Returns the FD address. */
  FileDescriptorAddr address() {
    return address;
  }

  /** Returns the volume the file lives on. */
  Volume volume() {
    return volume;
  }

  /** Returns the path the file was opened by. */
  String path() {
    return path;
  }

  /** Returns the current FD. */
  FileDescriptor descriptor() throws IOException {
    Lock lock = volume.lock().readLock();
    lock.lock();
    try {
      return volume.readFd(address);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public FileStat stat() throws IOException {
    return FileStat.of(path, address, descriptor());
  }

  /** Returns the file's length in bytes. */
  public long size() throws IOException {
    return descriptor().size();
  }

  /** Returns the bytes of storage the file holds ({@link FileStat#allocatedBytes}: to-be-zeroed blocks included, holes not). */
  public long allocatedBytes() throws IOException {
    return FileStat.of(path, address, descriptor()).allocatedBytes();
  }

  // ---- reading ----

  /**
   * Reads up to {@code dst.remaining()} bytes at {@code pos}; returns the count, or -1 at or past
   * the end of the file.
   */
  public int read(long pos, ByteBuffer dst) throws IOException {
    Lock lock = volume.lock().readLock();
    lock.lock();
    try {
      FileDescriptor fd = volume.readFd(address);
      if (pos >= fd.size()) {
        return dst.hasRemaining() ? -1 : 0;
      }
      int length = (int) Math.min(dst.remaining(), fd.size() - pos);
      if (isResident(fd)) {
        dst.put(fd.data(), (int) pos, length);
        return length;
      }
      BlockMap map = BlockMap.of(volume, fd, volume.fdDeviceOffset(address));
      long done = 0;
      while (done < length) {
        Extent extent = map.extent(pos + done, length - done);
        ByteBuffer slice = dst.slice(dst.position(), (int) extent.length());
        if (extent.isHole()) {
          fillZeros(slice);
        } else {
          readDevice(extent.deviceOffset(), slice);
        }
        dst.position(dst.position() + (int) extent.length());
        done += extent.length();
      }
      return length;
    } finally {
      lock.unlock();
    }
  }

  private static final byte[] ZEROS = new byte[64 * 1024];

  /** Zero-fills a hole in bulk: a byte-at-a-time loop made reading a 300 MiB sparse file take seconds. */
  private static void fillZeros(ByteBuffer slice) {
    while (slice.hasRemaining()) {
      slice.put(ZEROS, 0, Math.min(ZEROS.length, slice.remaining()));
    }
  }

  private void readDevice(long deviceOffset, ByteBuffer dst) throws IOException {
    try {
      volume.device().readFully(deviceOffset, dst);
    } catch (java.io.EOFException e) {
      throw new org.vmfskit.fs.format.TruncatedImageException("data of " + path, deviceOffset, dst.remaining(), e);
    }
  }

  /** Reads exactly {@code dst.remaining()} bytes at {@code pos}, failing at the end of the file. */
  public void readFully(long pos, ByteBuffer dst) throws IOException {
    long at = pos;
    while (dst.hasRemaining()) {
      int n = read(at, dst);
      if (n < 0) {
        throw new java.io.EOFException(path + ": read of " + dst.remaining() + " bytes at " + at + " passes the end of the file");
      }
      at += n;
    }
  }

  /** Returns the whole content; for files known to be small (directories, descriptors). */
  public byte[] readAll(long limit) throws IOException {
    long size = size();
    if (size > limit) {
      throw new org.vmfskit.fs.format.ResourceLimitException("file " + path, volume.fdDeviceOffset(address), "size", limit, size);
    }
    ByteBuffer buffer = ByteBuffer.allocate((int) size);
    readFully(0, buffer);
    return buffer.array();
  }

  /** Returns the runs of {@code [pos, pos + length)} (clipped to the file) as device ranges or holes. */
  public List<Extent> extents(long pos, long length) throws IOException {
    Lock lock = volume.lock().readLock();
    lock.lock();
    try {
      FileDescriptor fd = volume.readFd(address);
      long end = Math.min(fd.size(), pos + length);
      List<Extent> out = new ArrayList<>();
      if (isResident(fd) || pos >= end) {
        return out;
      }
      BlockMap map = BlockMap.of(volume, fd, volume.fdDeviceOffset(address));
      for (long at = pos; at < end; ) {
        Extent extent = map.extent(at, end - at);
        out.add(extent);
        at += extent.length();
      }
      return out;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Copies {@code [pos, pos + length)} into {@code target} at {@code targetPos}, leaving holes
   * unwritten (so a sparse target stays sparse), letting the device copy data runs itself.
   */
  public void copyTo(long pos, long length, FileChannel target, long targetPos) throws IOException {
    FileDescriptor fd = descriptor();
    if (isResident(fd)) {
      long n = Math.max(0, Math.min(length, fd.size() - pos));
      target.write(ByteBuffer.wrap(fd.data(), (int) pos, (int) n), targetPos);
      return;
    }
    long step = 1L << 30;
    for (long at = pos; at < Math.min(fd.size(), pos + length); at += step) {
      for (Extent extent : extents(at, Math.min(step, pos + length - at))) {
        if (!extent.isHole()) {
          volume.device().copyTo(extent.deviceOffset(), extent.length(), target, targetPos + extent.fileOffset() - pos);
        }
      }
    }
  }

  // ---- writing ----

  /** Writes all of {@code src} at {@code pos}, extending the file and allocating as needed. */
  public void write(long pos, ByteBuffer src) throws IOException {
    if (!src.hasRemaining()) {
      return;
    }
    Lock lock = volume.lock().writeLock();
    lock.lock();
    try {
      FileDescriptor fd = volume.readFd(address);
      long end = Math.addExact(pos, src.remaining());
      MetadataTransaction txn = volume.begin();
      long newSize = Math.max(fd.size(), end);
      if (isResident(fd) && fits(fd, newSize, AddressingMode.RESIDENT)) {
        byte[] data = fd.data();
        src.get(data, (int) pos, src.remaining());
        stage(txn, fd.withLayout(newSize, fd.blockSize(), AddressingMode.RESIDENT, 0, 0, data));
        txn.commit();
        return;
      }
      Change change = prepare(fd, newSize, txn);
      if (end > fd.size()) {
        zeroPastEnd(change, fd.size());
      }
      writeBlocks(change, pos, src);
      change.finish(newSize);
      txn.commit();
    } finally {
      volume.afterCommit();
      lock.unlock();
    }
  }

  /**
   * Fills this empty file with the first {@code length} bytes of {@code in}, as one metadata
   * change: the data goes to freshly allocated blocks chunk by chunk, and the file's blocks and
   * size are committed once at the end, so a crash leaves the file empty or complete, and a large
   * copy costs one journal commit instead of one per chunk. Block-aligned runs of zeros stay holes.
   * {@code progress} receives the bytes copied so far after each chunk.
   */
  public void fill(FileChannel in, long length, java.util.function.LongConsumer progress) throws IOException {
    Lock lock = volume.lock().writeLock();
    lock.lock();
    try {
      FileDescriptor fd = volume.readFd(address);
      if (fd.size() != 0) {
        throw new IllegalStateException(path + " is not empty");
      }
      if (length <= FileDescriptor.DATA_SIZE) {
        // Small enough to stay resident: an ordinary write.
        ByteBuffer small = ByteBuffer.allocate((int) length);
        readFully(in, 0, small);
        write(0, small.flip());
        progress.accept(length);
        return;
      }
      MetadataTransaction txn = volume.begin();
      Change change = prepare(fd, length, txn);
      // Every unit of an empty file is fresh: its bytes need no journal even inside a larger change.
      change.freshUnitsOnly = true;
      int unit = (int) change.unit();
      ByteBuffer chunk = ByteBuffer.allocateDirect((int) Math.max(unit, FILL_CHUNK / unit * (long) unit));
      for (long pos = 0; pos < length; ) {
        chunk.clear().limit((int) Math.min(chunk.capacity(), length - pos));
        readFully(in, pos, chunk);
        chunk.flip();
        int runStart = -1;
        for (int at = 0; at < chunk.limit(); at += unit) {
          int end = Math.min(at + unit, chunk.limit());
          boolean zero = isZero(chunk, at, end);
          if (!zero && runStart < 0) {
            runStart = at;
          }
          if (runStart >= 0 && (zero || end == chunk.limit())) {
            int runEnd = zero ? at : end;
            writeBlocks(change, pos + runStart, chunk.slice(runStart, runEnd - runStart));
            runStart = -1;
          }
        }
        pos += chunk.limit();
        progress.accept(pos);
      }
      change.finish(length);
      txn.commit();
    } finally {
      volume.afterCommit();
      lock.unlock();
    }
  }

  private static final int FILL_CHUNK = 32 << 20;

  private void readFully(FileChannel in, long position, ByteBuffer dst) throws IOException {
    while (dst.hasRemaining()) {
      if (in.read(dst, position + dst.position()) < 0) {
        throw new java.io.EOFException(in + " ended before " + (position + dst.limit()) + " bytes while filling " + path);
      }
    }
  }

  private static boolean isZero(ByteBuffer chunk, int from, int to) {
    int at = from;
    for (; at + 8 <= to; at += 8) {
      if (chunk.getLong(at) != 0) {
        return false;
      }
    }
    for (; at < to; at++) {
      if (chunk.get(at) != 0) {
        return false;
      }
    }
    return true;
  }

  /** Sets the file's length; shrinking frees blocks past the end (their bytes are kept on disk). */
  public void truncate(long newSize) throws IOException {
    if (newSize < 0) {
      throw new IllegalArgumentException("negative size " + newSize);
    }
    Lock lock = volume.lock().writeLock();
    lock.lock();
    try {
      FileDescriptor fd = volume.readFd(address);
      if (newSize == fd.size()) {
        return;
      }
      MetadataTransaction txn = volume.begin();
      if (isResident(fd) && fits(fd, newSize, AddressingMode.RESIDENT)) {
        byte[] data = fd.data();
        java.util.Arrays.fill(data, (int) Math.min(newSize, data.length), data.length, (byte) 0);
        stage(txn, fd.withLayout(newSize, fd.blockSize(), AddressingMode.RESIDENT, 0, 0, data));
        txn.commit();
        return;
      }
      if (newSize > fd.size()) {
        Change change = prepare(fd, newSize, txn);
        zeroPastEnd(change, fd.size());
        change.finish(newSize);
      } else {
        Change change = new Change(fd, new MapEditor(volume, fd), txn);
        shrink(change, newSize);
        change.finish(newSize);
      }
      txn.commit();
    } finally {
      volume.afterCommit();
      lock.unlock();
    }
  }

  /**
   * Extends the file to at least {@code newSize} with every block allocated: flagged to-be-zeroed
   * (zeroedthick) or written with zeros (eagerzeroedthick).
   */
  public void preallocate(long newSize, VmfsFile.Preallocation how) throws IOException {
    Lock lock = volume.lock().writeLock();
    lock.lock();
    try {
      FileDescriptor fd = volume.readFd(address);
      long target = Math.max(newSize, fd.size());
      MetadataTransaction txn = volume.begin();
      if (isResident(fd) && fits(fd, target, AddressingMode.RESIDENT)) {
        stage(txn, fd.withLayout(target, fd.blockSize(), AddressingMode.RESIDENT, 0, 0, fd.data()));
        txn.commit();
        return;
      }
      Change change = prepare(fd, target, txn);
      if (target > fd.size()) {
        zeroPastEnd(change, fd.size());
      }
      long unit = change.unit();
      long last = (newSize + unit - 1) / unit;
      BitSet fresh = new BitSet();
      allocateHoles(change, 0, last, fresh, how == VmfsFile.Preallocation.TO_BE_ZEROED && change.editor.zla() != AddressingMode.SUB_BLOCKS);
      if (how == VmfsFile.Preallocation.ZEROED || change.editor.zla() == AddressingMode.SUB_BLOCKS) {
        zeroFresh(change, 0, fresh);
      }
      change.finish(target);
      txn.commit();
    } finally {
      volume.afterCommit();
      lock.unlock();
    }
  }

  /**
   * Frees everything the file holds and its FD, as a delete does: the FD's data area is cleared
   * and its link count set to 0; blocks, sub-blocks and MAPs are freed in their bitmaps, their
   * contents left as they are. The caller has already removed the directory entry.
   */
  @Override
  public void release() throws IOException {
    FileDescriptor fd = volume.readFd(address);
    MetadataTransaction txn = volume.begin();
    if (!isResident(fd)) {
      MapEditor editor = new MapEditor(volume, fd);
      BlockMap.of(volume, fd, volume.fdDeviceOffset(address));
      editor.truncate(0, Long.MAX_VALUE, txn);
    }
    FileDescriptor cleared = fd.withLayout(fd.size(), fd.blockSize(), fd.zla(), fd.numBlocks(), fd.numTbzBlocks(), new byte[FileDescriptor.DATA_SIZE]).withNlink(0);
    volume.writeFd(txn, cleared);
    txn.free(ResourceKind.FILE_DESCRIPTOR, volume.fdIndexOf(address));
    txn.commit();
    volume.afterCommit();
  }

  /** The state of one change: the FD being rewritten, its map and the transaction. */
  private final class Change {
    final FileDescriptor fd;
    final MapEditor editor;
    final MetadataTransaction txn;
    /** Whether every unit written is freshly allocated, so data may go straight to the device. */
    boolean freshUnitsOnly;

    Change(FileDescriptor fd, MapEditor editor, MetadataTransaction txn) {
      this.fd = fd;
      this.editor = editor;
      this.txn = txn;
    }

    long unit() {
      Geometry g = volume.geometry();
      return editor.zla() == AddressingMode.SUB_BLOCKS ? g.subBlockSize() : g.blockSize();
    }

    void finish(long newSize) throws IOException {
      editor.stage(txn);
      byte[] data = FileDescriptor.dataOf(editor.slots());
      long now = System.currentTimeMillis() / 1000;
      FileDescriptor updated = fd.withLayout(newSize, unit(), editor.zla(), Math.max(0, fd.numBlocks() + editor.blockDelta()),
          Math.max(0, fd.numTbzBlocks() + editor.tbzDelta()), data).withTimes(now, fd.ctime());
      stage(txn, updated);
    }
  }

  /** Returns whether the FD keeps its (possibly empty) content in its data area, with no block map. */
  private static boolean isResident(FileDescriptor fd) {
    return fd.zla() == AddressingMode.RESIDENT || fd.zla() == AddressingMode.EMPTY;
  }

  private void stage(MetadataTransaction txn, FileDescriptor fd) throws IOException {
    volume.writeFd(txn, fd);
  }

  private boolean fits(FileDescriptor fd, long size, AddressingMode mode) {
    return size <= volume.geometry().maxBytes(mode) && (mode != AddressingMode.RESIDENT || fd.type() != org.vmfskit.fs.format.FileType.DIRECTORY);
  }

  /**
   * Returns a change whose map can hold {@code newSize} bytes, moving resident or sub-block
   * content into the new mode and deepening block maps as needed.
   */
  private Change prepare(FileDescriptor fd, long newSize, MetadataTransaction txn) throws IOException {
    Geometry g = volume.geometry();
    long limit = g.maxBytes(AddressingMode.DOUBLE_INDIRECT);
    if (newSize > limit) {
      throw new FileTooLargeException(path, newSize, limit);
    }
    MapEditor editor = new MapEditor(volume, fd);
    Change change = new Change(fd, editor, txn);
    AddressingMode mode = fd.zla() == AddressingMode.EMPTY ? AddressingMode.RESIDENT : fd.zla();
    if (mode == AddressingMode.RESIDENT || mode == AddressingMode.SUB_BLOCKS) {
      long subBlockReach = Math.max(g.subBlockSize(), roundUp(fd.size(), g.subBlockSize()));
      if (newSize <= subBlockReach && (mode == AddressingMode.SUB_BLOCKS || newSize > FileDescriptor.DATA_SIZE || fd.type() == org.vmfskit.fs.format.FileType.DIRECTORY)) {
        if (mode == AddressingMode.RESIDENT) {
          byte[] content = fd.residentContent();
          editor.reset(AddressingMode.SUB_BLOCKS);
          writeBlocks(change, 0, ByteBuffer.wrap(content));
        }
        return change;
      }
      byte[] content = mode == AddressingMode.RESIDENT ? fd.residentContent() : readAll(g.maxBytes(AddressingMode.SUB_BLOCKS));
      if (mode == AddressingMode.SUB_BLOCKS) {
        editor.truncate(0, FileDescriptor.ADDRESS_SLOTS, txn);
      }
      editor.reset(AddressingMode.FILE_BLOCKS);
      deepenFor(editor, newSize);
      writeBlocks(change, 0, ByteBuffer.wrap(content));
      return change;
    }
    deepenFor(editor, newSize);
    return change;
  }

  private void deepenFor(MapEditor editor, long newSize) throws IOException {
    while (newSize > volume.geometry().maxBytes(editor.zla())) {
      editor.deepen();
    }
  }

  private static long roundUp(long value, long unit) {
    return (value + unit - 1) / unit * unit;
  }

  /** Frees what lies past {@code newSize} and zeroes the tail of the last kept block. */
  private void shrink(Change change, long newSize) throws IOException {
    BlockMap.of(volume, change.fd, volume.fdDeviceOffset(address));
    long unit = change.unit();
    long keep = (newSize + unit - 1) / unit;
    change.editor.truncate(keep, Long.MAX_VALUE, change.txn);
    // The kept block's bytes past the new end stay as they are: they are past the end, and a later
    // growth zeroes them (zeroPastEnd) before they come back into view. Zeroing them here, before
    // the smaller size is on disk, would let a power cut show zeros inside the file.
  }

  /**
   * Zeroes the rest of the block holding the file's old end before the file grows, so bytes left
   * there by an earlier shrink never show through. Runs while those bytes are still past the end
   * on disk, so a cut at any write leaves the old content intact.
   */
  private void zeroPastEnd(Change change, long oldSize) throws IOException {
    long unit = change.unit();
    long tail = oldSize % unit;
    if (tail == 0) {
      return;
    }
    int raw = change.editor.get(oldSize / unit);
    if (dataOffset(raw) != Extent.HOLE) {
      writeUnit(raw, tail, ByteBuffer.allocate((int) (unit - tail)), true);
    }
  }

  /** Returns the image offset of a data address, or HOLE for null and TBZ. */
  private long dataOffset(int raw) throws IOException {
    if (raw == 0) {
      return Extent.HOLE;
    }
    if (BlockAddress.typeOf(raw) == BlockAddress.TYPE_SB) {
      return volume.subBlockDeviceOffset(raw, "block map", -1);
    }
    if (FileBlockAddr.isTbz(raw)) {
      return Extent.HOLE;
    }
    return volume.geometry().blockDeviceOffset(FileBlockAddr.blockOf(raw));
  }

  /** Allocates every hole among entries {@code [first, end)}, marking them in {@code fresh}. */
  private void allocateHoles(Change change, long first, long end, BitSet fresh, boolean tbz) throws IOException {
    MapEditor editor = change.editor;
    long i = first;
    while (i < end) {
      if (editor.get(i) != 0) {
        i++;
        continue;
      }
      long j = i + 1;
      while (j < end && editor.get(j) == 0) {
        j++;
      }
      allocateRun(editor, i, j - i, fresh, first, tbz);
      i = j;
    }
  }

  private void allocateRun(MapEditor editor, long index, long count, BitSet fresh, long base, boolean tbz) throws IOException {
    if (editor.zla() == AddressingMode.SUB_BLOCKS) {
      for (long k = 0; k < count; k++) {
        int raw = volume.subBlockAddress(volume.allocate(ResourceKind.SUB_BLOCK));
        editor.set(index + k, raw);
        editor.count(raw, +1);
        fresh.set((int) (index + k - base));
      }
      return;
    }
    int previous = index > 0 ? editor.get(index - 1) : 0;
    long goal = BlockAddress.typeOf(previous) == BlockAddress.TYPE_FB ? FileBlockAddr.blockOf(previous) + 1 : volume.allocationCursor();
    long done = 0;
    while (done < count) {
      long[] run = volume.allocateRun(goal, count - done);
      for (long k = 0; k < run[1]; k++) {
        int raw = FileBlockAddr.rawOf((int) (run[0] + k), tbz);
        editor.set(index + done + k, raw);
        editor.count(raw, +1);
        fresh.set((int) (index + done + k - base));
      }
      done += run[1];
      goal = run[0] + run[1];
    }
  }

  /** Writes zeros over every freshly allocated entry (eager zeroing, and new sub-blocks). */
  private void zeroFresh(Change change, long base, BitSet fresh) throws IOException {
    long unit = change.unit();
    if (change.editor.zla() == AddressingMode.SUB_BLOCKS) {
      for (int i = fresh.nextSetBit(0); i >= 0; i = fresh.nextSetBit(i + 1)) {
        writeUnit(change.editor.get(base + i), 0, ByteBuffer.allocate((int) unit), true);
      }
      return;
    }
    for (int i = fresh.nextSetBit(0); i >= 0; i = fresh.nextSetBit(i + 1)) {
      int j = fresh.nextClearBit(i);
      long runStart = -1;
      long runLength = 0;
      for (int k = i; k < j; k++) {
        long device = dataOffset(change.editor.get(base + k));
        if (device != runStart + runLength) {
          if (runLength > 0) {
            writeZeros(runStart, runLength);
          }
          runStart = device;
          runLength = 0;
        }
        runLength += unit;
      }
      if (runLength > 0) {
        writeZeros(runStart, runLength);
      }
      i = j;
    }
  }

  private void writeZeros(long deviceOffset, long length) throws IOException {
    ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(length, ZERO_CHUNK));
    for (long done = 0; done < length; ) {
      int n = (int) Math.min(zeros.capacity(), length - done);
      volume.writeUnreferenced(deviceOffset + done, zeros.clear().limit(n));
      done += n;
    }
  }

  /**
   * Writes {@code src} at {@code pos} through the change's map: allocates the holes it covers,
   * zero-fills the parts of new or TBZ blocks it does not cover (stale bytes of freed blocks must
   * never show through), and merges contiguous full blocks into one device write.
   */
  private void writeBlocks(Change change, long pos, ByteBuffer src) throws IOException {
    if (!src.hasRemaining()) {
      return;
    }
    MapEditor editor = change.editor;
    long unit = change.unit();
    long end = pos + src.remaining();
    long first = pos / unit;
    long last = (end - 1) / unit;
    BitSet fresh = new BitSet();
    allocateHoles(change, first, last + 1, fresh, false);
    long pendingDevice = -1;
    int pendingSrc = 0;
    long pendingLength = 0;
    int srcBase = src.position();
    for (long index = first; index <= last; index++) {
      int raw = editor.get(index);
      boolean tbz = BlockAddress.typeOf(raw) == BlockAddress.TYPE_FB && FileBlockAddr.isTbz(raw);
      long device = tbz ? volume.geometry().blockDeviceOffset(FileBlockAddr.blockOf(raw)) : dataOffset(raw);
      long blockStart = index * unit;
      long from = Math.max(pos, blockStart);
      long to = Math.min(end, blockStart + unit);
      int srcOffset = srcBase + (int) (from - pos);
      boolean full = from == blockStart && to == blockStart + unit;
      if (tbz) {
        editor.set(index, FileBlockAddr.withoutTbz(raw));
        editor.clearedTbz();
      }
      if (!full && (tbz || fresh.get((int) (index - first)))) {
        ByteBuffer block = ByteBuffer.allocate((int) unit).order(ByteOrder.LITTLE_ENDIAN);
        block.put((int) (from - blockStart), src, srcOffset, (int) (to - from));
        writeUnit(raw, 0, block, true);
        continue;
      }
      if (editor.zla() == AddressingMode.SUB_BLOCKS) {
        writeUnit(raw, from - blockStart, src.slice(srcOffset, (int) (to - from)), false);
        continue;
      }
      long target = device + (from - blockStart);
      if (pendingLength > 0 && target == pendingDevice + pendingLength && srcOffset == pendingSrc + pendingLength) {
        pendingLength += to - from;
      } else {
        flush(change, src, pendingDevice, pendingSrc, pendingLength);
        pendingDevice = target;
        pendingSrc = srcOffset;
        pendingLength = to - from;
      }
    }
    flush(change, src, pendingDevice, pendingSrc, pendingLength);
    src.position(src.limit());
  }

  /**
   * Writes {@code data} at byte {@code within} of the file block or sub-block {@code raw}; a
   * sub-block that straddles two blocks of {@code .sbc.sf} is written in two pieces.
   * {@code unreferenced}: the bytes are not visible on disk until the change commits (a fresh or
   * to-be-zeroed unit, or past the file's end), so they bypass the journal.
   */
  private void writeUnit(int raw, long within, ByteBuffer data, boolean unreferenced) throws IOException {
    if (BlockAddress.typeOf(raw) != BlockAddress.TYPE_SB) {
      write(volume.geometry().blockDeviceOffset(FileBlockAddr.blockOf(raw)) + within, data, unreferenced);
      return;
    }
    long[] segments = volume.subBlockSegments(raw, within, data.remaining(), "block map", -1);
    int at = data.position();
    for (int i = 0; i < segments.length; i += 2) {
      write(segments[i], data.slice(at, (int) segments[i + 1]), unreferenced);
      at += (int) segments[i + 1];
    }
  }

  private void write(long deviceOffset, ByteBuffer data, boolean unreferenced) throws IOException {
    if (unreferenced) {
      volume.writeUnreferenced(deviceOffset, data);
    } else {
      volume.device().write(deviceOffset, data);
    }
  }

  private void flush(Change change, ByteBuffer src, long device, int srcOffset, long length) throws IOException {
    if (length > 0) {
      write(device, src.slice(srcOffset, (int) length), change.freshUnitsOnly);
    }
  }
}
