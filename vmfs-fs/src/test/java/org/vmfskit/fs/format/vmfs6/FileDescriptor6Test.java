package org.vmfskit.fs.format.vmfs6;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.vmfskit.fs.format.vmfs6.Vmfs6Bytes.assertCorrupt;
import static org.vmfskit.fs.format.vmfs6.Vmfs6Bytes.buffer;
import static org.vmfskit.fs.format.vmfs6.Vmfs6Bytes.copy;
import static org.vmfskit.fs.format.vmfs6.Vmfs6Bytes.hex;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmfskit.fs.format.AddressingMode;
import org.vmfskit.fs.format.FileType;
import org.vmfskit.fs.format.LittleEndian;

/** The 8 KiB VMFS6 FD in its ZLA modes (vmfs6-format.md 7, 8): real-image files, round trips, corruption table. */
class FileDescriptor6Test {

  static final Address6.Fd DIRECTORY = new Address6.Fd(0, 9);
  static final Address6.Fd FILE4 = new Address6.Fd(0, 14);
  static final Address6.Fd FILE5 = new Address6.Fd(0, 15);

  // /directory/file4 = "content\n": resident (ZLA 4305), blockSize 64 KiB, affinity = its directory.
  static FileDescriptor6 file4() {
    byte[] content = "content\n".getBytes(StandardCharsets.US_ASCII);
    return FileDescriptor6.fresh(FILE4, 0x73C000, 5, FileType.REGULAR, 0644, DIRECTORY, 1_612_345_678L)
        .withLayout(content.length, 0x10000, AddressingMode.RESIDENT, 0, 0, FileDescriptor6.residentData(content))
        .withLinks(0, DIRECTORY.raw32(), 1);
  }

  // /directory/file5 = 8193 bytes in one SB (ZLA 2): array[0] = SB c0 r2, flags 1, numBlocks 1.
  static FileDescriptor6 file5() {
    byte[] data = FileDescriptor6.addressData(new long[] {Address6.SubBlock.of(0, 2).raw()});
    return FileDescriptor6.fresh(FILE5, 0x73E000, 6, FileType.REGULAR, 0644, DIRECTORY, 1_612_345_678L)
        .withLayout(8193, 0x10000, AddressingMode.SUB_BLOCKS, 1, 0, data)
        .withLinks(1, DIRECTORY.raw32(), 1);
  }

  static ByteBuffer bytes(FileDescriptor6 fd) {
    ByteBuffer b = buffer(FileDescriptor6.SIZE);
    fd.encode(b, 0);
    return b;
  }

  @Test
  void residentFile_roundTripAndGoldenBytes() throws Exception {
    ByteBuffer b = bytes(file4());
    FileDescriptor6 back = FileDescriptor6.decode(b, 0, 0x183C000, FILE4.raw32());
    assertThat(back).isEqualTo(file4());
    assertThat(back.residentContent()).asString(StandardCharsets.US_ASCII).isEqualTo("content\n");
    assertThat(hex(b, 0, 12)).isEqualTo("0100c010" + "00c0730000000000");
    assertThat(hex(b, 0x1000, 0x1024)).isEqualTo("04008003" + "05000000" + "01000000" + "03000000" + "00000000" + "0800000000000000"
        + "0000010000000000");
    assertThat(LittleEndian.u32(b, 0x1040)).isEqualTo(0644);
    assertThat(LittleEndian.u32(b, 0x1044)).isEqualTo(4305);
    assertThat(hex(b, 0x1064, 0x1074)).isEqualTo("646d6466" + "04004002" + "14000000" + "04004002");
    assertThat(LittleEndian.u8(b, 0x1089)).isEqualTo(16);
    assertThat(hex(b, 0x1200, 0x1208)).isEqualTo("636f6e74656e740a");
  }

  @Test
  void subBlockFile_roundTripAndGoldenBytes() throws Exception {
    ByteBuffer b = bytes(file5());
    FileDescriptor6 back = FileDescriptor6.decode(b, 0, 0x183E000, FILE5.raw32());
    assertThat(back).isEqualTo(file5());
    assertThat(back.address(0)).isEqualTo(0x0200000000000002L);
    assertThat(back.addresses()).hasSize(320).containsOnlyOnce(0x0200000000000002L);
    assertThat(hex(b, 0x1600, 0x1608)).isEqualTo("0200000000000002");
    assertThat(LittleEndian.u32(b, 0x1010)).isEqualTo(1);
    assertThat(LittleEndian.u64(b, 0x1024)).isEqualTo(1);
    assertThat(LittleEndian.u32(b, 0x1050)).isEqualTo(1); // newSinceEpoch = numBlocks
  }

