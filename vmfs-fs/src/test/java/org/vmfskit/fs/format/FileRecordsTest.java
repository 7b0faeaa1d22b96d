package org.vmfskit.fs.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Round trips and golden bytes of FileDescriptor and DirEntry. */
class FileRecordsTest {

  static final int FD_ADDR = 0x400044; // FD c1 r1

  static ByteBuffer buffer(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }

  static FileDescriptor fd() {
    int[] addresses = new int[256];
    addresses[0] = 0x96e1;
    addresses[255] = FileBlockAddr.rawOf(77, false);
    return new FileDescriptor(LockBlock.unlocked(LockBlock.MAGIC_FD, 0x418800), FD_ADDR, 3, 1, FileType.REGULAR, 0,
        0x10_0000_0001L, 1 << 20, 2, 1_700_000_001L, 1_700_000_002L, 1_700_000_003L, 0, 0, 0100644,
        AddressingMode.FILE_BLOCKS, 1, 0, FileDescriptor.dataOf(addresses));
  }

  @Test
  void fileDescriptor_roundTrip() throws Exception {
    ByteBuffer b = buffer(FileDescriptor.SIZE);
    fd().encode(b, 0);
    assertThat(FileDescriptor.decode(b, 0, 0x1518800, FD_ADDR)).isEqualTo(fd()).hasSameHashCodeAs(fd());
  }

  @Test
  void fileDescriptor_roundTripOfResidentContent() throws Exception {
    byte[] data = new byte[FileDescriptor.DATA_SIZE];
    byte[] text = "/vmfs/volumes/datastore1/vm/vm.vmx".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    System.arraycopy(text, 0, data, 0, text.length);
    FileDescriptor link = FileDescriptor.fresh(FD_ADDR, 0x418800, 1, FileType.SYMLINK, 0120777, 1 << 20, 5)
        .withLayout(text.length, 1 << 20, AddressingMode.RESIDENT, 0, 0, data);
    ByteBuffer b = buffer(FileDescriptor.SIZE);
    link.encode(b, 0);
    FileDescriptor decoded = FileDescriptor.decode(b, 0, 0x1518800, FD_ADDR);
    assertThat(decoded).isEqualTo(link);
    assertThat(decoded.residentContent()).isEqualTo(text);
  }

  @Test
  void fileDescriptor_goldenBytes() {
    ByteBuffer b = buffer(FileDescriptor.SIZE);
    fd().encode(b, 0);
    byte[] a = b.array();
    assertThat(HexFormat.of().formatHex(a, 0, 4)).isEqualTo("0100c010");
    assertThat(LittleEndian.u64(b, 0x04)).isEqualTo(0x418800);
    assertThat(HexFormat.of().formatHex(a, 0x200, 0x204)).isEqualTo("44004000");
    assertThat(LittleEndian.u32(b, 0x204)).isEqualTo(3);
    assertThat(LittleEndian.u32(b, 0x208)).isEqualTo(1);
    assertThat(LittleEndian.u32(b, 0x20C)).isEqualTo(3);
    assertThat(LittleEndian.u64(b, 0x214)).isEqualTo(0x10_0000_0001L);
    assertThat(LittleEndian.u64(b, 0x21C)).isEqualTo(1 << 20);
    assertThat(LittleEndian.u64(b, 0x224)).isEqualTo(2);
    assertThat(LittleEndian.u32(b, 0x22C)).isEqualTo(1_700_000_001L);
    assertThat(LittleEndian.u32(b, 0x230)).isEqualTo(1_700_000_002L);
    assertThat(LittleEndian.u32(b, 0x234)).isEqualTo(1_700_000_003L);
    assertThat(LittleEndian.u32(b, 0x240)).isEqualTo(0100644);
    assertThat(HexFormat.of().formatHex(a, 0x244, 0x248)).isEqualTo("01000000");
    assertThat(LittleEndian.u32(b, 0x248)).isEqualTo(1);
    assertThat(a[0x289]).isEqualTo((byte) 20);
    assertThat(HexFormat.of().formatHex(a, 0x400, 0x404)).isEqualTo("e1960000");
    assertThat(LittleEndian.u32(b, 0x7FC)).isEqualTo(77 << 6 | 1);
  }

  @Test
  void fileDescriptor_zlaCodesOfResidentAndDoubleIndirect() {
    ByteBuffer b = buffer(FileDescriptor.SIZE);
    fd().withLayout(5, 1 << 20, AddressingMode.RESIDENT, 0, 0, new byte[1024]).encode(b, 0);
    assertThat(HexFormat.of().formatHex(b.array(), 0x244, 0x248)).isEqualTo("d1100000");
    fd().withLayout(5, 1 << 20, AddressingMode.DOUBLE_INDIRECT, 0, 0, new byte[1024]).encode(b, 0);
    assertThat(HexFormat.of().formatHex(b.array(), 0x244, 0x248)).isEqualTo("d0100000");
  }

  @Test
  void fileDescriptor_decodeWithBadMagic_throwsCorruptStructure() {
    ByteBuffer b = buffer(FileDescriptor.SIZE);
    assertThatThrownBy(() -> FileDescriptor.decode(b, 0, 0x1518000, FD_ADDR))
        .isInstanceOf(CorruptStructureException.class)
        .hasMessage("FileDescriptor at 0x1518000: bad magic (expected 0x10C00001, was 0x0)");
  }

