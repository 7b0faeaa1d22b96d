package org.vmfskit.fs.format.vmfs6;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.vmfskit.fs.format.vmfs6.Vmfs6Bytes.assertCorrupt;
import static org.vmfskit.fs.format.vmfs6.Vmfs6Bytes.buffer;
import static org.vmfskit.fs.format.vmfs6.Vmfs6Bytes.copy;
import static org.vmfskit.fs.format.vmfs6.Vmfs6Bytes.hex;

import java.nio.ByteBuffer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmfskit.fs.format.LittleEndian;
import org.vmfskit.fs.format.UnsupportedFormatException;
import org.vmfskit.fs.format.VmfsUuid;

/**
 * LVM6 device header, volume descriptor, PE entry, FS descriptor and heartbeat slot: round trips,
 * golden bytes with the real image's values (vmfs6-format.md 2, 3, 4.1) and corruption tables.
 */
class VolumeRecords6Test {

  // The real image: 1,071,645,184-byte device, 768 MiB volume, generation 3, mdA 0x1000, 3 segments.
  static final LvmDeviceHeader6 LVM = new LvmDeviceHeader6(21, 1_071_645_184L, 1, 3, 0x1100000, Vmfs6Bytes.HOST_UUID,
      1_612_345_678_000_000L, 1_612_345_679_000_000L, 0, 0, 0x1000, 3, 0);
  static final VolumeDescriptor6 VOLUME = VolumeDescriptor6.singleDevice(3, Vmfs6Bytes.LVM_UUID, Vmfs6Bytes.LVM_UUID.toString(),
      1_612_345_678_000_000L);
  static final PeEntry6 PE = PeEntry6.wholeVolume(0x1100000, 0x30000000);
  static final FsDescriptor6 FS = FsDescriptor6.esxiDefaults(Vmfs6Bytes.FS_UUID, "VMFS6 Test", 1_612_345_678L, Vmfs6Bytes.LVM_UUID,
      Vmfs6Bytes.HOST_UUID);

  static ByteBuffer lvmBytes() {
    ByteBuffer b = buffer(0x1000);
    LVM.encode(b);
    return b;
  }

  static ByteBuffer volumeBytes() {
    ByteBuffer b = buffer(VolumeDescriptor6.SIZE);
    VOLUME.encode(b);
    return b;
  }

  static ByteBuffer fsBytes() {
    ByteBuffer b = buffer(FsDescriptor6.SIZE);
    FS.encode(b);
    return b;
  }

  @Test
  void lvmDeviceHeader_roundTripAndGoldenBytes() throws Exception {
    ByteBuffer b = lvmBytes();
    assertThat(LvmDeviceHeader6.decode(b, 0x100000)).isEqualTo(LVM);
    assertThat(hex(b, 0, 12)).isEqualTo("0dd001c0" + "06000000" + "15000000");
    assertThat(LittleEndian.u32(b, 0x5A)).isEqualTo(512);
    assertThat(LittleEndian.u64(b, 0x5E)).isEqualTo(1_071_645_184L);
    assertThat(LittleEndian.u32(b, 0x66)).isEqualTo(1);
    assertThat(LittleEndian.u32(b, 0x6A)).isEqualTo(1);
    assertThat(LittleEndian.u32(b, 0x6E)).isZero();
    assertThat(LittleEndian.u64(b, 0x72)).isEqualTo(3);
    assertThat(hex(b, 0x7A, 0x82)).isEqualTo("0000100100000000");
    assertThat(hex(b, 0xCA, 0xD6)).isEqualTo("00100000" + "03000000" + "00000000");
  }

  @Test
  void lvmDeviceHeader_placesTheTablesAsOnTheRealImage() {
    assertThat(LVM.volumeTableOffset()).isEqualTo(0x101000);
    assertThat(LVM.sdTableOffset()).isEqualTo(0x17F000);
    assertThat(LVM.peBitmapOffset()).isEqualTo(0x181000);
    assertThat(LVM.peTableOffset()).isEqualTo(0x182000);
  }

