package org.vmfskit.recovery;

import it.unimi.dsi.fastutil.longs.LongArrayList;
import it.unimi.dsi.fastutil.longs.LongList;
import it.unimi.dsi.fastutil.longs.LongOpenHashSet;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import org.vmfskit.fs.format.AddressingMode;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.FileDescriptor;
import org.vmfskit.fs.format.LittleEndian;
import org.vmfskit.fs.format.LockBlock;
import org.vmfskit.fs.format.PointerBlock;
import org.vmfskit.fs.format.VmfsFormatException;
import org.vmfskit.fs.volume.ResourceKind;
import org.vmfskit.fs.volume.Volume;

/**
 * The first recovery stage: reads the pointer blocks {@code .pbc.sf} marks free, the free FD
 * slots that still carry block addresses, and the first bytes of free file blocks (carving), and
 * hands the plausible ones on. It reads no file data.
 */
final class FreeMapScanner {

  /**
   * A freed MAP whose entries are all null or plausible file-block addresses.
   *
   * @param pointerBlockIndex index in {@code .pbc.sf}
   * @param deviceOffset image offset
   * @param entries raw entries, implausible ones replaced by 0
   */
  record FreeMap(long pointerBlockIndex, long deviceOffset, int[] entries) {
    int firstEntry() {
      return entries[0];
    }
  }

  /**
   * A freed FD slot whose data area still holds block addresses (ESXi may not wipe them).
   *
   * @param fdIndex index in {@code .fdc.sf}
   * @param deviceOffset image offset of the slot
   * @param mode its addressing mode
   * @param addresses its 256 raw addresses
   * @param size the file length it recorded
   */
  record FreeFd(long fdIndex, long deviceOffset, AddressingMode mode, int[] addresses, long size) {}

  /**
   * A descriptor text left in a freed resident FD.
   *
   * @param deviceOffset image offset of the text
   * @param text the text
   */
  record LeftoverDescriptor(long deviceOffset, String text) {}

  /** What the scan collected. */
  record Result(List<FreeMap> maps, List<FreeFd> fds, List<LeftoverDescriptor> descriptors, LongList carvedHeaderBlocks,
      long freeMapsExamined, long freeMapsEmpty, long freeFdsExamined, long freeBlocksCarved, List<Finding> rejected,
      List<Finding> findings) {}

  private static final int CARVE_CHUNK = 4096;

  private final VolumeView view;
  private final Volume volume;
  private final ScanOptions options;
  private final RecoveryWriter.Progress progress;
  private final List<Finding> rejected = Collections.synchronizedList(new ArrayList<>());
  private final List<Finding> findings = Collections.synchronizedList(new ArrayList<>());

  FreeMapScanner(VolumeView view, ScanOptions options) {
    this(view, options, RecoveryWriter.Progress.NONE);
  }

  /** A scanner reporting the carving, the one long phase on a big volume, to {@code progress} (in bytes of free blocks covered). */
  FreeMapScanner(VolumeView view, ScanOptions options, RecoveryWriter.Progress progress) {
    this.view = view;
    this.volume = view.volume();
    this.options = options;
    this.progress = progress;
  }

  Result scan() throws IOException {
    long[] mapCounts = new long[2];
    List<FreeMap> maps = scanMaps(mapCounts);
    long[] fdCount = new long[1];
    List<FreeFd> fds = new ArrayList<>();
    List<LeftoverDescriptor> descriptors = new ArrayList<>();
    if (options.scanFreeFds()) {
      scanFds(fds, descriptors, fdCount);
    }
    long[] carved = new long[1];
    LongList headers = options.carve() ? carve(carved) : new LongArrayList();
    return new Result(maps, fds, descriptors, headers, mapCounts[0], mapCounts[1], fdCount[0], carved[0],
        List.copyOf(rejected), List.copyOf(findings));
  }

  // ---- free MAPs ----

  private List<FreeMap> scanMaps(long[] counts) throws IOException {
    BitSet free = volume.freeBits(ResourceKind.POINTER_BLOCK);
    List<FreeMap> out = new ArrayList<>();
    int perMap = view.geometry().addressesPerMap();
    for (int index = free.nextSetBit(0); index >= 0 && index < volume.resourceCount(ResourceKind.POINTER_BLOCK);
        index = free.nextSetBit(index + 1)) {
      counts[0]++;
      int raw = volume.pointerBlockAddress(index);
      long offset;
      int[] entries;
      try {
        offset = volume.pointerBlockDeviceOffset(raw, "free MAP", -1);
        entries = PointerBlock.decodeRaw(volume.device().read(offset, perMap * 4), perMap);
      } catch (EOFException e) {
        findings.add(Finding.error(-1, "free MAP " + index + " lies past the end of the image (truncated image)"));
        continue;
      } catch (VmfsFormatException e) {
        findings.add(Finding.error(-1, "free MAP " + index + ": " + e.getMessage()));
        continue;
      }
      FreeMap map = check(index, offset, entries);
      if (map == null) {
        continue;
      }
      if (map.entries() == null) {
        counts[1]++;
      } else {
        out.add(map);
      }
    }
    return out;
  }

