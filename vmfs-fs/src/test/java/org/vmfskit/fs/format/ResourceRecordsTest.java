package org.vmfskit.fs.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.BitSet;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Round trips and golden bytes of ResourceHeader, ClusterHeader, LockBlock and PointerBlock. */
class ResourceRecordsTest {

  static ByteBuffer buffer(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }

  // The .sbc.sf header of the VMFS3 sample: ipe 16, epa 32, hdr 0x10000, 64 KiB SBs, 2 groups.
  static final ResourceHeader SBC = new ResourceHeader(16, 32, 0x10000, 0x10000, 0x2008000, 1024, 2);

  @Test
  void resourceHeader_roundTrip() throws Exception {
    ByteBuffer b = buffer(ResourceHeader.SIZE);
    SBC.encode(b);
    assertThat(ResourceHeader.decode(b, 0x4000000, ".sbc.sf", 64, -1)).isEqualTo(SBC);
  }

  @Test
  void resourceHeader_goldenBytes() {
    ByteBuffer b = buffer(ResourceHeader.SIZE);
    SBC.encode(b);
    assertThat(HexFormat.of().formatHex(b.array(), 0, 0x1C))
        .isEqualTo("10000000" + "20000000" + "00000100" + "00000100" + "00800002" + "00040000" + "02000000");
  }

  @Test
  void resourceHeader_offsetsFollowTheSpecFormulas() {
    // Cluster 33 is cluster 1 of group 1; resource (33, 2) is index 530 = group 1, 18th.
    assertThat(SBC.clusterHeaderOffset(33)).isEqualTo(0x10000 + 0x2008000 + 0x400);
    assertThat(SBC.resourceOffset(33, 2)).isEqualTo(0x10000 + 0x2008000 + 32 * 0x400 + 18L * 0x10000);
    assertThat(SBC.numClusters()).isEqualTo(64);
  }

  @Test
  void resourceHeader_decodeWithWrongGroupSize_throwsCorruptStructure() {
    ByteBuffer b = buffer(ResourceHeader.SIZE);
    SBC.encode(b);
    LittleEndian.putU32(b, 0x10, 0x2008001);
    assertThatThrownBy(() -> ResourceHeader.decode(b, 0x4000000, ".sbc.sf", 64, -1))
        .isInstanceOf(CorruptStructureException.class)
        .hasMessageStartingWith("ResourceHeader of .sbc.sf at 0x4000010: cluster-group size disagrees");
  }

  @Test
  void resourceHeader_decodeWithIpeAboveKindLimit_throwsCorruptStructure() {
    ByteBuffer b = buffer(ResourceHeader.SIZE);
    SBC.encode(b);
    assertThatThrownBy(() -> ResourceHeader.decode(b, 0x4000000, ".pbc.sf", 8, -1))
        .isInstanceOf(CorruptStructureException.class)
        .hasMessageStartingWith("ResourceHeader of .pbc.sf at 0x4000000: resourcesPerCluster out of range");
  }

  static final LockBlock LOCK = new LockBlock(LockBlock.MAGIC_SBC, 0x4010400, 0x300200, 9, 0x123456789L, 1,
      VolumeHeaderRecordsTest.LVM_UUID, 0x0102030405060708L);

  @Test
  void lockBlock_roundTripAndGoldenBytes() {
    ByteBuffer b = buffer(LockBlock.SIZE + 4);
    LOCK.encode(b, 4);
    assertThat(LockBlock.decode(b, 4)).isEqualTo(LOCK);
    assertThat(HexFormat.of().formatHex(b.array(), 4, 8)).isEqualTo("0300c010");
    assertThat(LittleEndian.u64(b, 4 + 0x04)).isEqualTo(0x4010400);
    assertThat(LittleEndian.u64(b, 4 + 0x0C)).isEqualTo(0x300200);
    assertThat(LittleEndian.u64(b, 4 + 0x14)).isEqualTo(9);
    assertThat(LittleEndian.u64(b, 4 + 0x1C)).isEqualTo(0x123456789L);
    assertThat(LittleEndian.u32(b, 4 + 0x24)).isEqualTo(1);
    assertThat(VmfsUuid.decode(b, 4 + 0x28)).isEqualTo(VolumeHeaderRecordsTest.LVM_UUID);
    assertThat(LittleEndian.u64(b, 4 + 0x38)).isEqualTo(0x0102030405060708L);
  }

