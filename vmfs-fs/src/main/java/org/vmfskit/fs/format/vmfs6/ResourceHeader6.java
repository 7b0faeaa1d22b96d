package org.vmfskit.fs.format.vmfs6;

import java.nio.ByteBuffer;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.LittleEndian;

/**
 * The VMFS6 resource-file header at offset 0 of {@code .fbb.sf} (LFB level; its SFB level at
 * +childMetaOffset), {@code .fdc.sf}, {@code .pbc.sf}, {@code .sbc.sf}, {@code .pb2.sf} and
 * {@code .jbc.sf} (FS3_ResFileMetadata in dissect.vmfs; vmfs6-format.md sections 6.1, 6.4 [V]).
 * <pre>
 * off   size type  field                meaning / valid range
 * 0x00  4    u32   resourcesPerCluster  rpc; 0 only in the empty .pbc.sf
 * 0x04  4    u32   clustersPerGroup     cpg, 1..65536
 * 0x08  4    u32   clusterGroupOffset   cgOff: file offset of group 0 (0x10000), multiple of mdA
 * 0x0C  4    u32   resourceSize         bytes per resource (0 on the SFB level)
 * 0x10  4    u32   clusterGroupSize     = cpg x 2 x mdA + cpg x rpc x resourceSize
 * 0x14  4    u32   numResourcesLo       low half of the resource count
 * 0x18  4    u32   numClusterGroups     ceil(ceil(numResources / rpc) / cpg) (+1 tolerated)
 * 0x1C  4    u32   numResourcesHi       high half
 * 0x20  4    u32   signature            'rfmd' 0x72666D64 (dissect refuses the volume without it)
 * 0x24  4    u32   version              1
 * 0x28  4    u32   flags                LFB 0x35, SFB 0x2A, FDC/SBC/PBC/PB2 0x04, JBC 0
 * 0x2C  2    u16   affinityPerCluster   LFB 0x348, SFB 0xD8, FDC/SBC 0x100, PB2 0x20, JBC 8
 * 0x2E  2    u16   affinityPerResource  LFB 0x34, else 1
 * 0x30  4    u32   bitsPerResource      1; 2 on the SFB level, 3 on the LFB level
 * 0x34  4    u32   childMetaOffset      LFB level only: 0x1000, where the SFB header starts
 * 0x38  4    u32   parentRpc            SFB level only: the LFB level's rpc (16)
 * 0x3C  4    u32   parentCpg            SFB level only: 8
 * 0x40  4    u32   parentCgSize         SFB level only: 0x110000
 * 0x54  4    u32   convertedClusters    SFB level only: LFBs turned into SFB clusters
 * </pre>
 * Where things are (6.3), with CH = 2 x mdA: cluster c sits in group g = c div cpg at position
 * k = c mod cpg; its header at {@code cgOff + g x cgSize + k x CH}; resource (c, r) at
 * {@code cgOff + g x cgSize + cpg x CH + (k x rpc + r) x resourceSize}.
 */
