package org.vmfskit.fs.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.EOFException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.vmfskit.fs.testing.Images;

class CopyOnWriteBlockDeviceTest {

  private static SparseMemoryBlockDevice base() throws Exception {
    SparseMemoryBlockDevice base = new SparseMemoryBlockDevice(0, 4096, "base");
    byte[] ones = new byte[20_000];
    Arrays.fill(ones, (byte) 1);
    base.write(0, ByteBuffer.wrap(ones));
    return base;
  }

  @Test
  void writes_stayInTheView_andReadsMixBothAcrossPages() throws Exception {
    SparseMemoryBlockDevice base = base();
    CopyOnWriteBlockDevice view = new CopyOnWriteBlockDevice(base, 512);
    view.write(1000, ByteBuffer.wrap(new byte[] {7, 7, 7}));
    assertThat(view.writtenPages()).containsExactly(1);
    assertThat(view.hasWrittenPages(0, 512)).isFalse();
    assertThat(view.hasWrittenPages(1002, 1)).isTrue();
    byte[] read = Images.raw(view, 990, 20);
    assertThat(read).startsWith(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 7, 7, 7, 1);
    assertThat(Images.raw(base, 1000, 3)).containsOnly(1);
    view.discard();
    assertThat(view.isClean()).isTrue();
    assertThat(Images.raw(view, 1000, 3)).containsOnly(1);
  }

  @Test
  void shrinkThenGrow_readsZerosPastTheShrunkEnd_writtenOrNot() throws Exception {
    SparseMemoryBlockDevice base = base();
    CopyOnWriteBlockDevice view = new CopyOnWriteBlockDevice(base, 512);
    view.write(4500, ByteBuffer.wrap(new byte[] {9}));
    view.resize(5000);
    assertThatThrownBy(() -> view.readFully(4999, ByteBuffer.allocate(2))).isInstanceOf(EOFException.class);
    view.resize(20_000);
    byte[] back = Images.raw(view, 0, 20_000);
    assertThat(back[4500]).isEqualTo((byte) 9);
    assertThat(Arrays.copyOfRange(back, 4501, 5000)).containsOnly(1);
    assertThat(Arrays.copyOfRange(back, 5000, 20_000)).containsOnly(0);
    assertThat(Images.raw(base, 0, 20_000)).containsOnly(1);
  }
}
