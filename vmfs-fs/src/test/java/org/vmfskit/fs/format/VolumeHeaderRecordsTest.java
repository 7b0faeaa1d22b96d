package org.vmfskit.fs.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Round trips and golden bytes of LvmHeader, FsDescriptor, PeTableEntry, HeartbeatSlot, VmfsUuid. */
class VolumeHeaderRecordsTest {

  static final VmfsUuid LVM_UUID = uuid("44f8ed4919de2dda7b74002128 0083cf");
  static final VmfsUuid DEVICE_UUID = VmfsUuid.generate(1_700_000_000L, new SplittableRandom(7));

  static VmfsUuid uuid(String hex) {
    return new VmfsUuid(HexFormat.of().parseHex(hex.replace(" ", "")));
  }

  static ByteBuffer buffer(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }

  static long u32(ByteBuffer b, int off) {
    return LittleEndian.u32(b, off);
  }

  static LvmHeader lvm() {
    return new LvmHeader(5, 81, 0x1100000L + (4L << 28), LvmHeader.DATA_OFFSET, DEVICE_UUID, 1_700_000_000_000_000L,
        4L << 28, LVM_UUID.toString(), LVM_UUID, 4, 0, 3, 1);
  }

  @Test
  void vmfsUuid_printsAsVmfsToolsDoes() {
    assertThat(LVM_UUID.toString()).isEqualTo("49edf844-da2dde19-747b-0021280083cf");
  }

  @Test
  void vmfsUuid_roundTripAndValueEquality() {
    ByteBuffer b = buffer(20);
    DEVICE_UUID.encode(b, 3);
    assertThat(VmfsUuid.decode(b, 3)).isEqualTo(DEVICE_UUID).hasSameHashCodeAs(DEVICE_UUID);
    assertThat(DEVICE_UUID.toString()).contains("-000c29");
  }

  @Test
  void lvmHeader_roundTrip() throws Exception {
    ByteBuffer b = buffer(LvmHeader.SIZE);
    lvm().encode(b);
    assertThat(LvmHeader.decode(b, LvmHeader.IMAGE_OFFSET)).isEqualTo(lvm());
  }

  @Test
  void lvmHeader_goldenBytes() {
    ByteBuffer b = buffer(LvmHeader.SIZE);
    lvm().encode(b);
    byte[] a = b.array();
    assertThat(HexFormat.of().formatHex(a, 0, 8)).isEqualTo("0dd001c005000000");
    assertThat(u32(b, 0x08)).isEqualTo(81);
    assertThat(u32(b, 0x5A)).isEqualTo(512);
    assertThat(LittleEndian.u64(b, 0x5E)).isEqualTo(0x1100000L + (4L << 28));
    assertThat(u32(b, 0x66)).isEqualTo(1);
    assertThat(u32(b, 0x6A)).isEqualTo(4);
    assertThat(u32(b, 0x6E)).isEqualTo(3);
    assertThat(HexFormat.of().formatHex(a, 0x7A, 0x82)).isEqualTo("0000100100000000");
    assertThat(VmfsUuid.decode(b, 0x82)).isEqualTo(DEVICE_UUID);
    assertThat(LittleEndian.u64(b, 0x200)).isEqualTo(4L << 28);
    assertThat(u32(b, 0x210)).isEqualTo(1);
    assertThat(LittleEndian.cString(b, 0x214, 64)).isEqualTo("49edf844-da2dde19-747b-0021280083cf");
    assertThat(HexFormat.of().formatHex(a, 0x254, 0x264)).isEqualTo("44f8ed4919de2dda7b740021280083cf");
    assertThat(u32(b, 0x274)).isEqualTo(4);
    assertThat(LittleEndian.u64(b, 0x278)).isZero();
    assertThat(LittleEndian.u64(b, 0x280)).isEqualTo(3);
    assertThat(u32(b, 0x290)).isEqualTo(1);
  }

  @Test
  void lvmHeader_decodeWithBadMagic_throwsCorruptStructure() {
    ByteBuffer b = buffer(LvmHeader.SIZE);
    lvm().encode(b);
    b.put(0, (byte) 0x0E);
    assertThatThrownBy(() -> LvmHeader.decode(b, LvmHeader.IMAGE_OFFSET))
        .isInstanceOf(CorruptStructureException.class)
        .hasMessage("LvmHeader at 0x100000: bad magic (expected 0xC001D00D, was 0xC001D00E)");
  }

  @Test
  void lvmHeader_decodeVmfs6_throwsUnsupportedFormat() {
    ByteBuffer b = buffer(LvmHeader.SIZE);
    lvm().encode(b);
    LittleEndian.putU32(b, 4, 6);
    assertThatThrownBy(() -> LvmHeader.decode(b, LvmHeader.IMAGE_OFFSET))
        .isInstanceOf(UnsupportedFormatException.class)
        .hasMessageStartingWith("LvmHeader at 0x100000: ");
  }

  static FsDescriptor fs() {
    return new FsDescriptor(14, 81, DEVICE_UUID, 6, "datastore1", 1L << 20, 1_700_000_000L, LVM_UUID, 0x10000, 32, 8192);
  }

