package org.vmfskit.fs.format;

import com.google.common.base.Preconditions;

/**
 * A pointer-block ("MAP") address: resource {@code resource} of cluster {@code cluster} in
 * {@code .pbc.sf}. A MAP holds the addresses of up to 1024 file blocks (or, in a double-indirect
 * file, of further MAPs).
 *
 * @param cluster the cluster, 22 bits
 * @param resource the resource within the cluster, 0-15
 * @param cow the COW flag (bit 5)
 */
public record PointerBlockAddr(int cluster, int resource, boolean cow) implements BlockAddress {

  /** Checks the field widths. */
  public PointerBlockAddr {
    Preconditions.checkArgument(cluster >= 0 && cluster < 1 << 22, "cluster %s out of range", cluster);
    Preconditions.checkArgument(resource >= 0 && resource < 16, "resource %s out of range", resource);
  }

  /** Returns the address of (cluster, resource) with no flags. */
  public static PointerBlockAddr of(int cluster, int resource) {
    return new PointerBlockAddr(cluster, resource, false);
  }

  /** Returns the cluster of a raw PB or PB2 address. */
  public static int clusterOf(int raw) {
    return (raw >>> 6) & 0x3FFFFF;
  }

  /** Returns the resource of a raw PB or PB2 address. */
  public static int resourceOf(int raw) {
    return raw >>> 28;
  }

  /** Returns the raw PB address of (cluster, resource). */
  public static int rawOf(int cluster, int resource) {
    return resource << 28 | cluster << 6 | TYPE_PB;
  }

  @Override
  public int raw() {
    return rawOf(cluster, resource) | (cow ? 0x20 : 0);
  }

  @Override
  public String toString() {
    return "PB c" + cluster + " r" + resource;
  }
}
