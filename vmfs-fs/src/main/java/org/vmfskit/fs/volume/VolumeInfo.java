package org.vmfskit.fs.volume;

import java.util.List;

/**
 * A summary of a volume, as {@code vmfs info} shows it.
 *
 * @param lvmMajor LVM major version
 * @param fsMajor FS descriptor major version (14 = VMFS5)
 * @param fsMinor FS descriptor minor version
 * @param label the datastore label
 * @param fsUuid the datastore UUID
 * @param lvmUuid the LVM volume UUID
 * @param volumeBytes logical volume size
 * @param blockSize file-block size
 * @param subBlockSize sub-block size
 * @param addressesPerMap addresses per pointer block
 * @param blocks file blocks
 * @param freeBlocks free file blocks
 * @param creationTime unix seconds
 * @param resources usage of each resource file
 * @param journal the state of the metadata journal, in words
 */
public record VolumeInfo(
    int lvmMajor, int fsMajor, int fsMinor, String label, String fsUuid, String lvmUuid, long volumeBytes,
    long blockSize, long subBlockSize, int addressesPerMap, long blocks, long freeBlocks, long creationTime,
    List<ResourceUsage> resources, String journal) {

  /**
   * The usage of one resource file.
   *
   * @param file its name
   * @param total resources in all
   * @param free resources free
   */
  public record ResourceUsage(String file, long total, long free) {}
}
