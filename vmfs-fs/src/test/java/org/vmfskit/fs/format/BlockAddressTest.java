package org.vmfskit.fs.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class BlockAddressTest {

  static Stream<Arguments> specExamples() {
    return Stream.of(
        Arguments.of(0x96e1, new FileBlockAddr(0x25B, false, true)),
        Arguments.of(0x10000003, PointerBlockAddr.of(0, 1)),
        Arguments.of(0x184, new FileDescriptorAddr(6, 0)),
        Arguments.of(0x400044, new FileDescriptorAddr(1, 1)),
        Arguments.of(0x4, FileDescriptorAddr.ROOT),
        Arguments.of(0x0, NullAddr.INSTANCE),
        // SB c5 r37: resource bits 0-3 (5) in bits 28-31, bits 4-5 (2) in bits 3-4 (DENSE_SBPC).
        Arguments.of(5 << 28 | 5 << 6 | 2 << 3 | 2, SubBlockAddr.of(5, 37)),
        Arguments.of(0x7 << 28 | 0x3FFFFF << 6 | 0x20 | 5, new PointerBlock2Addr(0x3FFFFF, 7, true)));
  }

  @ParameterizedTest
  @MethodSource("specExamples")
  void decode_specExample_givesRecordAndEncodesBack(int raw, BlockAddress expected) throws Exception {
    BlockAddress decoded = BlockAddress.decode(raw, "test", 0);
    assertThat(decoded).isEqualTo(expected);
    assertThat(decoded.raw()).isEqualTo(raw);
  }

  @Test
  void fileBlock_flagsSitInBits4And5() {
    assertThat(new FileBlockAddr(1, true, false).raw()).isEqualTo(0x40 | 0x10 | 1);
    assertThat(new FileBlockAddr(1, false, true).raw()).isEqualTo(0x40 | 0x20 | 1);
    assertThat(FileBlockAddr.rawOf(0x25B, true)).isEqualTo(0x96e1);
    assertThat(FileBlockAddr.withoutTbz(0x96e1)).isEqualTo(0x96c1);
    assertThat(FileBlockAddr.isTbz(0x96e1)).isTrue();
  }

  @Test
  void fileBlock_largestBlockNumber_usesAll26BitsWithoutSignTrouble() throws Exception {
    int raw = FileBlockAddr.rawOf(FileBlockAddr.MAX_BLOCK, false);
    assertThat(raw).isNegative();
    assertThat(FileBlockAddr.blockOf(raw)).isEqualTo(FileBlockAddr.MAX_BLOCK);
    assertThat(BlockAddress.decode(raw, "test", 0)).isEqualTo(FileBlockAddr.of(FileBlockAddr.MAX_BLOCK));
  }

  @Test
  void subBlock_denseResourceBits_roundTripForEveryResource() throws Exception {
    for (int r = 0; r < 64; r++) {
      SubBlockAddr address = SubBlockAddr.of(0x2ABCDE, r);
      assertThat(BlockAddress.decode(address.raw(), "test", 0)).isEqualTo(address);
      assertThat((address.raw() >>> 3) & 3).isEqualTo(r >>> 4);
      assertThat(address.raw() >>> 28).isEqualTo(r & 0xF);
    }
  }

  @Test
  void roundTrip_everyKindAtFieldLimits() throws Exception {
    BlockAddress[] samples = {
      new FileBlockAddr(FileBlockAddr.MAX_BLOCK, true, true),
      new SubBlockAddr((1 << 22) - 1, 63, true),
      new PointerBlockAddr((1 << 22) - 1, 15, true),
      new PointerBlock2Addr(3, 2, false),
      new FileDescriptorAddr(0xFFFF, 1023),
      NullAddr.INSTANCE
    };
    for (BlockAddress address : samples) {
      assertThat(BlockAddress.decode(address.raw(), "test", 0)).isEqualTo(address);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {6, 7, 0x46, 0xFFFFFFFF})
  void decode_withUndefinedType_throwsCorruptStructure(int raw) {
    assertThatThrownBy(() -> BlockAddress.decode(raw, "PointerBlock", 0x1234))
        .isInstanceOf(CorruptStructureException.class)
        .hasMessageMatching("PointerBlock at 0x1234: bad block address type .*");
  }

  @Test
  void decode_nullTypeWithOtherBits_throwsCorruptStructure() {
    assertThatThrownBy(() -> BlockAddress.decode(0x40, "FileDescriptor", 0x400))
        .isInstanceOf(CorruptStructureException.class)
        .hasMessageMatching("FileDescriptor at 0x400: bad block address .*0x40.*");
  }

  @Test
  void decodeFd_withFileBlockAddress_throwsCorruptStructure() {
    assertThatThrownBy(() -> FileDescriptorAddr.decodeFd(0x96e1, "DirEntry", 0x8c))
        .isInstanceOf(CorruptStructureException.class)
        .hasMessageMatching("DirEntry at 0x8c: not a file-descriptor address .*");
  }
}