  static Stream<Arguments> lvmCorruptions() {
    return Stream.of(
        Arguments.of("magic", 0x00, 0xC001D00EL, 4, 0x100000L, "magic", "0xC001D00D"),
        Arguments.of("major 7", 0x04, 7, 4, 0x100004L, "majorVersion", "expected 6"),
        Arguments.of("two volumes", 0x66, 2, 4, 0x100066L, "numVolumes", "expected 1"),
        Arguments.of("no PEs", 0x6A, 0, 4, 0x10006AL, "numPEs", "1..65536"),
        Arguments.of("last PE beyond", 0x6E, 1, 4, 0x10006EL, "lastPEIndex", "0..0"),
        Arguments.of("mdA 0", 0xCA, 0, 4, 0x1000CAL, "mdAlignment", "a power of two"),
        Arguments.of("mdA 3000", 0xCA, 3000, 4, 0x1000CAL, "mdAlignment", "a power of two"),
        Arguments.of("data inside the tables", 0x7A, 0x180000, 8, 0x10007AL, "dataOffset", "a multiple of 512 from 0x"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("lvmCorruptions")
  void lvmDeviceHeader_corruptField_throwsCorruptStructure(String what, int off, long value, int width, long at, String field,
      String expected) {
    ByteBuffer b = copy(lvmBytes());
    Vmfs6Bytes.put(b, off, value, width);
    assertCorrupt(src -> LvmDeviceHeader6.decode(src, 0x100000), b, "LvmDeviceHeader6", at, field, expected);
  }

  @Test
  void lvmDeviceHeader_ofVmfs5_isUnsupportedNotCorrupt() {
    ByteBuffer b = copy(lvmBytes());
    LittleEndian.putU32(b, 0x04, 5);
    assertThatThrownBy(() -> LvmDeviceHeader6.decode(b, 0x100000))
        .isInstanceOf(UnsupportedFormatException.class)
        .hasMessageContaining("LvmDeviceHeader6 at 0x100004: LVM major version 5 is VMFS3/5");
  }

  @Test
  void volumeDescriptor_roundTripAndGoldenBytes() throws Exception {
    ByteBuffer b = volumeBytes();
    assertThat(VolumeDescriptor6.decode(b, 0x101000)).isEqualTo(VOLUME);
    assertThat(LittleEndian.u64(b, 0x00)).isEqualTo(0x30000000L);
    assertThat(LittleEndian.u32(b, 0x10)).isEqualTo(1);
    assertThat(LittleEndian.cString(b, 0x14, 64)).isEqualTo(Vmfs6Bytes.LVM_UUID.toString()).hasSize(35);
    assertThat(VmfsUuid.decode(b, 0x54)).isEqualTo(Vmfs6Bytes.LVM_UUID);
    assertThat(hex(b, 0x70, 0x90)).isEqualTo("00000000" + "03000000" + "0000000000000000" + "0200000000000000" + hex(b, 0x88, 0x90));
    assertThat(LittleEndian.u32(b, 0x90)).isEqualTo(1);
    assertThat(LittleEndian.u32(b, 0x110)).isEqualTo(1);
  }

  static Stream<Arguments> volumeCorruptions() {
    return Stream.of(
        Arguments.of("no segments", 0x74, 0, 4, 0x101074L, "numPEs", "1..262144"),
        Arguments.of("last PE", 0x80, 5, 8, 0x101080L, "lastPE", "expected 2"),
        Arguments.of("size", 0x00, 0x20000000, 8, 0x101000L, "logicalSize", "expected 805306368"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("volumeCorruptions")
  void volumeDescriptor_corruptField_throwsCorruptStructure(String what, int off, long value, int width, long at, String field,
      String expected) {
    ByteBuffer b = copy(volumeBytes());
    Vmfs6Bytes.put(b, off, value, width);
    assertCorrupt(src -> VolumeDescriptor6.decode(src, 0x101000), b, "VolumeDescriptor6", at, field, expected);
  }

  @Test
  void volumeDescriptor_ofASpannedVolume_isUnsupported() {
    ByteBuffer b = copy(volumeBytes());
    LittleEndian.putU32(b, 0x90, 2);
    assertThatThrownBy(() -> VolumeDescriptor6.decode(b, 0x101000)).isInstanceOf(UnsupportedFormatException.class).hasMessageContaining("2 devices");
  }

  @Test
  void peEntry_roundTripGoldenBytesAndMapping() throws Exception {
    ByteBuffer b = buffer(PeEntry6.SIZE + 8);
    PE.encode(b, 8);
    assertThat(PeEntry6.decode(b, 8, 0x182000)).isEqualTo(PE);
    assertThat(hex(b, 8, 8 + 0x25)).isEqualTo("01" + "00000000" + "00000000" + "0000100100000000" + "0000000000000000" + "0000003000000000"
        + "01000000");
    assertThat(PE.imageOffsetOf(0x200000)).isEqualTo(0x1300000);
    assertThat(PE.covers(0x2FFFFFFF)).isTrue();
    assertThat(PE.covers(0x30000000)).isFalse();
  }

  @Test
  void peEntry_corruptFields_throwCorruptStructure() {
    ByteBuffer b = buffer(PeEntry6.SIZE);
    PE.encode(b, 0);
    ByteBuffer unused = copy(b);
    unused.put(0, (byte) 0);
    assertCorrupt(src -> PeEntry6.decode(src, 0, 0x182000), unused, "PeEntry6", 0x182000, "used", "expected 1");
    ByteBuffer empty = copy(b);
    LittleEndian.putU64(empty, 0x19, 0);
    assertCorrupt(src -> PeEntry6.decode(src, 0, 0x182000), empty, "PeEntry6", 0x182019, "length", "extent is empty");
    ByteBuffer odd = copy(b);
    LittleEndian.putU64(odd, 0x09, 0x1100001);
    assertCorrupt(src -> PeEntry6.decode(src, 0, 0x182000), odd, "PeEntry6", 0x182009, "physicalOffset", "a multiple of 512");
  }

  @Test
  void fsDescriptor_roundTripAndGoldenBytesOfTheRealImage() throws Exception {
    ByteBuffer b = fsBytes();
    assertThat(FsDescriptor6.decode(b, 0x1300000)).isEqualTo(FS);
    assertThat(hex(b, 0, 9)).isEqualTo("5ef1ab2f" + "18000000" + "52");
    assertThat(LittleEndian.u32(b, 0x19)).isEqualTo(6);
    assertThat(LittleEndian.cString(b, 0x1D, 128)).isEqualTo("VMFS6 Test");
    assertThat(LittleEndian.u64(b, 0xA1)).isEqualTo(0x100000);
    assertThat(VmfsUuid.decode(b, 0xB1)).isEqualTo(Vmfs6Bytes.LVM_UUID);
    assertThat(hex(b, 0xD1, 0xE1)).isEqualTo("00000100" + "08000000" + "00000100" + "40000000");
    assertThat(LittleEndian.u64(b, 0xE1)).isEqualTo(0x72C000);
    assertThat(LittleEndian.u32(b, 0xE9)).isEqualTo(0x01800004);
    assertThat(LittleEndian.u64(b, 0x105)).isEqualTo(0x72E000);
    assertThat(LittleEndian.u32(b, 0x10D)).isEqualTo(0x01C00004);
    assertThat(LittleEndian.u16(b, 0x112)).isEqualTo(1);
    assertThat(hex(b, 0x130, 0x140)).isEqualTo("00020000" + "00100000" + "0900" + "0000" + "0000" + "1000");
    assertThat(hex(b, 0x140, 0x154)).isEqualTo("2c00" + "0000" + "00001000" + "00002000" + "803e0000" + "a00f0000");
    assertThat(FS.lfbSize()).isEqualTo(512L << 20);
    assertThat(FS.pointerBlockSize()).isEqualTo(0x10000);
  }

  static Stream<Arguments> fsCorruptions() {
    return Stream.of(
        Arguments.of("magic", 0x00, 0x2FABF160L, 4, 0x1300000L, "magic", "0x2FABF15E"),
        Arguments.of("block size 2 MiB", 0xA1, 0x200000, 8, 0x13000A1L, "fileBlockSize", "expected 1048576"),
        Arguments.of("mdA 0", 0x134, 0, 4, 0x1300134L, "mdAlignment", "a power of two from 512"),
        Arguments.of("sub-block 3 KiB", 0xD9, 0xC00, 4, 0x13000D9L, "subBlockSize", "a power of two from 4096"),
        Arguments.of("LFB shift 0", 0x138, 0, 2, 0x1300138L, "sfbToLfbShift", "1..13"),
        Arguments.of("PB shift 30", 0x13E, 30, 2, 0x130013EL, "ptrBlockShift", "12..20"),
        Arguments.of("FDC cgOff unaligned", 0xD1, 0x10100, 4, 0x13000D1L, "fdcClusterGroupOffset", "a multiple of mdAlignment"),
        Arguments.of("FDC cpg 0", 0xD5, 0, 4, 0x13000D5L, "fdcClustersPerGroup", "1..65536"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fsCorruptions")
  void fsDescriptor_corruptField_throwsCorruptStructure(String what, int off, long value, int width, long at, String field, String expected) {
    ByteBuffer b = copy(fsBytes());
    Vmfs6Bytes.put(b, off, value, width);
    assertCorrupt(src -> FsDescriptor6.decode(src, 0x1300000), b, "FsDescriptor6", at, field, expected);
  }

  @Test
  void fsDescriptor_ofVmfs5OrVmfsL() throws Exception {
    ByteBuffer vmfs5 = copy(fsBytes());
    LittleEndian.putU32(vmfs5, 0x04, 14);
    assertThatThrownBy(() -> FsDescriptor6.decode(vmfs5, 0x1300000)).isInstanceOf(UnsupportedFormatException.class)
        .hasMessageContaining("version 14 is VMFS3/5");
    ByteBuffer vmfsL = copy(fsBytes());
    LittleEndian.putU32(vmfsL, 0x00, FsDescriptor6.MAGIC_VMFS_L);
    assertThat(FsDescriptor6.decode(vmfsL, 0x1300000).vmfsL()).isTrue();
  }

  @Test
  void heartbeat_roundTripGoldenBytesAndCleanCheck() throws Exception {
    // Slot 120 of the real image after unmount: hbGen 30, drv 24/82, lockImpl 3, owner and journal cleared.
    HeartbeatSlot6 slot = new HeartbeatSlot6(HeartbeatSlot6.MAGIC_FREE, 0x378000, 30, 123_456_789, VmfsUuid.NIL, 0, 24, 82, 3,
        "192.168.1.20", 0);
    ByteBuffer b = buffer(0x1000);
    slot.encode(b, 0);
    assertThat(HeartbeatSlot6.decode(b, 0, 0x1678000, HeartbeatSlot6.slotAddress(120, 0x1000))).isEqualTo(slot);
    assertThat(hex(b, 0, 0x14)).isEqualTo("01efcdab" + "0080370000000000" + "1e00000000000000");
    assertThat(hex(b, 0x30, 0x36)).isEqualTo("18000000" + "52" + "03");
    assertThat(LittleEndian.cString(b, 0x36, 46)).isEqualTo("192.168.1.20");
    assertThat(slot.isReleased()).isTrue();
    assertThat(HeartbeatSlot6.free(0x300000).isReleased()).isTrue();
    HeartbeatSlot6 live = new HeartbeatSlot6(HeartbeatSlot6.MAGIC_LIVE, 0x378000, 31, 1, Vmfs6Bytes.HOST_UUID, 0x06, 24, 82, 3, "", 0x1CD18000);
    assertThat(live.isReleased()).isFalse();
  }

  @Test
  void heartbeat_corruptMagicOrAddress_throwsCorruptStructure() {
    ByteBuffer b = buffer(0x1000);
    HeartbeatSlot6.free(0x301000).encode(b, 0);
    ByteBuffer magic = copy(b);
    LittleEndian.putU32(magic, 0, 0xABCDEF03L);
    assertCorrupt(src -> HeartbeatSlot6.decode(src, 0, 0x1401000, 0x301000), magic, "HeartbeatSlot6", 0x1401000, "magic", "0xABCDEF01");
    assertCorrupt(src -> HeartbeatSlot6.decode(src, 0, 0x1401000, 0x302000), b, "HeartbeatSlot6", 0x1401004, "address", "0x302000");
  }

  @Test
  void damagedHeaders_neverEscapeAsUncheckedExceptions() {
    assertThat(Vmfs6Bytes.sweep(lvmBytes(), 0, 0xD6, 61, src -> LvmDeviceHeader6.decode(src, 0x100000))).isPositive();
    assertThat(Vmfs6Bytes.sweep(volumeBytes(), 0, 0x114, 62, src -> VolumeDescriptor6.decode(src, 0x101000))).isPositive();
    assertThat(Vmfs6Bytes.sweep(fsBytes(), 0, 0x16F, 63, src -> FsDescriptor6.decode(src, 0x1300000))).isPositive();
  }

}