  /** Returns the MAP with bad entries cleared, a MAP with null entries if empty, or null if rejected. */
  private FreeMap check(long index, long offset, int[] entries) {
    int nonZero = 0;
    int bad = 0;
    String firstBad = null;
    LongOpenHashSet seen = new LongOpenHashSet();
    int[] clean = entries.clone();
    for (int i = 0; i < entries.length; i++) {
      if (entries[i] == 0) {
        continue;
      }
      nonZero++;
      String why = view.checkDataAddress(entries[i]);
      if (why == null && !seen.add(org.vmfskit.fs.format.FileBlockAddr.blockOf(entries[i]))) {
        why = "file block " + org.vmfskit.fs.format.FileBlockAddr.blockOf(entries[i]) + " appears twice (a loop)";
      }
      if (why != null) {
        bad++;
        clean[i] = 0;
        if (bad <= 3) {
          firstBad = (firstBad == null ? "" : firstBad + "; ") + "entry " + i + ": " + why;
        }
      }
    }
    if (nonZero == 0) {
      return new FreeMap(index, offset, null);
    }
    if (bad * 2 > nonZero) {
      rejected.add(Finding.error(offset, "free MAP " + index + " at " + Corrupt.hex(offset) + " is not a usable MAP: " + bad + " of "
          + nonZero + " entries are implausible (" + firstBad + ")"));
      return null;
    }
    if (bad > 0) {
      findings.add(Finding.warning(offset, "free MAP " + index + " at " + Corrupt.hex(offset) + ": " + bad
          + " implausible entries treated as missing (" + firstBad + ")"));
    }
    return new FreeMap(index, offset, clean);
  }

  // ---- free FDs ----

  private void scanFds(List<FreeFd> fds, List<LeftoverDescriptor> descriptors, long[] count) throws IOException {
    BitSet free = volume.freeBits(ResourceKind.FILE_DESCRIPTOR);
    long total = volume.fdCount();
    for (int index = free.nextSetBit(0); index >= 0 && index < total; index = free.nextSetBit(index + 1)) {
      count[0]++;
      try {
        long offset = volume.fdDeviceOffset(volume.fdAddressOf(index));
        ByteBuffer magic = volume.device().read(offset, 4);
        if (LittleEndian.u32(magic, 0) != LockBlock.MAGIC_FD) {
          continue;
        }
        ByteBuffer slot = volume.device().read(offset, FileDescriptor.SIZE);
        inspectFd(index, offset, slot, fds, descriptors);
      } catch (EOFException e) {
        findings.add(Finding.error(-1, "free FD " + index + " lies past the end of the image (truncated image)"));
        return;
      } catch (VmfsFormatException e) {
        findings.add(Finding.error(-1, "free FD " + index + ": " + e.getMessage()));
      }
    }
  }

  private void inspectFd(long index, long offset, ByteBuffer slot, List<FreeFd> fds, List<LeftoverDescriptor> descriptors) {
    long zla = LittleEndian.u32(slot, 0x244);
    long size = LittleEndian.u64(slot, 0x214);
    if (zla == AddressingMode.RESIDENT.code()) {
      byte[] data = new byte[FileDescriptor.DATA_SIZE];
      slot.get(FileDescriptor.DATA_OFFSET, data);
      String text = new String(data, StandardCharsets.ISO_8859_1);
      int end = text.indexOf('\0');
      text = end >= 0 ? text.substring(0, end) : text;
      if (text.contains("createType=") && text.contains("CID=")) {
        descriptors.add(new LeftoverDescriptor(offset + FileDescriptor.DATA_OFFSET, text));
      }
      return;
    }
    AddressingMode mode = zla == AddressingMode.FILE_BLOCKS.code() ? AddressingMode.FILE_BLOCKS
        : zla == AddressingMode.POINTER_BLOCKS.code() ? AddressingMode.POINTER_BLOCKS : null;
    if (mode == null) {
      return;
    }
    int[] addresses = new int[FileDescriptor.ADDRESS_SLOTS];
    boolean any = false;
    for (int i = 0; i < addresses.length; i++) {
      addresses[i] = slot.getInt(FileDescriptor.DATA_OFFSET + 4 * i);
      any |= addresses[i] != 0;
    }
    if (any) {
      fds.add(new FreeFd(index, offset, mode, addresses, size));
    }
  }

  // ---- carving ----

  private LongList carve(long[] count) throws IOException {
    BitSet free = view.freeBlocks();
    long limit = view.blocksOnDevice();
    LongArrayList hits = new LongArrayList();
    List<long[]> chunks = new ArrayList<>();
    for (int b = free.nextSetBit(0); b >= 0 && b < limit; ) {
      long[] chunk = new long[CARVE_CHUNK];
      int n = 0;
      while (b >= 0 && b < limit && n < CARVE_CHUNK) {
        if (!view.isMetadata(b)) {
          chunk[n++] = b;
        }
        b = free.nextSetBit(b + 1);
      }
      chunks.add(java.util.Arrays.copyOf(chunk, n));
      count[0] += n;
    }
    Semaphore permits = new Semaphore(options.parallelReads());
    try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<LongList>> results = new ArrayList<>();
      for (long[] chunk : chunks) {
        results.add(executor.submit(() -> {
          permits.acquire();
          try {
            return carveChunk(chunk);
          } finally {
            permits.release();
          }
        }));
      }
      long done = 0;
      long blockSize = view.blockSize();
      for (int i = 0; i < results.size(); i++) {
        hits.addAll(results.get(i).get());
        done += chunks.get(i).length;
        progress.update("carving free blocks", done * blockSize, count[0] * blockSize);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("carving interrupted");
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IllegalStateException(e.getCause());
    }
    hits.sort(null);
    return hits;
  }

  private LongList carveChunk(long[] blocks) throws IOException {
    LongArrayList hits = new LongArrayList();
    ByteBuffer buffer = ByteBuffer.allocate(DeltaHeaderProbe.MAGIC_BYTES).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (long block : blocks) {
      buffer.clear();
      try {
        volume.device().readFully(view.blockOffset(block), buffer);
      } catch (EOFException e) {
        continue;
      }
      if (DeltaHeaderProbe.hasDeltaMagic(buffer)) {
        hits.add(block);
      }
    }
    return hits;
  }
}
