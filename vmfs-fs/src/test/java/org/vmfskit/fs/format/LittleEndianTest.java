package org.vmfskit.fs.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class LittleEndianTest {

  private static ByteBuffer bytes(int... values) {
    ByteBuffer buffer = ByteBuffer.allocate(values.length);
    for (int v : values) {
      buffer.put((byte) v);
    }
    return buffer.flip();
  }

  @Test
  void u32_withHighBitSet_doesNotSignExtend() {
    ByteBuffer buffer = bytes(0xFF, 0xFF, 0xFF, 0xFF);
    assertThat(LittleEndian.u32(buffer, 0)).isEqualTo(0xFFFF_FFFFL).isPositive();
    assertThat(LittleEndian.raw32(buffer, 0)).isEqualTo(-1);
  }

  @Test
  void u32_readsLittleEndianAtUnalignedOffset() {
    ByteBuffer buffer = bytes(0xAA, 0x0D, 0xD0, 0x01, 0xC0);
    assertThat(LittleEndian.u32(buffer, 1)).isEqualTo(0xC001D00DL);
  }

  @Test
  void u8AndU16_areUnsigned() {
    ByteBuffer buffer = bytes(0x80, 0xFF, 0xFE);
    assertThat(LittleEndian.u8(buffer, 0)).isEqualTo(0x80);
    assertThat(LittleEndian.u16(buffer, 1)).isEqualTo(0xFEFF);
  }

  @Test
  void u64_combinesBothHalvesWithoutSignExtendingTheLowOne() {
    ByteBuffer buffer = bytes(0x00, 0x00, 0x00, 0x80, 0x01, 0x00, 0x00, 0x00);
    assertThat(LittleEndian.u64(buffer, 0)).isEqualTo(0x1_8000_0000L);
  }

  @Test
  void putters_writeLittleEndianAndLeaveThePositionAlone() {
    ByteBuffer buffer = ByteBuffer.allocate(16);
    LittleEndian.putU32(buffer, 1, 0xC001D00DL);
    LittleEndian.putU64(buffer, 5, 0x0102030405060708L);
    LittleEndian.putU16(buffer, 13, 0xBEEF);
    assertThat(buffer.position()).isZero();
    assertThat(buffer.array()).containsExactly(0, 0x0D, 0xD0 - 256, 0x01, 0xC0 - 256, 8, 7, 6, 5, 4, 3, 2, 1, 0xEF - 256, 0xBE - 256, 0);
  }

  @Test
  void u32ToIntExact_above2pow31_throwsCorruptStructure() {
    ByteBuffer buffer = bytes(0x00, 0x00, 0x00, 0x80);
    assertThatThrownBy(() -> LittleEndian.u32ToIntExact(buffer, 0, "Thing", 0x1234, "count"))
        .isInstanceOf(CorruptStructureException.class)
        .hasMessageMatching("Thing at 0x1234: value out of range .*was 2147483648\\)");
  }

  @Test
  void cString_stopsAtNulAndPutCStringPads() {
    ByteBuffer buffer = ByteBuffer.allocate(8);
    buffer.put(0, new byte[] {1, 1, 1, 1, 1, 1, 1, 1});
    LittleEndian.putCString(buffer, 0, 8, "abc");
    assertThat(buffer.array()).containsExactly('a', 'b', 'c', 0, 0, 0, 0, 0);
    assertThat(LittleEndian.cString(buffer, 0, 8)).isEqualTo("abc");
  }
}