public record ResourceHeader6(
    long resourcesPerCluster,
    long clustersPerGroup,
    long clusterGroupOffset,
    long resourceSize,
    long clusterGroupSize,
    long numResources,
    long numClusterGroups,
    long version,
    long flags,
    int affinityPerCluster,
    int affinityPerResource,
    int bitsPerResource,
    long childMetaOffset,
    long parentRpc,
    long parentCpg,
    long parentCgSize,
    long convertedClusters) {

  /** Bytes of the structure. */
  public static final int SIZE = 0x58;
  /** The 'rfmd' signature. */
  public static final long SIGNATURE = 0x72666D64L;
  /** flags bit: this level has a parent level (the SFB level of .fbb.sf). */
  public static final long FLAG_CHILD = 0x02;

  private static final String NAME = "ResourceHeader6";
  private static final int OFF_RPC = 0x00;
  private static final int OFF_CPG = 0x04;
  private static final int OFF_CG_OFFSET = 0x08;
  private static final int OFF_RESOURCE_SIZE = 0x0C;
  private static final int OFF_CG_SIZE = 0x10;
  private static final int OFF_NUM_RESOURCES_LO = 0x14;
  private static final int OFF_NUM_GROUPS = 0x18;
  private static final int OFF_NUM_RESOURCES_HI = 0x1C;
  private static final int OFF_SIGNATURE = 0x20;
  private static final int OFF_VERSION = 0x24;
  private static final int OFF_FLAGS = 0x28;
  private static final int OFF_AFFINITY_PER_CLUSTER = 0x2C;
  private static final int OFF_AFFINITY_PER_RESOURCE = 0x2E;
  private static final int OFF_BITS_PER_RESOURCE = 0x30;
  private static final int OFF_CHILD_META_OFFSET = 0x34;
  private static final int OFF_PARENT_RPC = 0x38;
  private static final int OFF_PARENT_CPG = 0x3C;
  private static final int OFF_PARENT_CG_SIZE = 0x40;
  private static final int OFF_CONVERTED = 0x54;
  // Cluster metadata can describe at most this many resources (bitmap bytes 0x80..0x2E0).
  private static final long MAX_RPC = 8192;

  /**
   * Returns a header of a one-level resource file with ESXi's layout rules: the cluster-group
   * size and group count follow from the other values.
   */
  public static ResourceHeader6 of(long rpc, long cpg, long resourceSize, long numResources, long flags, int affPerCluster, int bits,
      int mdAlignment) {
    long groupSize = cpg * 2 * mdAlignment + cpg * rpc * resourceSize;
    return new ResourceHeader6(rpc, cpg, 0x10000, resourceSize, groupSize, numResources, groupsFor(numResources, rpc, cpg), 1, flags,
        affPerCluster, 1, bits, 0, 0, 0, 0, 0);
  }

  /** Returns the number of clusters the resources fill. */
  public long numClusters() {
    return resourcesPerCluster == 0 ? 0 : ceilDiv(numResources, resourcesPerCluster);
  }

  /** Returns the offset in the resource file of cluster {@code cluster}'s header. */
  public long clusterHeaderOffset(long cluster, int mdAlignment) {
    return clusterGroupOffset + (cluster / clustersPerGroup) * clusterGroupSize + (cluster % clustersPerGroup) * 2L * mdAlignment;
  }

  /** Returns the offset in the resource file of resource {@code resource} of {@code cluster}. */
  public long resourceOffset(long cluster, long resource, int mdAlignment) {
    long k = cluster % clustersPerGroup;
    return clusterGroupOffset + (cluster / clustersPerGroup) * clusterGroupSize + clustersPerGroup * 2L * mdAlignment
        + (k * resourcesPerCluster + resource) * resourceSize;
  }

  /** Returns the file length that holds every resource (ESXi ends the file after the last one). */
  public long requiredFileLength(int mdAlignment) {
    long clusters = numClusters();
    if (clusters == 0) {
      return clusterGroupOffset;
    }
    long last = clusters - 1;
    long lastResource = numResources - last * resourcesPerCluster;
    return resourceOffset(last, lastResource, mdAlignment);
  }

  /**
   * Decodes the header at absolute {@code offset} of {@code src}.
   *
   * @param deviceOffset the header's image offset
   * @param file the resource file's name (and level), for messages
   * @param mdAlignment the FS descriptor's metadata alignment
   */
  public static ResourceHeader6 decode(ByteBuffer src, int offset, long deviceOffset, String file, int mdAlignment)
      throws CorruptStructureException {
    String name = NAME + " of " + file;
    long signature = LittleEndian.u32(src, offset + OFF_SIGNATURE);
    if (signature != SIGNATURE) {
      throw Corrupt.defect(name, deviceOffset + OFF_SIGNATURE, "signature", "bad signature", Corrupt.hex(SIGNATURE), Corrupt.hex(signature));
    }
    long rpc = LittleEndian.u32(src, offset + OFF_RPC);
    if (rpc > MAX_RPC) {
      throw Corrupt.range(name, deviceOffset + OFF_RPC, "resourcesPerCluster", 0, MAX_RPC, rpc);
    }
    long cpg = LittleEndian.u32(src, offset + OFF_CPG);
    if (cpg < 1 || cpg > 0x10000) {
      throw Corrupt.range(name, deviceOffset + OFF_CPG, "clustersPerGroup", 1, 0x10000, cpg);
    }
    long cgOff = LittleEndian.u32(src, offset + OFF_CG_OFFSET);
    if (cgOff < mdAlignment || cgOff % mdAlignment != 0) {
      throw Corrupt.defect(name, deviceOffset + OFF_CG_OFFSET, "clusterGroupOffset", "bad cluster-group offset", "a non-zero multiple of " + mdAlignment, cgOff);
    }
    long resourceSize = LittleEndian.u32(src, offset + OFF_RESOURCE_SIZE);
    long cgSize = LittleEndian.u32(src, offset + OFF_CG_SIZE);
    long expectedCgSize = cpg * 2 * mdAlignment + cpg * rpc * resourceSize;
    if (cgSize != expectedCgSize) {
      throw Corrupt.defect(name, deviceOffset + OFF_CG_SIZE, "clusterGroupSize", "cluster-group size disagrees with the geometry", expectedCgSize, cgSize);
    }
    long numResources = LittleEndian.u32(src, offset + OFF_NUM_RESOURCES_LO) | LittleEndian.u32(src, offset + OFF_NUM_RESOURCES_HI) << 32;
    if (rpc == 0 && numResources != 0) {
      throw Corrupt.defect(name, deviceOffset + OFF_NUM_RESOURCES_LO, "numResources", "resources without clusters (rpc 0)", 0, numResources);
    }
    long groups = LittleEndian.u32(src, offset + OFF_NUM_GROUPS);
    long needed = groupsFor(numResources, rpc, cpg);
    if (groups < needed || groups > needed + 1) {
      throw Corrupt.defect(name, deviceOffset + OFF_NUM_GROUPS, "numClusterGroups", "cluster-group count disagrees with the resource count",
          needed, groups);
    }
    int bits = (int) LittleEndian.u32(src, offset + OFF_BITS_PER_RESOURCE);
    if (bits < 1 || bits > 3) {
      throw Corrupt.range(name, deviceOffset + OFF_BITS_PER_RESOURCE, "bitsPerResource", 1, 3, bits);
    }
    return new ResourceHeader6(rpc, cpg, cgOff, resourceSize, cgSize, numResources, groups,
        LittleEndian.u32(src, offset + OFF_VERSION),
        LittleEndian.u32(src, offset + OFF_FLAGS),
        LittleEndian.u16(src, offset + OFF_AFFINITY_PER_CLUSTER),
        LittleEndian.u16(src, offset + OFF_AFFINITY_PER_RESOURCE),
        bits,
        LittleEndian.u32(src, offset + OFF_CHILD_META_OFFSET),
        LittleEndian.u32(src, offset + OFF_PARENT_RPC),
        LittleEndian.u32(src, offset + OFF_PARENT_CPG),
        LittleEndian.u32(src, offset + OFF_PARENT_CG_SIZE),
        LittleEndian.u32(src, offset + OFF_CONVERTED));
  }

  /** Encodes the header at absolute {@code offset} of {@code dst}. */
  public void encode(ByteBuffer dst, int offset) {
    LittleEndian.putU32(dst, offset + OFF_RPC, resourcesPerCluster);
    LittleEndian.putU32(dst, offset + OFF_CPG, clustersPerGroup);
    LittleEndian.putU32(dst, offset + OFF_CG_OFFSET, clusterGroupOffset);
    LittleEndian.putU32(dst, offset + OFF_RESOURCE_SIZE, resourceSize);
    LittleEndian.putU32(dst, offset + OFF_CG_SIZE, clusterGroupSize);
    LittleEndian.putU32(dst, offset + OFF_NUM_RESOURCES_LO, numResources);
    LittleEndian.putU32(dst, offset + OFF_NUM_GROUPS, numClusterGroups);
    LittleEndian.putU32(dst, offset + OFF_NUM_RESOURCES_HI, numResources >>> 32);
    LittleEndian.putU32(dst, offset + OFF_SIGNATURE, SIGNATURE);
    LittleEndian.putU32(dst, offset + OFF_VERSION, version);
    LittleEndian.putU32(dst, offset + OFF_FLAGS, flags);
    LittleEndian.putU16(dst, offset + OFF_AFFINITY_PER_CLUSTER, affinityPerCluster);
    LittleEndian.putU16(dst, offset + OFF_AFFINITY_PER_RESOURCE, affinityPerResource);
    LittleEndian.putU32(dst, offset + OFF_BITS_PER_RESOURCE, bitsPerResource);
    LittleEndian.putU32(dst, offset + OFF_CHILD_META_OFFSET, childMetaOffset);
    LittleEndian.putU32(dst, offset + OFF_PARENT_RPC, parentRpc);
    LittleEndian.putU32(dst, offset + OFF_PARENT_CPG, parentCpg);
    LittleEndian.putU32(dst, offset + OFF_PARENT_CG_SIZE, parentCgSize);
    LittleEndian.putU32(dst, offset + OFF_CONVERTED, convertedClusters);
  }

  private static long groupsFor(long numResources, long rpc, long cpg) {
    return rpc == 0 ? 0 : ceilDiv(ceilDiv(numResources, rpc), cpg);
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }
}
