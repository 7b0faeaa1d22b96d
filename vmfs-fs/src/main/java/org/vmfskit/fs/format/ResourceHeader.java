package org.vmfskit.fs.format;

import java.nio.ByteBuffer;

/**
 * The header at offset 0 of a resource file ({@code .fbb.sf}, {@code .fdc.sf}, {@code .pbc.sf},
 * {@code .sbc.sf}); FS3_ResFileMetadata in dissect.vmfs, "bitmap header" in vmfs-tools.
 * <pre>
 * off   size type  field                meaning / valid range
 * 0x00  4    u32   resourcesPerCluster  ipe; 1 to 3968 (bits of a cluster bitmap)
 * 0x04  4    u32   clustersPerGroup     epa; at least 1
 * 0x08  4    u32   clusterGroupOffset   file offset of group 0 (0x10000)
 * 0x0C  4    u32   resourceSize         bytes per resource; 0 for .fbb.sf
 * 0x10  4    u32   clusterGroupSize     epa x 0x400 + epa x ipe x resourceSize
 * 0x14  4    u32   numResources         total resources
 * 0x18  4    u32   numClusterGroups     groups in the file
 * </pre>
 * Fields from 0x1C on (numResourcesHi, 'rfmd' signature, version, flags) are zero in vmfskit's
 * volumes, as on the VMFS3 sample; what ESXi writes there on VMFS5 is unsure.
 */
public record ResourceHeader(
    long resourcesPerCluster,
    long clustersPerGroup,
    long clusterGroupOffset,
    long resourceSize,
    long clusterGroupSize,
    long numResources,
    long numClusterGroups) {

  /** Bytes of the structure as read. */
  public static final int SIZE = 0x40;
  /** Bytes of one cluster header. */
  public static final int CLUSTER_HEADER_SIZE = 0x400;
  /** Most resources one cluster bitmap can describe (0x1F0 bitmap bytes). */
  public static final long MAX_RESOURCES_PER_CLUSTER = 0x1F0 * 8;

  private static final String NAME = "ResourceHeader";
  private static final int OFF_IPE = 0x00;
  private static final int OFF_EPA = 0x04;
  private static final int OFF_GROUP_OFFSET = 0x08;
  private static final int OFF_RESOURCE_SIZE = 0x0C;
  private static final int OFF_GROUP_SIZE = 0x10;
  private static final int OFF_NUM_RESOURCES = 0x14;
  private static final int OFF_NUM_GROUPS = 0x18;

  /** Returns the number of clusters needed for all resources. */
  public long numClusters() {
    return (numResources + resourcesPerCluster - 1) / resourcesPerCluster;
  }

  /** Returns the offset in the resource file of cluster header {@code cluster}. */
  public long clusterHeaderOffset(long cluster) {
    return clusterGroupOffset + (cluster / clustersPerGroup) * clusterGroupSize + (cluster % clustersPerGroup) * CLUSTER_HEADER_SIZE;
  }

  /** Returns the offset in the resource file of resource {@code resource} of {@code cluster}. */
  public long resourceOffset(long cluster, long resource) {
    long index = cluster * resourcesPerCluster + resource;
    long perGroup = clustersPerGroup * resourcesPerCluster;
    return clusterGroupOffset
        + (index / perGroup) * clusterGroupSize
        + clustersPerGroup * CLUSTER_HEADER_SIZE
        + (index % perGroup) * resourceSize;
  }

  /** Returns the length a resource file needs to hold every resource. */
  public long requiredFileLength() {
    return clusterGroupOffset + numClusterGroups * clusterGroupSize;
  }

  /**
   * Decodes the header of a resource file whose header sits at image offset {@code deviceOffset}.
   *
   * @param file the resource file's name, for messages
   * @param maxResourcesPerCluster the largest ipe accepted for this resource kind
   * @param expectedResourceSize the resource size this kind must have, or -1 to accept any
   */
  public static ResourceHeader decode(
      ByteBuffer src, long deviceOffset, String file, long maxResourcesPerCluster, long expectedResourceSize)
      throws CorruptStructureException {
    String name = NAME + " of " + file;
    long ipe = LittleEndian.u32(src, OFF_IPE);
    long epa = LittleEndian.u32(src, OFF_EPA);
    long groupOffset = LittleEndian.u32(src, OFF_GROUP_OFFSET);
    long resourceSize = LittleEndian.u32(src, OFF_RESOURCE_SIZE);
    long groupSize = LittleEndian.u32(src, OFF_GROUP_SIZE);
    long total = LittleEndian.u32(src, OFF_NUM_RESOURCES);
    long groups = LittleEndian.u32(src, OFF_NUM_GROUPS);
    if (ipe < 1 || ipe > Math.min(maxResourcesPerCluster, MAX_RESOURCES_PER_CLUSTER)) {
      throw Corrupt.range(name, deviceOffset + OFF_IPE, "resourcesPerCluster", 1, Math.min(maxResourcesPerCluster, MAX_RESOURCES_PER_CLUSTER), ipe);
    }
    if (epa < 1 || epa > 0x10000) {
      throw Corrupt.range(name, deviceOffset + OFF_EPA, "clustersPerGroup", 1, 0x10000, epa);
    }
    if (groupOffset < SIZE || groupOffset % 512 != 0) {
      throw Corrupt.defect(name, deviceOffset + OFF_GROUP_OFFSET, "clusterGroupOffset", "bad cluster-group offset", "a multiple of 512 of at least 0x40", groupOffset);
    }
    if (expectedResourceSize >= 0 && resourceSize != expectedResourceSize) {
      throw Corrupt.field(name, deviceOffset + OFF_RESOURCE_SIZE, "resourceSize", expectedResourceSize, resourceSize);
    }
    long expectedGroupSize = epa * CLUSTER_HEADER_SIZE + epa * ipe * resourceSize;
    if (groupSize != expectedGroupSize) {
      throw Corrupt.defect(name, deviceOffset + OFF_GROUP_SIZE, "clusterGroupSize", "cluster-group size disagrees with the geometry", expectedGroupSize, groupSize);
    }
    if (groups < 1 || total < 1 || total > groups * epa * ipe) {
      throw Corrupt.defect(name, deviceOffset + OFF_NUM_RESOURCES, "numResources", "resource count does not fit the cluster groups", "1.." + groups * epa * ipe, total);
    }
    if (groups > (total + epa * ipe - 1) / (epa * ipe) + 1) {
      throw Corrupt.defect(name, deviceOffset + OFF_NUM_GROUPS, "numClusterGroups", "more cluster groups than the resources need", "at most " + ((total + epa * ipe - 1) / (epa * ipe) + 1), groups);
    }
    return new ResourceHeader(ipe, epa, groupOffset, resourceSize, groupSize, total, groups);
  }

  /** Encodes the header into the first {@link #SIZE} bytes of {@code dst}. */
  public void encode(ByteBuffer dst) {
    LittleEndian.putU32(dst, OFF_IPE, resourcesPerCluster);
    LittleEndian.putU32(dst, OFF_EPA, clustersPerGroup);
    LittleEndian.putU32(dst, OFF_GROUP_OFFSET, clusterGroupOffset);
    LittleEndian.putU32(dst, OFF_RESOURCE_SIZE, resourceSize);
    LittleEndian.putU32(dst, OFF_GROUP_SIZE, clusterGroupSize);
    LittleEndian.putU32(dst, OFF_NUM_RESOURCES, numResources);
    LittleEndian.putU32(dst, OFF_NUM_GROUPS, numClusterGroups);
  }
}
