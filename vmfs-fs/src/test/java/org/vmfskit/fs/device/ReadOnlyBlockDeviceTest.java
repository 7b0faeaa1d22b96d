package org.vmfskit.fs.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.testing.Images;
import org.vmfskit.fs.volume.ResourceKind;

class ReadOnlyBlockDeviceTest {

  @Test
  void write_andResize_throwIOExceptionNamingTheDevice() throws Exception {
    SparseMemoryBlockDevice base = new SparseMemoryBlockDevice(1 << 20, 4096, "evidence.img");
    ReadOnlyBlockDevice device = new ReadOnlyBlockDevice(base);
    assertThat(device.isReadOnly()).isTrue();
    assertThatThrownBy(() -> device.write(0, ByteBuffer.wrap(new byte[1])))
        .isInstanceOf(IOException.class)
        .isInstanceOf(ReadOnlyDeviceException.class)
        .hasMessageContaining("evidence.img");
    assertThatThrownBy(() -> device.resize(0)).isInstanceOf(ReadOnlyDeviceException.class);
    assertThat(base.allocatedBytes()).isZero();
    assertThat(device.size()).isEqualTo(1 << 20);
  }

  @Test
  void readsPassThrough() throws Exception {
    SparseMemoryBlockDevice base = new SparseMemoryBlockDevice(1 << 20);
    base.write(100, ByteBuffer.wrap(new byte[] {4, 5, 6}));
    assertThat(Images.raw(new ReadOnlyBlockDevice(base), 100, 3)).containsExactly(4, 5, 6);
  }

  @Test
  void volumeOnAReadOnlyDevice_readsButRefusesEveryChangeWithoutTouchingState() throws Exception {
    Vmfs writable = Images.format(Images.GIB);
    Images.createWith(writable, "/f", Images.content(1, 5000));
    writable.mkdir("/d");
    Vmfs vmfs = Vmfs.open(new ReadOnlyBlockDevice(writable.volume().device()));
    long[] before = new long[4];
    for (ResourceKind kind : ResourceKind.values()) {
      before[kind.ordinal()] = vmfs.volume().freeCount(kind);
    }
    assertThat(Images.readAll(vmfs.openFile("/f"))).isEqualTo(Images.content(1, 5000));
    assertThatThrownBy(() -> vmfs.createFile("/g")).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> vmfs.mkdir("/e")).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> vmfs.openFile("/f").write(0, ByteBuffer.wrap(new byte[1]))).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> vmfs.openFile("/f").write(1 << 20, ByteBuffer.wrap(new byte[1]))).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> vmfs.openFile("/f").truncate(0)).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> vmfs.delete("/f")).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> vmfs.rename("/f", "/h")).isInstanceOf(IOException.class);
    assertThat(vmfs.list("/")).extracting("name").contains("f", "d").doesNotContain("g", "e", "h");
    for (ResourceKind kind : ResourceKind.values()) {
      assertThat(vmfs.volume().freeCount(kind)).as(kind.toString()).isEqualTo(before[kind.ordinal()]);
    }
  }
}
