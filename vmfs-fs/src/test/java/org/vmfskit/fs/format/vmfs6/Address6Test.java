package org.vmfskit.fs.format.vmfs6;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vmfskit.fs.format.CorruptStructureException;

/** The 64- and 32-bit VMFS6 address codec against the spec's real values (section 5). */
class Address6Test {

  @Test
  void realSfbAddresses_decodeAsTheSpecSays() throws Exception {
    assertThat(Address6.decode64(0x0040000000000001L, "t", 0)).isEqualTo(Address6.Sfb.of(0, 8));
    Address6 lastSbc = Address6.decode64(0x07F8000000008001L, "t", 0);
    assertThat(lastSbc).isEqualTo(Address6.Sfb.of(1, 255));
    assertThat(((Address6.Sfb) lastSbc).number(512)).isEqualTo(512 + 255);
    assertThat(Address6.Sfb.ofNumber(139, 512).raw()).isEqualTo(0x0458000000000001L);
  }

  @Test
  void realSubBlockPb2AndFdAddresses_decodeAsTheSpecSays() throws Exception {
    assertThat(Address6.decode64(0x0200000000000002L, "t", 0)).isEqualTo(Address6.SubBlock.of(0, 2));
    assertThat(Address6.decode64(0x5L, "t", 0)).isEqualTo(Address6.PointerBlock2.of(0, 0));
    assertThat(Address6.decode32(0x03C00004, "t", 0)).isEqualTo(new Address6.Fd(0, 15));
    assertThat(Address6.decode32(0x4, "t", 0)).isEqualTo(Address6.Fd.ROOT);
    assertThat(new Address6.Fd(0, 6).raw32()).isEqualTo(0x01800004);
    assertThat(new Address6.Fd(0, 7).raw32()).isEqualTo(0x01C00004);
    assertThat(new Address6.Fd(0, 1).raw32()).isEqualTo(0x400004);
  }

  @Test
  void tbz_isBitsSevenToFourteenAndCowIsBitFive() throws Exception {
    Address6.Sfb tbz = Address6.Sfb.of(0, 8).withTbz(Address6.Sfb.TBZ_ONE_UNIT);
    assertThat(tbz.raw()).isEqualTo(0x0040000000000081L);
    assertThat(tbz.isTbz()).isTrue();
    assertThat(Address6.tbzOf(0x0040000000007F81L)).isEqualTo(0xFF);
    assertThat(Address6.decode64(0x0040000000000021L, "t", 0)).isEqualTo(new Address6.Sfb(0, 8, 0, true));
    assertThat(new Address6.Lfb(3, 0x80, false).raw()).isEqualTo(3L << 15 | 0x80L << 7 | 7);
  }

  @Test
  void everyKind_roundTripsOverRandomFieldValues() throws Exception {
    SplittableRandom random = new SplittableRandom(612);
    for (int i = 0; i < 5000; i++) {
      Address6[] values = {
        new Address6.Sfb(random.nextLong(1L << 31), random.nextInt(1 << 13), random.nextInt(256), random.nextBoolean()),
        new Address6.Lfb(random.nextLong(1L << 31), random.nextInt(256), random.nextBoolean()),
        new Address6.SubBlock(random.nextLong(1L << 36), random.nextInt(256), random.nextBoolean()),
        new Address6.PointerBlock(random.nextLong(1L << 36), random.nextInt(256), random.nextBoolean()),
        new Address6.PointerBlock2(random.nextLong(1L << 36), random.nextInt(256), random.nextBoolean()),
      };
      for (Address6 a : values) {
        assertThat(Address6.decode64(a.raw(), "t", 0)).as("seed 612, %s", a).isEqualTo(a);
      }
      Address6.Fd fd = new Address6.Fd(random.nextInt(1 << 16), random.nextInt(1 << 10));
      Address6.Journal jb = new Address6.Journal(random.nextInt(1 << 13), random.nextInt(1 << 6));
      assertThat(Address6.decode32(fd.raw32(), "t", 0)).isEqualTo(fd);
      assertThat(Address6.decode32(jb.raw32(), "t", 0)).isEqualTo(jb);
    }
    assertThat(Address6.decode64(0, "t", 0)).isEqualTo(Address6.Hole.INSTANCE);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "SFB bit 3 set,            0x0040000000000009, reserved bits set in a SFB address",
    "SFB bit 6 set,            0x0040000000000041, reserved bits set in a SFB address",
    "SFB bit 46 set,           0x0040400000000001, reserved bits set in a SFB address",
    "LFB bit 50 set,           0x0004000000008007, reserved bits set in a LFB address",
    "SB bit 42 set,            0x0200040000000002, reserved bits set in a SB address",
    "PB2 bit 55 set,           0x0080000000000005, reserved bits set in a PB2 address",
    "FD type in a u64 field,   0x0000000003C00004, a 32-bit address type in a 64-bit field",
    "JB type in a u64 field,   0x0000000000000006, a 32-bit address type in a 64-bit field",
  })
  void decode64_ofBadValues_throwsCorruptStructure(String what, String raw, String defect) {
    long value = Long.parseUnsignedLong(raw.substring(2), 16);
    assertThatThrownBy(() -> Address6.decode64(value, "FileDescriptor6", 0x73E000))
        .isInstanceOf(CorruptStructureException.class)
        .hasMessageStartingWith("FileDescriptor6 at 0x73e000: " + defect)
        .hasMessageContaining("(expected ").hasMessageContaining(", was ");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "SFB type in a u32 field, 0x00000001, a 64-bit address type in a 32-bit field",
    "SB type in a u32 field,  0x00000002, a 64-bit address type in a 32-bit field",
    "FD bit 3 set,            0x03C0000C, reserved bits set in a FD address",
    "JB bit 16 set,           0x00010006, reserved bits set in a JB address",
    "null with bits,          0x00000010, bits set in a null address",
  })
  void decode32_ofBadValues_throwsCorruptStructure(String what, String raw, String defect) {
    int value = Integer.parseUnsignedInt(raw.substring(2), 16);
    assertThatThrownBy(() -> Address6.decode32(value, "DirEntry6", 0x1111944))
        .isInstanceOf(CorruptStructureException.class)
        .hasMessageStartingWith("DirEntry6 at 0x1111944: " + defect);
  }

  @Test
  void describe_ofAnUndecodableValue_givesItsHex() {
    assertThat(Address6.describe(0x0040000000000001L)).isEqualTo("SFB c0 r8");
    assertThat(Address6.describe(0x9L)).isEqualTo("0x9");
  }
}
