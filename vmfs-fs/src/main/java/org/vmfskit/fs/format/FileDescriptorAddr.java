package org.vmfskit.fs.format;

import com.google.common.base.Preconditions;

/**
 * A file-descriptor address: slot {@code resource} of cluster {@code cluster} in {@code .fdc.sf}.
 * The root directory is always {@code 0x4} (cluster 0, resource 0).
 *
 * @param cluster the cluster, 16 bits
 * @param resource the slot within the cluster, 10 bits
 */
public record FileDescriptorAddr(int cluster, int resource) implements BlockAddress {

  /** The root directory's address. */
  public static final FileDescriptorAddr ROOT = new FileDescriptorAddr(0, 0);

  /** Checks the field widths. */
  public FileDescriptorAddr {
    Preconditions.checkArgument(cluster >= 0 && cluster < 1 << 16, "cluster %s out of range", cluster);
    Preconditions.checkArgument(resource >= 0 && resource < 1 << 10, "resource %s out of range", resource);
  }

  static FileDescriptorAddr fromRaw(int raw) {
    return new FileDescriptorAddr((raw >>> 6) & 0xFFFF, raw >>> 22);
  }

  /** Decodes a raw value that must be an FD address. */
  public static FileDescriptorAddr decodeFd(int raw, String structure, long deviceOffset)
      throws CorruptStructureException {
    if (BlockAddress.typeOf(raw) != TYPE_FD) {
      throw Corrupt.defect(structure, deviceOffset, "address", "not a file-descriptor address", "type 4", Corrupt.hex(raw & 0xFFFFFFFFL));
    }
    return fromRaw(raw);
  }

  @Override
  public int raw() {
    return resource << 22 | cluster << 6 | TYPE_FD;
  }

  @Override
  public String toString() {
    return "FD c" + cluster + " r" + resource + " (" + Corrupt.hex(raw() & 0xFFFFFFFFL) + ")";
  }
}
