package org.vmfskit.fs.volume;

import org.vmfskit.fs.format.FileDescriptorAddr;
import org.vmfskit.fs.format.LockBlock;

/**
 * The four resource files that hold everything allocatable, with the limits vmfs-tools enforces
 * when opening.
 */
public enum ResourceKind {
  /** File blocks: the bitmap in {@code .fbb.sf}; the blocks themselves are the volume. */
  FILE_BLOCK(".fbb.sf", new FileDescriptorAddr(0, 1), LockBlock.MAGIC_FBB, 0x1F0 * 8, 1L << 26),
  /** File descriptors, 2 KiB each, in {@code .fdc.sf}. */
  FILE_DESCRIPTOR(".fdc.sf", new FileDescriptorAddr(0, 2), LockBlock.MAGIC_FDC, 1024, 65536L * 1024),
  /** Pointer blocks (MAPs), 4 KiB each, in {@code .pbc.sf}. */
  POINTER_BLOCK(".pbc.sf", new FileDescriptorAddr(0, 3), LockBlock.MAGIC_PBC, 16, (1L << 22) * 16),
  /** Sub-blocks, 8 KiB each on VMFS5, in {@code .sbc.sf}. */
  SUB_BLOCK(".sbc.sf", new FileDescriptorAddr(0, 4), LockBlock.MAGIC_SBC, 64, (1L << 22) * 64);

  private final String fileName;
  private final FileDescriptorAddr fdAddress;
  private final long clusterMagic;
  private final long maxResourcesPerCluster;
  private final long maxResources;

  ResourceKind(String fileName, FileDescriptorAddr fdAddress, long clusterMagic, long maxResourcesPerCluster, long maxResources) {
    this.fileName = fileName;
    this.fdAddress = fdAddress;
    this.clusterMagic = clusterMagic;
    this.maxResourcesPerCluster = maxResourcesPerCluster;
    this.maxResources = maxResources;
  }

  /** Returns the system file's name in the root directory. */
  public String fileName() {
    return fileName;
  }

  /** Returns the fixed FD address of the system file. */
  public FileDescriptorAddr fdAddress() {
    return fdAddress;
  }

  /** Returns the lock magic of this kind's cluster headers. */
  public long clusterMagic() {
    return clusterMagic;
  }

  /** Returns the largest resources-per-cluster accepted. */
  public long maxResourcesPerCluster() {
    return maxResourcesPerCluster;
  }

  /** Returns the largest resource count accepted. */
  public long maxResources() {
    return maxResources;
  }
}