  static ClusterHeader cluster() {
    BitSet free = new BitSet();
    free.set(0);
    free.set(3);
    free.set(9);
    free.set(15);
    return new ClusterHeader(LockBlock.unlocked(LockBlock.MAGIC_SBC, 0x4010400), 5, 16, 4, 0, free);
  }

  @Test
  void clusterHeader_roundTrip() throws Exception {
    ByteBuffer b = buffer(ClusterHeader.SIZE);
    cluster().encode(b, 0);
    assertThat(ClusterHeader.decode(b, 0, ".sbc.sf", 0x5000000, LockBlock.MAGIC_SBC, 5, 16)).isEqualTo(cluster());
  }

  @Test
  void clusterHeader_goldenBytes_bitmapAt0x210SetMeansFree() {
    ByteBuffer b = buffer(ClusterHeader.SIZE);
    cluster().encode(b, 0);
    assertThat(HexFormat.of().formatHex(b.array(), 0, 4)).isEqualTo("0300c010");
    assertThat(LittleEndian.u64(b, 0x04)).isEqualTo(0x4010400);
    assertThat(LittleEndian.u32(b, 0x200)).isEqualTo(5);
    assertThat(LittleEndian.u32(b, 0x204)).isEqualTo(16);
    assertThat(LittleEndian.u32(b, 0x208)).isEqualTo(4);
    assertThat(LittleEndian.u32(b, 0x20C)).isZero();
    // Free resources 0, 3, 9 and 15: byte 0 = 0b0000_1001, byte 1 = 0b1000_0010.
    assertThat(b.get(0x210)).isEqualTo((byte) 0x09);
    assertThat(b.get(0x211)).isEqualTo((byte) 0x82);
    assertThat(b.get(0x212)).isZero();
  }

  @Test
  void clusterHeader_decodeWithWrongId_throwsCorruptStructure() {
    ByteBuffer b = buffer(ClusterHeader.SIZE);
    cluster().encode(b, 0);
    assertThatThrownBy(() -> ClusterHeader.decode(b, 0, ".sbc.sf", 0x5000000, LockBlock.MAGIC_SBC, 6, 16))
        .isInstanceOf(CorruptStructureException.class)
        .hasMessage("ClusterHeader 6 of .sbc.sf at 0x5000200: bad clusterId (expected 6, was 5)");
  }

  @Test
  void clusterHeader_decodeWithFreeBitBeyondTotal_throwsCorruptStructure() {
    ByteBuffer b = buffer(ClusterHeader.SIZE);
    new ClusterHeader(LockBlock.unlocked(LockBlock.MAGIC_SBC, 0), 0, 12, 1, 0, BitSet.valueOf(new long[] {1L << 11})).encode(b, 0);
    b.put(0x211, (byte) 0x18);
    assertThatThrownBy(() -> ClusterHeader.decode(b, 0, ".sbc.sf", 0x5000000, LockBlock.MAGIC_SBC, 0, 16))
        .isInstanceOf(CorruptStructureException.class)
        .hasMessageStartingWith("ClusterHeader 0 of .sbc.sf at 0x5000210: bits set beyond the cluster's total");
  }

  @Test
  void pointerBlock_roundTripHasValueEquality() {
    int[] entries = new int[1024];
    entries[0] = 0x96e1;
    entries[1023] = FileBlockAddr.rawOf(FileBlockAddr.MAX_BLOCK, false);
    PointerBlock map = new PointerBlock(entries);
    ByteBuffer b = buffer(4096);
    map.encode(b);
    PointerBlock decoded = PointerBlock.decode(b, 1024);
    assertThat(decoded.entries()).containsExactly(entries);
    assertThat(decoded).isEqualTo(map).hasSameHashCodeAs(map);
  }

  @Test
  void pointerBlock_goldenBytes() {
    int[] entries = new int[1024];
    entries[1] = 0x96e1;
    entries[2] = 0x10000003;
    ByteBuffer b = buffer(4096);
    new PointerBlock(entries).encode(b);
    assertThat(HexFormat.of().formatHex(b.array(), 0, 12)).isEqualTo("00000000" + "e1960000" + "03000010");
  }
}
