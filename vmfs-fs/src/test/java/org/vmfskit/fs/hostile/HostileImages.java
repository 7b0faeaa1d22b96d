package org.vmfskit.fs.hostile;

import it.unimi.dsi.fastutil.ints.IntOpenHashSet;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.vmfskit.fs.check.VolumeChecker;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.device.ReadOnlyBlockDevice;
import org.vmfskit.fs.device.SparseMemoryBlockDevice;
import org.vmfskit.fs.file.Extent;
import org.vmfskit.fs.file.FileStat;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.file.VmfsFile;
import org.vmfskit.fs.format.FileDescriptor;
import org.vmfskit.fs.format.FileDescriptorAddr;
import org.vmfskit.fs.format.FsDescriptor;
import org.vmfskit.fs.format.LvmHeader;
import org.vmfskit.fs.format.ResourceHeader;
import org.vmfskit.fs.volume.FormatOptions;
import org.vmfskit.fs.volume.Geometry;
import org.vmfskit.fs.volume.ResourceKind;
import org.vmfskit.fs.volume.Volume;

/**
 * The small template image the hostile-input tests mutate (256 MiB, one file per addressing
 * mode, a subdirectory and a symlink) and the bounded exercise they run on each mutant: open,
 * list every directory, read every file, check.
 */
final class HostileImages {

  /** A byte range of metadata worth mutating, with a name for messages. */
  record Range(String what, long deviceOffset, int length) {}

  private static final int MAX_ENTRIES = 5_000;
  private static final long MAX_READ = 2 << 20;

  private HostileImages() {}

  static SparseMemoryBlockDevice template() throws IOException {
    FormatOptions options = FormatOptions.builder(256L << 20).label("hostile").seed(5).timeSeconds(1_700_000_000L).build();
    SparseMemoryBlockDevice device = new SparseMemoryBlockDevice(options.imageBytes(), 4096, "template");
    try (Vmfs fs = Vmfs.format(device, options)) {
      fs.mkdir("/dir");
      fs.createFile("/resident").write(0, ByteBuffer.wrap(filled(300, 1)));
      fs.createFile("/dir/sub").write(0, ByteBuffer.wrap(filled(5000, 2)));
      fs.createFile("/blocks").write(0, ByteBuffer.wrap(filled((2 << 20) + 77, 3)));
      fs.createFile("/sparse").write(300L << 20, ByteBuffer.wrap(filled(9000, 4)));
      fs.symlink("/dir/sub", "/link");
    }
    return device;
  }

  static byte[] filled(int n, int seed) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 31 + seed);
    }
    return b;
  }

  /** Returns the metadata ranges of {@code device}'s volume that the sweep mutates. */
  static List<Range> metadataRanges(BlockDevice device) throws IOException {
    List<Range> ranges = new ArrayList<>();
    ranges.add(new Range("LvmHeader", LvmHeader.IMAGE_OFFSET, 0x100));
    ranges.add(new Range("LVM volume descriptor", LvmHeader.IMAGE_OFFSET + 0x200, 0x98));
    ranges.add(new Range("FsDescriptor", Geometry.deviceOffset(FsDescriptor.LOGICAL_OFFSET), 0x150));
    long journal = Geometry.deviceOffset(org.vmfskit.fs.journal.Journal.LOGICAL_OFFSET);
    ranges.add(new Range("JournalHeader", journal, 0x20));
    ranges.add(new Range("JournalRecord", journal + org.vmfskit.fs.journal.JournalHeader.SIZE, 0x40));
    try (Vmfs fs = Vmfs.open(new ReadOnlyBlockDevice(device))) {
      Volume volume = fs.volume();
      long blockSize = volume.geometry().blockSize();
      for (ResourceKind kind : ResourceKind.values()) {
        long fileStart = volume.geometry().blockDeviceOffset(volume.resourceFileBlocks(kind)[0]);
        ranges.add(new Range("ResourceHeader of " + kind.fileName(), fileStart, ResourceHeader.SIZE));
        long cluster0 = fileStart + volume.resourceHeader(kind).clusterGroupOffset();
        ranges.add(new Range("ClusterHeader 0 of " + kind.fileName(), cluster0, 0x230));
      }
      for (long i = 0; i < volume.fdCount(); i++) {
        FileDescriptorAddr address = volume.fdAddressOf(i);
        ByteBuffer slot = volume.readFdSlot(address);
        if (FileDescriptor.isLiveSlot(slot, 0)) {
          long offset = volume.fdDeviceOffset(address);
          ranges.add(new Range("FD " + address + " lock", offset, 0x10));
          ranges.add(new Range("FD " + address + " metadata", offset + 0x200, 0x90));
          ranges.add(new Range("FD " + address + " data", offset + 0x400, 0x40));
          FileDescriptor fd = volume.readFd(address);
          if (fd.zla() == org.vmfskit.fs.format.AddressingMode.POINTER_BLOCKS) {
            for (int raw : fd.addresses()) {
              if (raw != 0) {
                ranges.add(new Range("PB " + Integer.toHexString(raw) + " of FD " + address, volume.pointerBlockDeviceOffset(raw, "test", -1), 0x40));
              }
            }
          }
        }
      }
      for (String dir : List.of("/", "/dir")) {
        VmfsFile file = fs.openFile(fs.stat(dir).address());
        for (Extent extent : file.extents(0, file.size())) {
          ranges.add(new Range("directory " + dir + " content", extent.deviceOffset(), (int) Math.min(extent.length(), 6 * 140)));
        }
      }
    }
    return ranges;
  }

  /**
   * Opens the image read-only and does everything a user would: lists every directory (bounded,
   * with a visited set), reads every file (at most 2 MiB at each end), reads links, checks.
   * Checked exceptions are the expected outcome of damage and are swallowed here; anything else
   * escapes to the test.
   */
  static void exercise(BlockDevice device) throws IOException {
    try (Vmfs fs = Vmfs.open(new ReadOnlyBlockDevice(device))) {
      IntOpenHashSet visited = new IntOpenHashSet();
      int[] budget = {MAX_ENTRIES};
      try {
        walk(fs, "/", visited, budget, 0);
      } catch (IOException e) {
        // damage found while walking: fine
      }
      VolumeChecker.check(fs);
    }
  }

  private static void walk(Vmfs fs, String dir, IntOpenHashSet visited, int[] budget, int depth) throws IOException {
    if (depth > 64) {
      return;
    }
    for (FileStat stat : fs.list(dir)) {
      if (--budget[0] < 0 || !visited.add(stat.address().raw())) {
        continue;
      }
      String path = Vmfs.join(dir, stat.name());
      try {
        if (stat.isDirectory()) {
          walk(fs, path, visited, budget, depth + 1);
        } else if (stat.isSymlink()) {
          fs.readLink(path);
        } else {
          VmfsFile file = fs.openFile(stat.address());
          long size = file.size();
          read(file, 0, Math.min(size, MAX_READ));
          read(file, Math.max(0, size - MAX_READ), Math.min(size, MAX_READ));
        }
      } catch (IOException e) {
        // one damaged file or directory: go on with the others
      }
    }
  }

  private static void read(VmfsFile file, long pos, long length) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate((int) length);
    file.read(pos, buffer);
  }
}
