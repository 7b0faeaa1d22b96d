package org.vmfskit.fs.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.EOFException;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.vmfskit.fs.testing.Images;

class SparseMemoryBlockDeviceTest {

  @Test
  void unwrittenBytes_readAsZeros_withoutAllocating() throws Exception {
    SparseMemoryBlockDevice device = new SparseMemoryBlockDevice(10L << 30);
    assertThat(Images.raw(device, (10L << 30) - 100, 100)).isEqualTo(new byte[100]);
    assertThat(Images.raw(device, 5L << 30, 1 << 20)).isEqualTo(new byte[1 << 20]);
    assertThat(device.allocatedBytes()).isZero();
    assertThat(device.size()).isEqualTo(10L << 30);
  }

  @Test
  void write_acrossPageBoundaries_readsBackAndAllocatesOnlyTouchedPages() throws Exception {
    SparseMemoryBlockDevice device = new SparseMemoryBlockDevice(8L << 30);
    byte[] data = Images.content(1, 200_000);
    long offset = (7L << 30) - 70_000;
    device.write(offset, ByteBuffer.wrap(data));
    assertThat(Images.raw(device, offset, data.length)).isEqualTo(data);
    assertThat(Images.raw(device, offset - 10, 10)).isEqualTo(new byte[10]);
    // 200,000 bytes from 70,000 below a 64 KiB boundary: 4,464 + 65,536 | 65,536 + 64,464 = 4 pages.
    assertThat(device.allocatedBytes()).isEqualTo(4L * SparseMemoryBlockDevice.DEFAULT_PAGE_SIZE);
  }

  @Test
  void readPastTheEnd_throwsEofNamingTheOffset() {
    SparseMemoryBlockDevice device = new SparseMemoryBlockDevice(4096);
    assertThatThrownBy(() -> device.readFully(4000, ByteBuffer.allocate(100)))
        .isInstanceOf(EOFException.class)
        .hasMessageContaining("0xfa0");
    assertThatThrownBy(() -> device.readFully(-1, ByteBuffer.allocate(1))).isInstanceOf(EOFException.class);
  }

  @Test
  void writePastTheEnd_growsTheDevice() throws Exception {
    SparseMemoryBlockDevice device = new SparseMemoryBlockDevice(0);
    device.write(1000, ByteBuffer.wrap(new byte[] {1, 2}));
    assertThat(device.size()).isEqualTo(1002);
    assertThat(Images.raw(device, 998, 4)).containsExactly(0, 0, 1, 2);
  }

  @Test
  void resize_shrinkThenGrow_readsZerosWhereBytesWereDropped() throws Exception {
    SparseMemoryBlockDevice device = new SparseMemoryBlockDevice(0, 4096, "small-pages");
    byte[] ones = new byte[20_000];
    java.util.Arrays.fill(ones, (byte) 1);
    device.write(0, ByteBuffer.wrap(ones));
    device.resize(5000);
    assertThat(device.size()).isEqualTo(5000);
    assertThatThrownBy(() -> device.readFully(4999, ByteBuffer.allocate(2))).isInstanceOf(EOFException.class);
    device.resize(20_000);
    byte[] back = Images.raw(device, 0, 20_000);
    assertThat(java.util.Arrays.copyOf(back, 5000)).containsOnly(1);
    assertThat(java.util.Arrays.copyOfRange(back, 5000, 20_000)).containsOnly(0);
    assertThat(device.allocatedBytes()).isEqualTo(2 * 4096);
  }

  @Test
  void resize_toAPageBoundary_dropsTheWholeNextPage() throws Exception {
    SparseMemoryBlockDevice device = new SparseMemoryBlockDevice(0, 4096, "small-pages");
    device.write(0, ByteBuffer.wrap(new byte[8192]).put(4096, (byte) 7));
    device.resize(4096);
    device.resize(8192);
    assertThat(Images.raw(device, 4096, 1)).containsExactly(0);
  }
}
