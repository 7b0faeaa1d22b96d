package org.vmfskit.fs.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmfskit.fs.testing.VmfsAssert.assertThatVolume;

import java.nio.ByteBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vmfskit.fs.device.SparseMemoryBlockDevice;
import org.vmfskit.fs.format.AddressingMode;
import org.vmfskit.fs.testing.Images;
import org.vmfskit.fs.testing.Patterns;
import org.vmfskit.fs.testing.SparseModel;
import org.vmfskit.fs.volume.FormatOptions;
import org.vmfskit.fs.volume.ResourceKind;
import org.vmfskit.fs.volume.Volume;

/** The same files on volumes of every VMFS5 file-block size: 1, 2, 4 and 8 MiB. */
class BlockSizesTest {

  @ParameterizedTest(name = "{0} MiB blocks")
  @ValueSource(ints = {1, 2, 4, 8})
  void everyAddressingMode_roundTrips(int megabytes) throws Exception {
    long blockSize = (long) megabytes << 20;
    FormatOptions options = FormatOptions.builder(4L << 30).blockSize(blockSize).seed(1).timeSeconds(Images.TIME).label("bs").build();
    Vmfs vmfs = Vmfs.format(new SparseMemoryBlockDevice(0), options);
    assertThat(vmfs.volume().geometry().blockSize()).isEqualTo(blockSize);
    Images.createWith(vmfs, "/res", Patterns.of(1, 0, 700));
    Images.createWith(vmfs, "/sb", Patterns.of(2, 0, 7000));
    Images.createWith(vmfs, "/fb", Patterns.of(3, 0, (int) (2 * blockSize + 5)));
    VmfsFile pb = vmfs.createFile("/pb");
    SparseModel model = new SparseModel();
    for (long offset : new long[] {0, blockSize * 256 - 3, blockSize * 1500 + 7}) {
      byte[] data = Patterns.of(offset, offset, 5000);
      pb.write(offset, ByteBuffer.wrap(data));
      model.write(offset, data);
    }
    vmfs.mkdir("/d");
    for (int i = 0; i < 65; i++) {
      vmfs.createFile("/d/f" + i);
    }
    long[] free = new long[4];
    for (ResourceKind kind : ResourceKind.values()) {
      free[kind.ordinal()] = vmfs.volume().freeCount(kind);
    }
    Vmfs again = Vmfs.open(vmfs.volume().device());
    assertThatVolume(again)
        .hasConsistentBitmaps()
        .hasFile("/res").withContent(Patterns.of(1, 0, 700)).withAddressing(AddressingMode.RESIDENT)
        .hasFile("/sb").withContent(Patterns.of(2, 0, 7000)).withAddressing(AddressingMode.SUB_BLOCKS)
        .hasFile("/fb").withContent(Patterns.of(3, 0, (int) (2 * blockSize + 5))).withAddressing(AddressingMode.FILE_BLOCKS)
        .hasFile("/pb").withAddressing(AddressingMode.POINTER_BLOCKS);
    VmfsFile pbAgain = again.openFile("/pb");
    for (long page : model.writtenPageOffsets()) {
      long pos = page * SparseModel.pageSize();
      int length = (int) Math.min(SparseModel.pageSize(), model.size() - pos);
      assertThat(Images.read(pbAgain, pos, length)).isEqualTo(model.read(pos, length));
    }
    assertThat(again.list("/d")).hasSize(65);
    Volume volume = again.volume();
    for (ResourceKind kind : ResourceKind.values()) {
      assertThat(volume.freeCount(kind)).isEqualTo(free[kind.ordinal()]);
    }
    assertThat(volume.fdDeviceOffset(org.vmfskit.fs.format.FileDescriptorAddr.ROOT))
        .isEqualTo(0x1100000L + volume.geometry().fdcBaseBlock() * blockSize + 0x18000);
  }
}