  @Test
  void sbcSystemFile_keepsItsPb2AndTheValueInTheResidentArea() throws Exception {
    // .sbc.sf (c0 r4): ZLA 5, flags 8, one PB2, and the unexplained u32 2 at +0x1200.
    byte[] data = FileDescriptor6.addressData(new long[] {Address6.PointerBlock2.of(0, 0).raw()});
    data[0] = 2;
    FileDescriptor6 sbc = FileDescriptor6.fresh(new Address6.Fd(0, 4), 0x728000, 1, FileType.SYSTEM, 0400, null, 1L)
        .withLayout(0x17200000, 0x100000, AddressingMode.POINTER_BLOCKS_2, 370, 1, data)
        .withLinks(8, new Address6.Fd(0, 4).raw32(), 1);
    ByteBuffer b = bytes(sbc);
    FileDescriptor6 back = FileDescriptor6.decode(b, 0, 0x1828000, 0x1000004);
    assertThat(back).isEqualTo(sbc);
    assertThat(back.address(0)).isEqualTo(0x5L);
    assertThat(LittleEndian.u32(b, 0x1200)).isEqualTo(2);
    assertThat(LittleEndian.u32(b, 0x105C)).isEqualTo(1);
    assertThat(LittleEndian.u8(b, 0x1089)).isEqualTo(20);
  }

  @Test
  void zla_reachAndPathsFollowSection8() {
    assertThat(Zla6.maxLength(AddressingMode.RESIDENT, 0x10000)).isEqualTo(3584);
    assertThat(Zla6.maxLength(AddressingMode.SUB_BLOCKS, 0x10000)).isEqualTo(20L << 20);
    assertThat(Zla6.maxLength(AddressingMode.FILE_BLOCKS, 1 << 20)).isEqualTo(320L << 20);
    assertThat(Zla6.maxLength(AddressingMode.POINTER_BLOCKS, 1 << 20)).isEqualTo(320L * 8 << 30);
    assertThat(Zla6.maxLength(AddressingMode.DOUBLE_INDIRECT, 1 << 20)).isEqualTo(320L * 8192 * 8192 << 20);
    assertThat(Zla6.path(AddressingMode.FILE_BLOCKS, 7)).isEqualTo(new Zla6.Path(7, -1, -1));
    assertThat(Zla6.path(AddressingMode.POINTER_BLOCKS, 8192 + 5)).isEqualTo(new Zla6.Path(1, 5, -1));
    assertThat(Zla6.path(AddressingMode.DOUBLE_INDIRECT, 8192L * 8192 + 8192 * 3 + 4)).isEqualTo(new Zla6.Path(1, 3, 4));
    assertThatThrownBy(() -> Zla6.path(AddressingMode.RESIDENT, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Zla6.path(AddressingMode.FILE_BLOCKS, 320)).isInstanceOf(IllegalArgumentException.class);
    assertThat(Zla6.path(AddressingMode.POINTER_BLOCKS, 320L * 8192 - 1)).isEqualTo(new Zla6.Path(319, 8191, -1));
  }

  static Stream<Arguments> corruptions() {
    return Stream.of(
        Arguments.of("lock type", 0x0000, 0x10C00005L, 4, 0x183E000L, "lockType", "0x10C00001"),
        Arguments.of("descAddr", 0x1000, 0x03800004L, 4, 0x183F000L, "descAddr", "0x3C00004"),
        Arguments.of("signature", 0x1064, 0L, 4, 0x183F064L, "signature", "0x66646D64"),
        Arguments.of("type 9", 0x100C, 9L, 4, 0x183F00CL, "type", "1..6"),
        Arguments.of("zla 6", 0x1044, 6L, 4, 0x183F044L, "zla", "4305"),
        Arguments.of("block size 0", 0x101C, 0L, 8, 0x183F01CL, "blockSize", "a power of two"),
        Arguments.of("block size 3 KiB", 0x101C, 0xC00L, 8, 0x183F01CL, "blockSize", "a power of two"),
        Arguments.of("length past 320 SBs", 0x1014, (20L << 20) + 1, 8, 0x183F014L, "fileLength", "0..20971520"),
        Arguments.of("negative length", 0x1014, -1L, 8, 0x183F014L, "fileLength", "0..20971520"),
        Arguments.of("offset shift", 0x1089, 20L, 1, 0x183F089L, "blockOffsetShift", "expected 16"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corruptions")
  void decode_corruptField_throwsCorruptStructure(String what, int off, long value, int width, long at, String field, String expected) {
    ByteBuffer b = copy(bytes(file5()));
    Vmfs6Bytes.put(b, off, value, width);
    assertCorrupt(src -> FileDescriptor6.decode(src, 0, 0x183E000, FILE5.raw32()), b, "FileDescriptor6", at, field, expected);
  }

  @Test
  void residentLengthBeyondTheDataArea_throwsCorruptStructure() {
    ByteBuffer b = copy(bytes(file4()));
    LittleEndian.putU64(b, 0x1014, 3585);
    assertCorrupt(src -> FileDescriptor6.decode(src, 0, 0x183C000, FILE4.raw32()), b, "FileDescriptor6", 0x183D014, "fileLength", "0..3584");
  }

  @Test
  void damagedMetadata_neverEscapesAsUncheckedExceptions() {
    assertThat(Vmfs6Bytes.sweep(bytes(file5()), 0x1000, 0x1170, 73, src -> FileDescriptor6.decode(src, 0, 0, FILE5.raw32()))).isPositive();
  }
}
