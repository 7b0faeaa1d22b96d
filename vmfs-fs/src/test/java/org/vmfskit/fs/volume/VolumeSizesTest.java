package org.vmfskit.fs.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vmfskit.fs.check.VolumeChecker;
import org.vmfskit.fs.device.SparseMemoryBlockDevice;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.file.VmfsFile;
import org.vmfskit.fs.format.LvmHeader;

/**
 * mkfs from the smallest legal volume to 64 TiB, at every block size: the volume opens, checks
 * clean, stores a file in its last blocks, and stays sparse (metadata only).
 */
class VolumeSizesTest {

  @ParameterizedTest(name = "{0} bytes, {1}-byte blocks")
  @CsvSource({
    "268435456, 1048576",
    "268435456, 8388608",
    "1099511627776, 1048576",
    "17592186044416, 2097152",
    "70368744177664, 1048576",
    "70368744177664, 8388608",
  })
  void format_atEverySize_opensChecksCleanAndStaysSparse(long volumeBytes, long blockSize) throws Exception {
    SparseMemoryBlockDevice device = new SparseMemoryBlockDevice(0, 1 << 20, "sizes");
    try (Vmfs vmfs = Vmfs.format(device, FormatOptions.builder(volumeBytes).blockSize(blockSize).seed(1).timeSeconds(1_700_000_000).build())) {
      assertThat(device.size()).isEqualTo(LvmHeader.DATA_OFFSET + volumeBytes);
      assertThat(vmfs.volume().geometry().numBlocks()).isEqualTo(volumeBytes / blockSize);
      VmfsFile file = vmfs.createFile("/f");
      file.write(0, ByteBuffer.wrap(new byte[] {1, 2, 3}));
      file.truncate(3 * blockSize);
      file.write(2 * blockSize, ByteBuffer.wrap(new byte[] {4}));
    }
    assertThat(device.allocatedBytes()).as("only metadata is written").isLessThan(Math.max(256L << 20, volumeBytes / 256));
    try (Vmfs vmfs = Vmfs.open(device)) {
      assertThat(VolumeChecker.check(vmfs).problems()).isEmpty();
      ByteBuffer one = ByteBuffer.allocate(1);
      vmfs.openFile("/f").readFully(2 * blockSize, one);
      assertThat(one.get(0)).isEqualTo((byte) 4);
    }
  }

  @ParameterizedTest
  @CsvSource({"134217728", "70368744177665", "300000000"})
  void format_rejectsIllegalSizes(long volumeBytes) {
    assertThatThrownBy(() -> FormatOptions.builder(volumeBytes).build()).isInstanceOf(IllegalArgumentException.class);
  }
}
