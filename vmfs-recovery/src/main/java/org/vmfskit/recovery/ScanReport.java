package org.vmfskit.recovery;

import java.util.List;

/**
 * What a recovery scan found: every accepted candidate delta with its evidence, every rejected
 * one with the reason, and how much of the image was read to find them.
 *
 * @param image name of the scanned image
 * @param imageBytes image length
 * @param volumeBytes logical volume size
 * @param blockSize file-block size
 * @param bytesRead bytes read from the image by the scan (headers, bitmaps, MAPs, grain tables)
 * @param bytesReadPercent {@code bytesRead} as a percentage of {@code volumeBytes}
 * @param elapsedMillis wall-clock time of the scan
 * @param freeMapsExamined pointer blocks marked free in {@code .pbc.sf}
 * @param freeMapsEmpty free pointer blocks whose entries were all zero (wiped or never used)
 * @param freeFdsExamined free FD slots looked at for leftover block addresses
 * @param freeBlocksCarved free file blocks whose first bytes were tested for a delta magic
 * @param candidates accepted candidate deltas
 * @param rejected candidates that were not deltas or were too damaged, with the reason
 * @param findings volume-level findings
 */
public record ScanReport(
    String image,
    long imageBytes,
    long volumeBytes,
    long blockSize,
    long bytesRead,
    double bytesReadPercent,
    long elapsedMillis,
    long freeMapsExamined,
    long freeMapsEmpty,
    long freeFdsExamined,
    long freeBlocksCarved,
    List<Candidate> candidates,
    List<Finding> rejected,
    List<Finding> findings) {

  /** Copies the lists. */
  public ScanReport {
    candidates = List.copyOf(candidates);
    rejected = List.copyOf(rejected);
    findings = List.copyOf(findings);
  }

  /**
   * One orphaned delta.
   *
   * @param id stable identifier within this scan ({@code c1}, {@code c2}, ... by header offset)
   * @param format {@code vmfsSparse} or {@code seSparse}
   * @param source how the header was found: {@code free-map}, {@code free-fd} or {@code carved}
   * @param headerDeviceOffset image offset of the delta header (file block 0)
   * @param capacitySectors virtual-disk capacity from the header
   * @param grainSectors grain size in sectors
   * @param freeSector the header's high-water mark, in sectors of the delta file
   * @param grainsUsed allocated grains in the delta's grain tables that could be read
   * @param fileBlocks file blocks the delta needs up to {@code freeSector}
   * @param fileBlocksFound file blocks located on the device
   * @param maps the delta's MAPs in file order (empty for a directly addressed delta)
   * @param grainsIntact grains whose block is still free: content as it was
   * @param grainsSuspect grains whose block was handed to another file that has not written it yet
   * @param grainsOverwritten grains whose block another file has written since
   * @param grainsMissing grains whose block or grain table was not found
   * @param overwrittenRanges guest sector ranges of overwritten grains
   * @param suspectRanges guest sector ranges of suspect grains
   * @param missingRanges guest sector ranges that are lost (grain table or block not found); whole
   *     grain-table spans when the table itself is gone
   * @param match the live disk the delta most likely belongs to, or null
   * @param findings what was noticed while rebuilding it
   */
  public record Candidate(
      String id,
      String format,
      String source,
      long headerDeviceOffset,
      long capacitySectors,
      long grainSectors,
      long freeSector,
      long grainsUsed,
      long fileBlocks,
      long fileBlocksFound,
      List<MapPlacement> maps,
      long grainsIntact,
      long grainsSuspect,
      long grainsOverwritten,
      long grainsMissing,
      List<SectorRange> overwrittenRanges,
      List<SectorRange> suspectRanges,
      List<SectorRange> missingRanges,
      Match match,
      List<Finding> findings) {

    /** Returns whether every grain was found intact. */
    public boolean complete() {
      return grainsSuspect == 0 && grainsOverwritten == 0 && grainsMissing == 0 && fileBlocksFound == fileBlocks;
    }
  }

  /**
   * Where MAP number {@code mapNumber} of a delta was found and why it was put there.
   *
   * @param mapNumber position in the delta file (MAP n maps file blocks n*1024 ...)
   * @param pointerBlockIndex index in {@code .pbc.sf}, or -1 when the position is a gap
   * @param deviceOffset image offset of the MAP, or -1
   * @param evidence why it belongs there
   */
  public record MapPlacement(int mapNumber, long pointerBlockIndex, long deviceOffset, String evidence) {}

  /**
   * A run of guest sectors.
   *
   * @param firstSector first guest sector (LBA)
   * @param sectors number of sectors
   */
  public record SectorRange(long firstSector, long sectors) {}

  /**
   * The live disk a delta was taken of.
   *
   * @param parentDescriptor path of the parent's descriptor on the volume
   * @param parentCid the parent's CID
   * @param vmDirectory the VM's directory
   * @param deltaName the delta's likely descriptor name before it was deleted
   * @param confidence {@code high}, {@code medium} or {@code low}
   * @param reasons the evidence, for and against
   * @param alternatives other disks that would also fit
   */
  public record Match(String parentDescriptor, String parentCid, String vmDirectory, String deltaName, String confidence,
      List<String> reasons, List<String> alternatives) {}
}
