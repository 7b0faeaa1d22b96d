package org.vmfskit.fs.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.NotDirectoryException;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.vmfskit.fs.volume.VmfsVersion;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.format.DirEntry;
import org.vmfskit.fs.format.FileDescriptor;
import org.vmfskit.fs.format.FileDescriptorAddr;
import org.vmfskit.fs.format.FileType;
import org.vmfskit.fs.format.LittleEndian;
import org.vmfskit.fs.format.LockBlock;
import org.vmfskit.fs.volume.Geometry;
import org.vmfskit.fs.volume.MetadataTransaction;
import org.vmfskit.fs.volume.ResourceKind;
import org.vmfskit.fs.volume.Volume;
import org.vmfskit.fs.volume.VolumeInfo;

/**
 * VMFS5 (and VMFS3, read-only) behind the format seam: 2 KiB FDs with 256 32-bit addresses,
 * pointer blocks in {@code .pbc.sf}, packed 140-byte directory entries ({@link Directory}), and
 * vmfskit's metadata journal in the first 2 MiB of the volume ({@link Volume}).
 */
final class Vmfs5Format implements VolumeFormat {

  private final Volume volume;

  Vmfs5Format(Volume volume) {
    this.volume = volume;
  }

  /** Returns the VMFS5 volume (for the VMFS5-only checker, repairer and recovery). */
  Volume volume() {
    return volume;
  }

  @Override
  public VmfsVersion version() {
    return volume.lvmHeader().majorVersion() == 3 ? VmfsVersion.VMFS3 : VmfsVersion.VMFS5;
  }

  @Override
  public BlockDevice device() {
    return volume.device();
  }

  @Override
  public boolean isReadOnly() {
    return volume.isReadOnly();
  }

  @Override
  public String label() {
    return volume.fsDescriptor().label();
  }

  @Override
  public String fsUuid() {
    return volume.fsDescriptor().fsUuid().toString();
  }

  @Override
  public long blockSize() {
    return volume.geometry().blockSize();
  }

  @Override
  public VolumeInfo info() throws IOException {
    return volume.info();
  }

  @Override
  public ReentrantReadWriteLock lock() {
    return volume.lock();
  }

  @Override
  public <T> T read(IoSupplier<T> body) throws IOException {
    Lock lock = volume.lock().readLock();
    lock.lock();
    try {
      return body.get();
    } finally {
      lock.unlock();
    }
  }

  /**
   * If the body fails part-way, what it wrote (including its own clean-up) is still committed, as
   * it would be without a journal.
   */
  @Override
  public <T> T change(IoSupplier<T> body) throws IOException {
    Lock lock = volume.lock().writeLock();
    lock.lock();
    try {
      volume.beginChange();
      T result;
      try {
        result = body.get();
      } catch (IOException | RuntimeException | Error e) {
        try {
          volume.endChange();
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
      volume.endChange();
      return result;
    } finally {
      volume.afterCommit();
      lock.unlock();
    }
  }

  @Override
  public FileStat stat(FileDescriptorAddr address, String name) throws IOException {
    return FileStat.of(name, address, volume.readFd(address));
  }

  @Override
  public Vmfs5File content(FileDescriptorAddr address, String path) {
    return new Vmfs5File(volume, address, path);
  }

  @Override
  public Directory directory(FileDescriptorAddr address, String path) throws IOException {
    FileDescriptor fd = volume.readFd(address);
    if (!fd.isDirectory()) {
      throw new NotDirectoryException(path);
    }
    return Directory.read(new Vmfs5File(volume, address, path), volume.fdDeviceOffset(address));
  }

  @Override
  public FileDescriptorAddr createNode(FileType type, long mode, FileDescriptorAddr parent, byte[] content, String path) throws IOException {
    // Begun before allocating, so a read-only volume refuses before its bitmap changes in memory.
    MetadataTransaction txn = volume.begin();
    // The FD is committed before anything names it.
    FileDescriptorAddr address = volume.fdAddressOf(volume.allocate(ResourceKind.FILE_DESCRIPTOR));
    long slot = volume.fdDeviceOffset(address);
    long generation = nextGeneration(address);
    long now = System.currentTimeMillis() / 1000;
    FileDescriptor fd = FileDescriptor.fresh(address.raw(), slot - Geometry.deviceOffset(0), generation, type, mode, volume.geometry().blockSize(), now);
    if (type == FileType.DIRECTORY) {
      fd = fd.withNlink(2);
    }
    volume.writeFd(txn, fd);
    txn.commit();
    Vmfs5File file = new Vmfs5File(volume, address, path);
    try {
      if (type == FileType.DIRECTORY) {
        ByteBuffer dots = ByteBuffer.allocate(2 * DirEntry.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        new DirEntry(FileType.DIRECTORY, address.raw(), generation, ".").encode(dots, 0);
        new DirEntry(FileType.DIRECTORY, parent.raw(), volume.readFd(parent).generation(), "..").encode(dots, DirEntry.SIZE);
        file.write(0, dots);
      } else if (content != null) {
        file.write(0, ByteBuffer.wrap(content));
      }
    } catch (IOException e) {
      try {
        file.release();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    return address;
  }

  /** Returns the generation after the one a freed slot last held, so a stale entry never matches. */
  private long nextGeneration(FileDescriptorAddr address) throws IOException {
    ByteBuffer slot = volume.readFdSlot(address);
    if (LittleEndian.u32(slot, 0) == LockBlock.MAGIC_FD) {
      long old = FileDescriptor.generationOf(slot);
      return old >= 0xFFFFFFFFL ? 1 : old + 1;
    }
    return 1;
  }

  @Override
  public void setLinkCount(FileDescriptorAddr address, long nlink) throws IOException {
    FileDescriptor fd = volume.readFd(address);
    MetadataTransaction txn = volume.begin();
    volume.writeFd(txn, fd.withNlink(nlink));
    txn.commit();
  }

  @Override
  public void flush() throws IOException {
    volume.flush();
  }

  @Override
  public void close() throws IOException {
    volume.close();
  }
}
