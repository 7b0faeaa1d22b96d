package org.vmfskit.recovery;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.ReadOnlyFileSystemException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.vmdk.DiskFile;
import org.vmfskit.fs.vmdk.DiskStore;
import org.vmfskit.fs.volume.Geometry;

/**
 * The rebuilt delta as a read-only file read straight from the image: its usable blocks where the
 * reassembler placed them, zeros elsewhere, and its grain directory and tables with the overwritten
 * and missing grains (and the unusable tables) dropped, so those sectors read from the parent. The
 * writer copies it to the host only when the chain is asked for; the flattened disk reads it
 * through {@link #store}, which serves it next to the live parent on the volume, so nothing is
 * written twice.
 */
final class RebuiltDelta implements ReadOnlyDiskFile {

  private final BlockDevice device;
  private final Geometry geometry;
  private final DeltaFile file;
  private final boolean[] usable;
  private final long blockSize;
  /** File offset to the little-endian bytes that replace the image's there (the patched GD and GTs). */
  private final TreeMap<Long, byte[]> patches = new TreeMap<>();

  RebuiltDelta(RecoveryScan scan, RecoveryScan.Found found) {
    DeltaReassembler.Reassembly r = found.reassembly();
    GrainClassifier.Result g = found.grains();
    this.device = scan.device();
    this.geometry = scan.vmfs().volume().geometry();
    this.file = r.file();
    this.usable = g.blockUsable();
    this.blockSize = scan.report().blockSize();
    int[] gd = r.gd().clone();
    for (int i = 0; i < gd.length; i++) {
      if (gd[i] == -1 || !g.gtUsable()[i]) {
        gd[i] = 0;
      }
      if (gd[i] != 0) {
        int[] gt = r.gts()[i].clone();
        for (int e = 0; e < gt.length; e++) {
          byte state = g.states()[i][e];
          if (gt[e] != 0 && (state == GrainClassifier.OVERWRITTEN || state == GrainClassifier.MISSING)) {
            gt[e] = 0;
          }
        }
        patches.put(Integer.toUnsignedLong(gd[i]) * 512, bytes(gt));
      }
    }
    patches.put(r.header().gdOffset() * 512, bytes(gd));
  }

  private static byte[] bytes(int[] values) {
    ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    buffer.asIntBuffer().put(values);
    return buffer.array();
  }

  /**
   * Returns a store that serves {@code descriptor} (the recovered delta's new descriptor, at
   * {@code descriptorPath}) and this file (at {@code extentPath}) and everything else from
   * {@code volume}: the chain it opens reads the parent on the image itself.
   */
  DiskStore store(DiskStore volume, String descriptorPath, byte[] descriptor, String extentPath) {
    Map<String, DiskFile> overlay = Map.of(key(descriptorPath), new BytesFile(descriptorPath, descriptor), key(extentPath), this);
    return new DiskStore() {
      @Override
      public DiskFile open(String path, boolean writable) throws IOException {
        DiskFile own = overlay.get(key(path));
        if (own != null && writable) {
          throw new ReadOnlyFileSystemException();
        }
        return own != null ? own : volume.open(path, writable);
      }

      @Override
      public DiskFile create(String path) {
        throw new ReadOnlyFileSystemException();
      }

      @Override
      public DiskFile create(String path, long size, Allocation allocation) {
        throw new ReadOnlyFileSystemException();
      }

      @Override
      public boolean exists(String path) throws IOException {
        return overlay.containsKey(key(path)) || volume.exists(path);
      }

      @Override
      public void delete(String path) {
        throw new ReadOnlyFileSystemException();
      }

      @Override
      public void rename(String from, String to) {
        throw new ReadOnlyFileSystemException();
      }

      @Override
      public List<String> list(String directory) throws IOException {
        return volume.list(directory);
      }

      @Override
      public String resolve(String from, String reference) {
        return volume.resolve(from, reference);
      }

      @Override
      public boolean isReadOnly() {
        return true;
      }
    };
  }

  private static String key(String path) {
    return path.replaceAll("^/+", "");
  }

  @Override
  public long size() {
    return file.fileBlocks() * blockSize;
  }

  @Override
  public void readFully(long offset, ByteBuffer dst) throws IOException {
    int length = dst.remaining();
    if (offset < 0 || offset + length > size()) {
      throw new EOFException("rebuilt delta: read of " + length + " bytes at " + offset + " passes its end (" + size() + " bytes)");
    }
    ByteBuffer out = dst.slice();
    for (int at = 0; at < length; ) {
      long position = offset + at;
      int block = (int) (position / blockSize);
      int inBlock = (int) (position % blockSize);
      int piece = (int) Math.min(length - at, blockSize - inBlock);
      ByteBuffer slice = out.slice(at, piece);
      if (usable[block]) {
        device.readFully(geometry.blockDeviceOffset(file.deviceBlock(block)) + inBlock, slice);
      } else {
        for (int i = 0; i < piece; i++) {
          slice.put(i, (byte) 0);
        }
      }
      at += piece;
    }
    Long first = patches.floorKey(offset);
    for (Map.Entry<Long, byte[]> patch : patches.subMap(first == null ? offset : first, true, offset + length, false).entrySet()) {
      long start = Math.max(offset, patch.getKey());
      long end = Math.min(offset + length, patch.getKey() + patch.getValue().length);
      if (start < end) {
        out.put((int) (start - offset), patch.getValue(), (int) (start - patch.getKey()), (int) (end - start));
      }
    }
    dst.position(dst.limit());
  }

  /** The bytes of the blocks that held usable data: the rest of the delta reads as zeros. */
  @Override
  public long allocatedBytes() {
    long blocks = 0;
    for (boolean u : usable) {
      blocks += u ? 1 : 0;
    }
    return blocks * blockSize;
  }

  @Override
  public String name() {
    return "rebuilt delta (header at image offset " + geometry.blockDeviceOffset(file.deviceBlock(0)) + ")";
  }

  /** A small read-only file held in memory (the new descriptor). */
  private record BytesFile(String name, byte[] bytes) implements ReadOnlyDiskFile {
    @Override
    public long size() {
      return bytes.length;
    }

    @Override
    public void readFully(long offset, ByteBuffer dst) throws IOException {
      if (offset < 0 || offset + dst.remaining() > bytes.length) {
        throw new EOFException(name + ": read of " + dst.remaining() + " bytes at " + offset + " passes its end (" + bytes.length + " bytes)");
      }
      dst.put(bytes, (int) offset, dst.remaining());
    }

    @Override
    public long allocatedBytes() {
      return bytes.length;
    }

    @Override
    public String name() {
      return name;
    }
  }
}
