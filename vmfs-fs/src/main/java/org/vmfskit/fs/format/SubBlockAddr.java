package org.vmfskit.fs.format;

import com.google.common.base.Preconditions;

/**
 * A sub-block address: resource {@code resource} of cluster {@code cluster} in {@code .sbc.sf}.
 * VMFS5 (DENSE_SBPC) keeps resource bits 4-5 in address bits 3-4, allowing 64 per cluster.
 *
 * @param cluster the cluster, 22 bits
 * @param resource the resource within the cluster, 0-63
 * @param cow the COW flag (bit 5)
 */
public record SubBlockAddr(int cluster, int resource, boolean cow) implements BlockAddress {

  /** Checks the field widths. */
  public SubBlockAddr {
    Preconditions.checkArgument(cluster >= 0 && cluster < 1 << 22, "cluster %s out of range", cluster);
    Preconditions.checkArgument(resource >= 0 && resource < 64, "resource %s out of range", resource);
  }

  /** Returns the address of (cluster, resource) with no flags. */
  public static SubBlockAddr of(int cluster, int resource) {
    return new SubBlockAddr(cluster, resource, false);
  }

  static SubBlockAddr fromRaw(int raw) {
    return new SubBlockAddr(clusterOf(raw), resourceOf(raw), (raw & 0x20) != 0);
  }

  /** Returns the cluster of a raw SB address. */
  public static int clusterOf(int raw) {
    return (raw >>> 6) & 0x3FFFFF;
  }

  /** Returns the resource of a raw SB address, including the dense high bits. */
  public static int resourceOf(int raw) {
    return (raw >>> 28) | ((raw >>> 3) & 3) << 4;
  }

  @Override
  public int raw() {
    return (resource & 0xF) << 28 | cluster << 6 | (cow ? 0x20 : 0) | (resource >>> 4) << 3 | TYPE_SB;
  }

  @Override
  public String toString() {
    return "SB c" + cluster + " r" + resource;
  }
}