  @Test
  void fsDescriptor_roundTrip() throws Exception {
    ByteBuffer b = buffer(FsDescriptor.SIZE);
    fs().encode(b);
    assertThat(FsDescriptor.decode(b, 0x1300000)).isEqualTo(fs());
  }

  @Test
  void fsDescriptor_goldenBytes() {
    ByteBuffer b = buffer(FsDescriptor.SIZE);
    fs().encode(b);
    byte[] a = b.array();
    assertThat(HexFormat.of().formatHex(a, 0, 4)).isEqualTo("5ef1ab2f");
    assertThat(u32(b, 0x04)).isEqualTo(14);
    assertThat(a[0x08]).isEqualTo((byte) 81);
    assertThat(VmfsUuid.decode(b, 0x09)).isEqualTo(DEVICE_UUID);
    assertThat(u32(b, 0x19)).isEqualTo(6);
    assertThat(LittleEndian.cString(b, 0x1D, 128)).isEqualTo("datastore1");
    assertThat(u32(b, 0x9D)).isEqualTo(512);
    // File block size 1 MiB, packed at the unaligned offset 0xA1.
    assertThat(HexFormat.of().formatHex(a, 0xA1, 0xA9)).isEqualTo("0000100000000000");
    assertThat(u32(b, 0xA9)).isEqualTo(1_700_000_000L);
    assertThat(HexFormat.of().formatHex(a, 0xB1, 0xC1)).isEqualTo("44f8ed4919de2dda7b740021280083cf");
    assertThat(u32(b, 0xD1)).isEqualTo(0x10000);
    assertThat(u32(b, 0xD5)).isEqualTo(32);
    assertThat(u32(b, 0xD9)).isEqualTo(8192);
  }

  @Test
  void fsDescriptor_decodeWithBlockSizeNotPowerOfTwo_throwsCorruptStructure() {
    ByteBuffer b = buffer(FsDescriptor.SIZE);
    fs().encode(b);
    LittleEndian.putU64(b, 0xA1, (1 << 20) + 1);
    assertThatThrownBy(() -> FsDescriptor.decode(b, 0x1300000))
        .isInstanceOf(CorruptStructureException.class)
        .hasMessageStartingWith("FsDescriptor at 0x13000a1: bad file-block size");
  }

  @Test
  void fsDescriptor_decodeVmfsL_throwsUnsupportedFormat() {
    ByteBuffer b = buffer(FsDescriptor.SIZE);
    fs().encode(b);
    LittleEndian.putU32(b, 0, FsDescriptor.MAGIC_VMFS_L);
    assertThatThrownBy(() -> FsDescriptor.decode(b, 0x1300000)).isInstanceOf(UnsupportedFormatException.class);
  }

  @Test
  void peTableEntry_roundTripAndGoldenBytes() {
    PeTableEntry entry = PeTableEntry.forIndex(3);
    ByteBuffer b = buffer(PeTableEntry.SIZE * 2);
    entry.encode(b, PeTableEntry.SIZE);
    assertThat(PeTableEntry.decode(b, PeTableEntry.SIZE)).isEqualTo(entry);
    int o = PeTableEntry.SIZE;
    assertThat(b.get(o)).isEqualTo((byte) 1);
    assertThat(u32(b, o + 0x01)).isEqualTo(3);
    assertThat(LittleEndian.u64(b, o + 0x09)).isEqualTo(0x1100000L + 3 * (256L << 20));
    assertThat(LittleEndian.u64(b, o + 0x11)).isEqualTo(3 * (256L << 20));
    assertThat(LittleEndian.u64(b, o + 0x19)).isEqualTo(256L << 20);
    assertThat(u32(b, o + 0x21)).isEqualTo(1);
  }

  @Test
  void heartbeatSlot_roundTripAndGoldenBytes() throws Exception {
    HeartbeatSlot slot = new HeartbeatSlot(HeartbeatSlot.MAGIC_ACTIVE, 0x300200, 7, 0x1122334455L, DEVICE_UUID, 0xABCDEF12L);
    ByteBuffer b = buffer(HeartbeatSlot.SIZE);
    slot.encode(b, 0);
    assertThat(HeartbeatSlot.decode(b, 0, 0x1400200)).isEqualTo(slot);
    assertThat(HexFormat.of().formatHex(b.array(), 0, 4)).isEqualTo("02efcdab");
    assertThat(LittleEndian.u64(b, 0x04)).isEqualTo(0x300200);
    assertThat(LittleEndian.u64(b, 0x0C)).isEqualTo(7);
    assertThat(LittleEndian.u64(b, 0x14)).isEqualTo(0x1122334455L);
    assertThat(VmfsUuid.decode(b, 0x1C)).isEqualTo(DEVICE_UUID);
    assertThat(u32(b, 0x2C)).isEqualTo(0xABCDEF12L);
  }

  @Test
  void heartbeatSlot_decodeWithBadMagic_throwsCorruptStructure() {
    ByteBuffer b = buffer(HeartbeatSlot.SIZE);
    assertThatThrownBy(() -> HeartbeatSlot.decode(b, 0, 0x1400000))
        .isInstanceOf(CorruptStructureException.class)
        .hasMessageStartingWith("HeartbeatSlot at 0x1400000: bad magic");
  }
}