  @Test
  void fileDescriptor_decodeWithOtherDescAddr_throwsCorruptStructure() {
    ByteBuffer b = buffer(FileDescriptor.SIZE);
    fd().encode(b, 0);
    assertThatThrownBy(() -> FileDescriptor.decode(b, 0, 0x1518800, 0x4))
        .isInstanceOf(CorruptStructureException.class)
        .hasMessage("FileDescriptor at 0x1518a00: bad descAddr (expected 0x4, was 0x400044)");
  }

  @Test
  void fileDescriptor_decodeResidentLargerThanDataArea_throwsCorruptStructure() {
    ByteBuffer b = buffer(FileDescriptor.SIZE);
    fd().withLayout(1025, 1 << 20, AddressingMode.RESIDENT, 0, 0, new byte[1024]).encode(b, 0);
    assertThatThrownBy(() -> FileDescriptor.decode(b, 0, 0x1518800, FD_ADDR))
        .isInstanceOf(CorruptStructureException.class)
        .hasMessageStartingWith("FileDescriptor at 0x1518a14: size out of range");
  }

  @Test
  void fileDescriptor_decodeWithSizeAbove2pow63_throwsCorruptStructure() {
    ByteBuffer b = buffer(FileDescriptor.SIZE);
    fd().encode(b, 0);
    LittleEndian.putU64(b, 0x214, -1L);
    assertThatThrownBy(() -> FileDescriptor.decode(b, 0, 0x1518800, FD_ADDR))
        .isInstanceOf(CorruptStructureException.class)
        .hasMessageStartingWith("FileDescriptor at 0x1518a14: size out of range");
  }

  static final DirEntry ENTRY = new DirEntry(FileType.REGULAR, FD_ADDR, 0xFFFFFFFEL, "disk-flat.vmdk");

  @Test
  void dirEntry_roundTrip() throws Exception {
    ByteBuffer b = buffer(2 * DirEntry.SIZE);
    ENTRY.encode(b, DirEntry.SIZE);
    assertThat(DirEntry.decode(b, DirEntry.SIZE, 0x2000)).isEqualTo(ENTRY);
  }

  @Test
  void dirEntry_roundTripOfLongestUtf8Name() throws Exception {
    String name = "é".repeat(63) + "x"; // 127 bytes
    DirEntry entry = new DirEntry(FileType.DIRECTORY, FD_ADDR, 1, name);
    ByteBuffer b = buffer(DirEntry.SIZE);
    entry.encode(b, 0);
    assertThat(DirEntry.decode(b, 0, 0)).isEqualTo(entry);
    assertThat(b.get(0x0C + 127)).isZero();
  }

  @Test
  void dirEntry_goldenBytes() {
    ByteBuffer b = buffer(DirEntry.SIZE);
    ENTRY.encode(b, 0);
    byte[] a = b.array();
    assertThat(HexFormat.of().formatHex(a, 0, 12)).isEqualTo("03000000" + "44004000" + "feffffff");
    assertThat(new String(a, 0x0C, 14, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("disk-flat.vmdk");
    for (int i = 0x0C + 14; i < DirEntry.SIZE; i++) {
      assertThat(a[i]).as("padding byte %d", i).isZero();
    }
  }

  @Test
  void dirEntry_decodeWithSlashInName_throwsCorruptStructure() {
    ByteBuffer b = buffer(DirEntry.SIZE);
    ENTRY.encode(b, 0);
    b.put(0x0C + 4, (byte) '/');
    assertThatThrownBy(() -> DirEntry.decode(b, 0, 0x2000))
        .isInstanceOf(CorruptStructureException.class)
        .hasMessageStartingWith("DirEntry at 0x200c: illegal name");
  }

  @Test
  void dirEntry_decodeWithUnterminatedName_throwsCorruptStructure() {
    ByteBuffer b = buffer(DirEntry.SIZE);
    ENTRY.encode(b, 0);
    for (int i = 0x0C; i < DirEntry.SIZE; i++) {
      b.put(i, (byte) 'a');
    }
    assertThatThrownBy(() -> DirEntry.decode(b, 0, 0x2000))
        .isInstanceOf(CorruptStructureException.class)
        .hasMessageStartingWith("DirEntry at 0x200c: name is not NUL-terminated");
  }

  @Test
  void dirEntry_decodeWithTypeZero_throwsCorruptStructure() {
    ByteBuffer b = buffer(DirEntry.SIZE);
    ENTRY.encode(b, 0);
    LittleEndian.putU32(b, 0, 9);
    assertThatThrownBy(() -> DirEntry.decode(b, 0, 0x2000))
        .isInstanceOf(CorruptStructureException.class)
        .hasMessageStartingWith("DirEntry at 0x2000: type out of range");
  }

  @Test
  void dirEntry_rejectsIllegalNames() {
    assertThat(DirEntry.isLegalName("a".repeat(127))).isTrue();
    assertThat(DirEntry.isLegalName("a".repeat(128))).isFalse();
    assertThat(DirEntry.isLegalName("é".repeat(64))).isFalse();
    assertThat(DirEntry.isLegalName("a/b")).isFalse();
    assertThat(DirEntry.isLegalName("a\0b")).isFalse();
    assertThat(DirEntry.isLegalName("")).isFalse();
  }
}
