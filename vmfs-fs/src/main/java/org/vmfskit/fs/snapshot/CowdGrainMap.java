package org.vmfskit.fs.snapshot;

import it.unimi.dsi.fastutil.longs.LongArrayList;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.ResourceLimitException;
import org.vmfskit.fs.vmdk.DiskFile;

/**
 * The grains a vmfsSparse (COWD) delta holds, as sorted, merged byte ranges of the virtual disk:
 * what a consolidation must copy into the parent. Reads the header fields it needs, the grain
 * directory and every grain table (4096 u32 entries each) and checks each sector number against
 * the file's length.
 */
final class CowdGrainMap {

  static final int MAGIC = 0x44574F43; // "COWD" read as a little-endian u32
  private static final int GT_ENTRIES = 4096;
  private static final long MAX_GD_ENTRIES = 1L << 24;

  private CowdGrainMap() {}

  /** Returns {start, end} byte pairs, ascending and merged, of the grains allocated in {@code file}. */
  static long[] allocatedRanges(DiskFile file) throws IOException {
    String structure = "CowdHeader in " + file.name();
    ByteBuffer header = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
    file.readFully(0, header);
    if (header.getInt(0) != MAGIC) {
      throw Corrupt.magic(structure, 0, MAGIC, header.getInt(0) & 0xFFFFFFFFL);
    }
    long capacity = header.getInt(12) & 0xFFFFFFFFL;
    long grain = header.getInt(16) & 0xFFFFFFFFL;
    long gdOffset = header.getInt(20) & 0xFFFFFFFFL;
    long gdEntries = header.getInt(24) & 0xFFFFFFFFL;
    if (grain == 0 || grain > 0x200000) {
      throw Corrupt.range(structure, 16, "grainSize", 1, 0x200000, grain);
    }
    long needed = Math.ceilDiv(capacity, GT_ENTRIES * grain);
    if (gdEntries < needed || gdEntries > MAX_GD_ENTRIES) {
      throw Corrupt.range(structure, 24, "numGDEntries", needed, MAX_GD_ENTRIES, gdEntries);
    }
    long fileSectors = file.size() / 512;
    if (gdOffset == 0 || gdOffset + Math.ceilDiv(gdEntries * 4, 512) > fileSectors) {
      throw Corrupt.range(structure, 20, "gdOffset", 1, fileSectors, gdOffset);
    }
    ByteBuffer gd = ByteBuffer.allocate((int) gdEntries * 4).order(ByteOrder.LITTLE_ENDIAN);
    file.readFully(gdOffset * 512, gd);
    LongArrayList ranges = new LongArrayList();
    ByteBuffer gt = ByteBuffer.allocate(GT_ENTRIES * 4).order(ByteOrder.LITTLE_ENDIAN);
    long grainBytes = grain * 512;
    for (int gdi = 0; gdi < gdEntries; gdi++) {
      long gtSector = gd.getInt(gdi * 4) & 0xFFFFFFFFL;
      if (gtSector == 0) {
        continue;
      }
      if (gtSector + GT_ENTRIES * 4 / 512 > fileSectors) {
        throw Corrupt.range("GrainDirectory in " + file.name(), gdOffset * 512 + gdi * 4L, "GD[" + gdi + "]", 1, fileSectors, gtSector);
      }
      file.readFully(gtSector * 512, gt.clear());
      for (int gti = 0; gti < GT_ENTRIES; gti++) {
        long sector = gt.getInt(gti * 4) & 0xFFFFFFFFL;
        if (sector == 0) {
          continue;
        }
        if (sector + grain > fileSectors) {
          throw Corrupt.range("GrainTable in " + file.name(), gtSector * 512 + gti * 4L, "GT[" + gti + "]", 1, fileSectors, sector);
        }
        long start = ((long) gdi * GT_ENTRIES + gti) * grainBytes;
        long end = Math.min(start + grainBytes, capacity * 512);
        if (start >= end) {
          continue;
        }
        int n = ranges.size();
        if (n > 0 && ranges.getLong(n - 1) == start) {
          ranges.set(n - 1, end);
        } else {
          ranges.add(start);
          ranges.add(end);
        }
      }
    }
    return ranges.toLongArray();
  }

  /** Returns the union of several range lists, ascending and merged. */
  static long[] union(java.util.List<long[]> lists) throws ResourceLimitException {
    java.util.TreeMap<Long, Long> merged = new java.util.TreeMap<>();
    for (long[] list : lists) {
      for (int i = 0; i < list.length; i += 2) {
        long start = list[i];
        long end = list[i + 1];
        var before = merged.floorEntry(start);
        if (before != null && before.getValue() >= start) {
          start = before.getKey();
          end = Math.max(end, before.getValue());
        }
        var next = merged.ceilingEntry(start);
        while (next != null && next.getKey() <= end) {
          end = Math.max(end, next.getValue());
          merged.remove(next.getKey());
          next = merged.ceilingEntry(start);
        }
        merged.put(start, end);
      }
    }
    long[] out = new long[merged.size() * 2];
    int i = 0;
    for (var entry : merged.entrySet()) {
      out[i++] = entry.getKey();
      out[i++] = entry.getValue();
    }
    return out;
  }

}
