package org.vmfskit.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.device.SparseMemoryBlockDevice;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.format.FileBlockAddr;
import org.vmfskit.fs.volume.FormatOptions;
import org.vmfskit.fs.volume.Geometry;
import org.vmfskit.fs.volume.ResourceKind;
import org.vmfskit.fs.volume.Volume;

/**
 * Hostile images: truncated, free MAPs whose addresses leave the volume, hit metadata or repeat
 * (loops), and delta headers whose tables point past the file. Each is a finding; nothing crashes
 * and only the damaged part is lost.
 */
class RecoveryFaultTest {

  @TempDir Path dir;
  private SparseMemoryBlockDevice device;
  private long headerOffset;
  private Geometry geometry;
  private long freeMapOffset;

  @BeforeEach
  void scenario() throws IOException {
    device = new SparseMemoryBlockDevice(1L << 30);
    try (Vmfs vmfs = Vmfs.format(device, FormatOptions.builder(1L << 30).seed(9).timeSeconds(1_700_000_000).build())) {
      RevertFixture.build(vmfs, dir, "vm", 256L << 20, 4, 60, 64 << 10, 0, 0);
      Volume volume = vmfs.volume();
      geometry = volume.geometry();
      int pb = volume.freeBits(ResourceKind.POINTER_BLOCK).nextSetBit(0);
      freeMapOffset = volume.pointerBlockDeviceOffset(volume.pointerBlockAddress(pb), "test", -1);
    }
    ScanReport clean = scan(device);
    assertThat(clean.candidates()).hasSize(1);
    headerOffset = clean.candidates().getFirst().headerDeviceOffset();
  }

  private static ScanReport scan(BlockDevice device) throws IOException {
    return RecoveryScan.scan(device, "test", ScanOptions.defaults()).report();
  }

  private void putInts(long offset, int... values) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asIntBuffer().put(values);
    device.write(offset, b);
  }

  private long headerBlock() {
    return (headerOffset - Geometry.deviceOffset(0)) / geometry.blockSize();
  }

  @Test
  void freeMap_withAddressesOutsideTheVolume_orAtMetadata_orRepeated_isReportedNotFollowed() throws IOException {
    int header = FileBlockAddr.rawOf((int) headerBlock(), false);
    int outside = FileBlockAddr.rawOf(FileBlockAddr.MAX_BLOCK, false);
    int metadata = FileBlockAddr.rawOf(1, false);
    int h = (int) headerBlock();
    putInts(freeMapOffset, header, FileBlockAddr.rawOf(h + 1, false), FileBlockAddr.rawOf(h + 2, false), FileBlockAddr.rawOf(h + 3, false),
        FileBlockAddr.rawOf(h + 4, false), outside, metadata, header);
    ScanReport report = scan(device);
    List<String> messages = all(report);
    assertThat(messages).anyMatch(m -> m.contains("outside the volume"));
    assertThat(messages).anyMatch(m -> m.contains("holds volume metadata") || m.contains("appears twice"));
    assertThat(report.candidates()).isNotEmpty();
  }

  @Test
  void freeMap_thatIsMostlyGarbage_isRejectedWithTheReason() throws IOException {
    putInts(freeMapOffset, 0x7FFFFFC1, 0x7FFFFF81, 0x7FFFFF41, 5);
    ScanReport report = scan(device);
    assertThat(report.rejected()).anyMatch(f -> f.message().contains("is not a usable MAP"));
  }

  @Test
  void header_whoseGrainDirectoryPointsPastTheFile_losesOnlyThoseSpans() throws IOException {
    putInts(headerOffset + 4 * 512, 0x7FFFFFF0, 0x7FFFFFF0);
    ScanReport report = scan(device);
    assertThat(report.candidates()).hasSize(1);
    ScanReport.Candidate c = report.candidates().getFirst();
    assertThat(c.findings()).anyMatch(f -> f.message().contains("point outside the delta's used sectors"));
  }

  @Test
  void header_withImpossibleFreeSector_isRejectedWithTheReason() throws IOException {
    putInts(headerOffset + 0x1C, 0xFFFFFFF0);
    ScanReport report = scan(device);
    assertThat(report.candidates()).isEmpty();
    assertThat(report.rejected()).anyMatch(f -> f.message().contains("freeSector"));
  }

  @Test
  void header_withBadGrainSize_isRejectedAsDamaged() throws IOException {
    putInts(headerOffset + 0x10, 3);
    ScanReport report = scan(device);
    assertThat(report.rejected()).anyMatch(f -> f.message().contains("damaged delta header"));
  }

  @Test
  void truncatedImage_isScannedAsFarAsItGoes() throws IOException {
    long cut = headerOffset + 3 * geometry.blockSize();
    device.resize(cut);
    ScanReport report = scan(device);
    assertThat(report.findings()).anyMatch(f -> f.message().contains("truncated"));
    for (ScanReport.Candidate c : report.candidates()) {
      assertThat(c.fileBlocksFound()).isLessThan(c.fileBlocks());
    }
  }

  private static List<String> all(ScanReport report) {
    return java.util.stream.Stream.concat(java.util.stream.Stream.concat(report.rejected().stream(), report.findings().stream()),
        report.candidates().stream().flatMap(c -> c.findings().stream())).map(Finding::message).toList();
  }
}
