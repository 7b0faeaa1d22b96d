package org.vmfskit.fs.nio;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileStoreAttributeView;
import java.nio.file.attribute.PosixFileAttributeView;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.volume.VolumeInfo;

/**
 * The one store of a VMFS file system: the datastore, named by its label (or UUID), type
 * {@code vmfs5}; total space is all file blocks, usable and unallocated space the free ones.
 */
final class VmfsFileStore extends FileStore {

  private final Vmfs vmfs;
  private final boolean readOnly;

  VmfsFileStore(Vmfs vmfs, boolean readOnly) {
    this.vmfs = vmfs;
    this.readOnly = readOnly;
  }

  @Override
  public String name() {
    String label = vmfs.label();
    return label.isEmpty() ? vmfs.fsUuid() : label;
  }

  @Override
  public String type() {
    return vmfs.version().id();
  }

  @Override
  public boolean isReadOnly() {
    return readOnly;
  }

  @Override
  public long getTotalSpace() throws IOException {
    VolumeInfo info = vmfs.info();
    return info.blocks() * info.blockSize();
  }

  @Override
  public long getUsableSpace() throws IOException {
    return getUnallocatedSpace();
  }

  @Override
  public long getUnallocatedSpace() throws IOException {
    VolumeInfo info = vmfs.info();
    return info.freeBlocks() * info.blockSize();
  }

  @Override
  public long getBlockSize() {
    return vmfs.blockSize();
  }

  @Override
  public boolean supportsFileAttributeView(Class<? extends FileAttributeView> type) {
    return type == BasicFileAttributeView.class || type == PosixFileAttributeView.class || type == VmfsFileAttributeView.class;
  }

  @Override
  public boolean supportsFileAttributeView(String name) {
    return name.equals("basic") || name.equals("posix") || name.equals("vmfs");
  }

  @Override
  public <V extends FileStoreAttributeView> V getFileStoreAttributeView(Class<V> type) {
    return null;
  }

  @Override
  public Object getAttribute(String attribute) throws IOException {
    return switch (attribute) {
      case "totalSpace" -> getTotalSpace();
      case "usableSpace" -> getUsableSpace();
      case "unallocatedSpace" -> getUnallocatedSpace();
      default -> throw new UnsupportedOperationException("no file store attribute '" + attribute + "'");
    };
  }

  @Override
  public String toString() {
    return name() + " (" + type() + ")";
  }
}
