package org.vmfskit.fs.format;

import com.google.common.base.Preconditions;

/**
 * A PB2 address (pointer block kept in {@code .pb2.sf}); vmfskit reads past none of them and
 * reports ZLA 5 files as unsupported.
 *
 * @param cluster the cluster, 22 bits
 * @param resource the resource within the cluster, 0-15
 * @param cow the COW flag (bit 5)
 */
public record PointerBlock2Addr(int cluster, int resource, boolean cow) implements BlockAddress {

  /** Checks the field widths. */
  public PointerBlock2Addr {
    Preconditions.checkArgument(cluster >= 0 && cluster < 1 << 22, "cluster %s out of range", cluster);
    Preconditions.checkArgument(resource >= 0 && resource < 16, "resource %s out of range", resource);
  }

  @Override
  public int raw() {
    return resource << 28 | cluster << 6 | (cow ? 0x20 : 0) | TYPE_PB2;
  }

  @Override
  public String toString() {
    return "PB2 c" + cluster + " r" + resource;
  }
}
