package org.vmfskit.fs.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.locks.Lock;
import org.vmfskit.fs.device.FileChannelBlockDevice;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.format.AddressingMode;
import org.vmfskit.fs.format.DirEntry;
import org.vmfskit.fs.format.FileBlockAddr;
import org.vmfskit.fs.format.FileDescriptor;
import org.vmfskit.fs.format.FileDescriptorAddr;
import org.vmfskit.fs.format.FileType;
import org.vmfskit.fs.volume.FormatOptions;
import org.vmfskit.fs.volume.Geometry;
import org.vmfskit.fs.volume.MetadataTransaction;
import org.vmfskit.fs.volume.ResourceKind;
import org.vmfskit.fs.volume.Volume;

/**
 * Rewrites a volume's {@code .sdd.sf} and root the way an ESXi-made VMFS5 volume has them, from the
 * facts of the format reference alone (vmfs5-format.md 2.1, 3.1; vmfs6-format.md on the mode) and
 * through the format records, so a test does not depend on what vmfskit's own mkfs writes:
 * <ul>
 *   <li>{@code .sdd.sf} is FD 0x01C00004 (c0 r7), type 5 (system) with mode 040700 (S_IFDIR, the
 *       only system mode with type bits), nlink 2, one file block holding "." and "..";
 *   <li>its root entry has type 5;
 *   <li>the root's nlink counts it as a subdirectory: 2 + the user directories + 1 (an ESXi root
 *       with one user directory has nlink 4).
 * </ul>
 */
public final class EsxiLayout {

  /** The {@code .sdd.sf} FD (format reference 2.1). */
  public static final FileDescriptorAddr SDD = new FileDescriptorAddr(0, 7);
  /** Its mode on ESXi volumes: S_IFDIR | 0700. */
  public static final long SDD_MODE = 040700;

  private EsxiLayout() {}

  /**
   * Formats {@code image} as a 256 MiB volume holding {@code /vm/disk.vmdk} (3000 bytes) and lays it
   * out as ESXi does, so the root has nlink 4; returns the image.
   */
  public static Path formatImage(Path image) throws IOException {
    FormatOptions options = Images.options(256 * Images.MIB);
    try (Vmfs vmfs = Vmfs.format(FileChannelBlockDevice.create(image, options.imageBytes()), options)) {
      vmfs.mkdir("/vm");
      Images.createWith(vmfs, "/vm/disk.vmdk", Images.content(1, 3000));
      applyTo(vmfs);
    }
    return image;
  }

  /** Lays out {@code .sdd.sf} and the root's link count as ESXi does; returns the block given to {@code .sdd.sf}. */
  public static long applyTo(Vmfs vmfs) throws IOException {
    Volume volume = vmfs.volume();
    long blockSize = volume.geometry().blockSize();
    Lock lock = volume.lock().writeLock();
    lock.lock();
    try {
      MetadataTransaction txn = volume.begin();
      FileDescriptor old = volume.readFd(SDD);
      if (old.zla() == AddressingMode.FILE_BLOCKS) {
        for (int raw : old.addresses()) {
          if (raw != 0) {
            txn.free(ResourceKind.FILE_BLOCK, FileBlockAddr.blockOf(raw));
          }
        }
      }
      long block = volume.allocateRun(0, 1)[0];
      ByteBuffer dots = ByteBuffer.allocate(2 * DirEntry.SIZE).order(ByteOrder.LITTLE_ENDIAN);
      new DirEntry(FileType.SYSTEM, SDD.raw(), 1, ".").encode(dots, 0);
      new DirEntry(FileType.DIRECTORY, FileDescriptorAddr.ROOT.raw(), 1, "..").encode(dots, DirEntry.SIZE);
      txn.write(volume.geometry().blockDeviceOffset(block), dots);
      long slot = volume.fdDeviceOffset(SDD) - Geometry.deviceOffset(0);
      volume.writeFd(txn, FileDescriptor.fresh(SDD.raw(), slot, 1, FileType.SYSTEM, SDD_MODE, blockSize, Images.TIME)
          .withNlink(2)
          .withLayout(dots.capacity(), blockSize, AddressingMode.FILE_BLOCKS, 1, 0,
              FileDescriptor.dataOf(new int[] {FileBlockAddr.rawOf((int) block, false)})));

      FileDescriptor root = volume.readFd(FileDescriptorAddr.ROOT);
      long rootContent = volume.geometry().blockDeviceOffset(FileBlockAddr.blockOf(root.address(0)));
      List<DirEntry> slots = vmfs.slots(FileDescriptorAddr.ROOT);
      long userDirectories = 0;
      for (int i = 0; i < slots.size(); i++) {
        DirEntry entry = slots.get(i);
        if (entry == null || entry.name().equals(".") || entry.name().equals("..")) {
          continue;
        }
        if (entry.name().equals(".sdd.sf")) {
          ByteBuffer retyped = ByteBuffer.allocate(DirEntry.SIZE).order(ByteOrder.LITTLE_ENDIAN);
          new DirEntry(FileType.SYSTEM, SDD.raw(), entry.generation(), ".sdd.sf").encode(retyped, 0);
          txn.write(rootContent + (long) i * DirEntry.SIZE, retyped);
        } else if (entry.type() == FileType.DIRECTORY) {
          userDirectories++;
        }
      }
      volume.writeFd(txn, root.withNlink(2 + userDirectories + 1));
      txn.commit();
      volume.flush();
      return block;
    } finally {
      volume.afterCommit();
      lock.unlock();
    }
  }
}
