package org.vmfskit.fs.format.vmfs6;

import static org.assertj.core.api.Assertions.assertThat;
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
import org.vmfskit.fs.format.LockBlock;

/**
 * Resource-file headers and cluster headers with 1-, 2- and 3-bit bitmaps: the real image's
 * headers (vmfs6-format.md 6.4) and their offsets (6.3), round trips and corruption tables.
 */
class ResourceRecords6Test {

  static final int MDA = 0x1000;

  // The real image's headers (6.4): rpc, cpg, resourceSize, count, flags, affinityPerCluster, bits.
  static final ResourceHeader6 FDC = ResourceHeader6.of(256, 8, 0x2000, 16384, 0x4, 0x100, 1, MDA);
  static final ResourceHeader6 SBC = ResourceHeader6.of(256, 8, 0x10000, 5916, 0x4, 0x100, 1, MDA);
  static final ResourceHeader6 PB2 = ResourceHeader6.of(32, 8, 0x10000, 1, 0x4, 0x20, 1, MDA);
  static final ResourceHeader6 JBC = ResourceHeader6.of(8, 4, 0x200000, 128, 0x0, 8, 1, MDA);
  static final ResourceHeader6 PBC = ResourceHeader6.of(0, 8, 0x10000, 0, 0x4, 0, 1, MDA);
  static final ResourceHeader6 LFB = new ResourceHeader6(16, 8, 0x10000, 0x2000, 0x110000, 2, 1, 1, 0x35, 0x348, 0x34, 3, 0x1000, 0, 0, 0, 0);
  static final ResourceHeader6 SFB = new ResourceHeader6(512, 8, 0x10000, 0, 0x10000, 768, 1, 1, 0x2A, 0xD8, 1, 2, 0, 16, 8, 0x110000, 2);

  @Test
  void resourceHeaders_ofTheRealImage_haveItsGroupSizesAndFileLengths() {
    assertThat(FDC.clusterGroupSize()).isEqualTo(0x1010000);
    assertThat(FDC.numClusterGroups()).isEqualTo(8);
    assertThat(FDC.requiredFileLength(MDA)).isEqualTo(0x8090000);
    assertThat(SBC.numClusterGroups()).isEqualTo(3);
    assertThat(SBC.requiredFileLength(MDA)).isEqualTo(0x17200000);
    assertThat(PB2.requiredFileLength(MDA)).isEqualTo(0x30000);
    assertThat(JBC.numClusterGroups()).isEqualTo(4);
    assertThat(JBC.requiredFileLength(MDA)).isEqualTo(0x10030000);
    assertThat(PBC.requiredFileLength(MDA)).isEqualTo(0x10000);
    assertThat(LFB.requiredFileLength(MDA)).isEqualTo(0x24000);
  }

  @Test
  void offsets_followTheSpecsWorkedExamples() {
    // /directory/file5: FD c0 r15 at .fdc.sf offset 0x3E000; its SB c0 r2 at .sbc.sf 0x40000; PB2 c0 r0 at 0x20000.
    assertThat(FDC.resourceOffset(0, 15, MDA)).isEqualTo(0x3E000);
    assertThat(FDC.resourceOffset(0, 0, MDA)).isEqualTo(0x20000);
    assertThat(SBC.resourceOffset(0, 2, MDA)).isEqualTo(0x40000);
    assertThat(PB2.resourceOffset(0, 0, MDA)).isEqualTo(0x20000);
    // SFB cluster c's header is LFB c's data slot: 0x20000 and 0x22000 for c = 0, 1.
    assertThat(LFB.resourceOffset(0, 0, MDA)).isEqualTo(0x20000);
    assertThat(LFB.resourceOffset(0, 1, MDA)).isEqualTo(0x22000);
    assertThat(LFB.resourceOffset(8, 3, MDA)).isEqualTo(0x10000 + 0x110000 + 8 * 0x2000 + 3 * 0x2000);
    // Cluster headers across groups: SBC c9 = group 1 position 1; JBC c5 = group 1 position 1.
    assertThat(SBC.clusterHeaderOffset(9, MDA)).isEqualTo(0x10000 + SBC.clusterGroupSize() + 0x2000);
    assertThat(JBC.clusterHeaderOffset(5, MDA)).isEqualTo(0x10000 + 0x4008000 + 0x2000);
  }

  @Test
  void resourceHeader_roundTripAndGoldenBytes() throws Exception {
    ByteBuffer b = buffer(0x2000);
    LFB.encode(b, 0);
    SFB.encode(b, 0x1000);
    assertThat(ResourceHeader6.decode(b, 0, 0x2000000, ".fbb.sf LFB level", MDA)).isEqualTo(LFB);
    assertThat(ResourceHeader6.decode(b, 0x1000, 0x2001000, ".fbb.sf SFB level", MDA)).isEqualTo(SFB);
    assertThat(hex(b, 0, 0x34)).isEqualTo("10000000" + "08000000" + "00000100" + "00200000" + "00001100" + "02000000" + "01000000"
        + "00000000" + "646d6672" + "01000000" + "35000000" + "4803" + "3400" + "03000000");
    assertThat(LittleEndian.u32(b, 0x34)).isEqualTo(0x1000);
    assertThat(hex(b, 0x1038, 0x1044)).isEqualTo("10000000" + "08000000" + "00001100");
    assertThat(LittleEndian.u32(b, 0x1054)).isEqualTo(2);
    for (ResourceHeader6 h : new ResourceHeader6[] {FDC, SBC, PB2, JBC, PBC}) {
      ByteBuffer one = buffer(ResourceHeader6.SIZE);
      h.encode(one, 0);
      assertThat(ResourceHeader6.decode(one, 0, 0, "x", MDA)).isEqualTo(h);
    }
  }

  static Stream<Arguments> headerCorruptions() {
    return Stream.of(
        Arguments.of("signature", 0x20, 0, 0x4000020L, "signature", "0x72666D64"),
        Arguments.of("rpc too big", 0x00, 9000, 0x4000000L, "resourcesPerCluster", "0..8192"),
        Arguments.of("cpg 0", 0x04, 0, 0x4000004L, "clustersPerGroup", "1..65536"),
        Arguments.of("cgOff unaligned", 0x08, 0x10200, 0x4000008L, "clusterGroupOffset", "multiple of 4096"),
        Arguments.of("cgSize", 0x10, 0x8010001, 0x4000010L, "clusterGroupSize", "expected 134283264"),
        Arguments.of("group count", 0x18, 7, 0x4000018L, "numClusterGroups", "expected 3"),
        Arguments.of("resources beyond groups", 0x14, 20000, 0x4000018L, "numClusterGroups", "expected 10"),
        Arguments.of("bits 4", 0x30, 4, 0x4000030L, "bitsPerResource", "1..3"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("headerCorruptions")
  void resourceHeader_corruptField_throwsCorruptStructure(String what, int off, long value, long at, String field, String expected) {
    ByteBuffer b = buffer(ResourceHeader6.SIZE);
    SBC.encode(b, 0);
    LittleEndian.putU32(b, off, value);
    assertCorrupt(src -> ResourceHeader6.decode(src, 0, 0x4000000, ".sbc.sf", MDA), b, "ResourceHeader6 of .sbc.sf", at, field, expected);
  }

  @Test
  void resourceHeader_ofPbcWithResources_throwsCorruptStructure() {
    ByteBuffer b = buffer(ResourceHeader6.SIZE);
    PBC.encode(b, 0);
    LittleEndian.putU32(b, 0x14, 1);
    assertCorrupt(src -> ResourceHeader6.decode(src, 0, 0x8000000, ".pbc.sf", MDA), b, "ResourceHeader6 of .pbc.sf", 0x8000014,
        "numResources", "resources without clusters");
  }

  // FDC cluster 0 of the real image: 256 FDs, 16 in use (bits 0-15 clear), so 240 free.
  static ClusterHeader6 fdcCluster0() {
    ClusterHeader6 h = ClusterHeader6.uniform(LockBlock6.unlocked(LockBlock6.TYPE_FDC, 0x710000), 0, 256, 1, 1, 256);
    for (int r = 0; r < 16; r++) {
      h = h.withState(r, 0, h.free() - 1, 16);
    }
    return h;
  }

  @Test
  void clusterHeader_oneBit_roundTripAndGoldenBytes() throws Exception {
    ClusterHeader6 h = fdcCluster0();
    ByteBuffer b = buffer(0x2000);
    h.encode(b, 0, MDA);
    assertThat(ClusterHeader6.decode(b, 0, ".fdc.sf", 0x1810000, LockBlock6.TYPE_FDC, 0, 256, 1, MDA)).isEqualTo(h);
    assertThat(hex(b, 0, 12)).isEqualTo("0500c010" + "0000710000000000");
    assertThat(hex(b, 0x1010, 0x1028)).isEqualTo("646d6372" + "00000000" + "0000000000000000" + "0001" + "f000" + "00000000");
    assertThat(LittleEndian.u32(b, 0x1030)).isEqualTo(1);
    assertThat(LittleEndian.u32(b, 0x107C)).isEqualTo(16);
    assertThat(hex(b, 0x1080, 0x10A0)).isEqualTo("0000" + "ff".repeat(30));
    assertThat(h.isFree(15)).isFalse();
    assertThat(h.isFree(16)).isTrue();
    assertThat(h.count(1)).isEqualTo(240).isEqualTo(h.free());
  }

  @Test
  void clusterHeader_sbcWithThreeSbsInUse_readsF8() throws Exception {
    ClusterHeader6 h = ClusterHeader6.uniform(LockBlock6.unlocked(LockBlock6.TYPE_SBC, 0x0), 0, 256, 1, 1, 256);
    for (int r = 0; r < 3; r++) {
      h = h.withState(r, 0, h.free() - 1, 3);
    }
    ByteBuffer b = buffer(0x2000);
    h.encode(b, 0, MDA);
    assertThat(b.get(0x1080) & 0xFF).isEqualTo(0xF8);
  }

  @Test
  void clusterHeader_twoAndThreeBitStates_packFromBitZero() throws Exception {
    // Both LFBs of the real image read 0b100 (converted into SFB clusters): bits 0-5 = 100 100.
    ClusterHeader6 lfb = ClusterHeader6.uniform(LockBlock6.unlocked(LockBlock6.TYPE_LFB_CLUSTER, 0x10000), 0, 2, 3,
        ClusterHeader6.LFB_CONVERTED, 0);
    ByteBuffer b = buffer(0x2000);
    lfb.encode(b, 0, MDA);
    assertThat(b.get(0x1080) & 0xFF).isEqualTo(0x24);
    assertThat(ClusterHeader6.decode(b, 0, ".fbb.sf LFB level", 0, LockBlock6.TYPE_LFB_CLUSTER, 0, 16, 3, MDA)).isEqualTo(lfb);
    // SFB cluster: 512 SFBs in use (00), then SFB 300 freed with vmfskit's unsure "01".
    ClusterHeader6 sfb = ClusterHeader6.uniform(LockBlock6.unlocked(LockBlock6.TYPE_SFB_CLUSTER, 0x20000), 1, 512, 2, ClusterHeader6.SFB_USED, 0)
        .withState(300, ClusterHeader6.SFB_FREE_UNSURE, 1, 300);
    ByteBuffer s = buffer(0x2000);
    sfb.encode(s, 0, MDA);
    ClusterHeader6 back = ClusterHeader6.decode(s, 0, ".fbb.sf SFB level", 0, LockBlock6.TYPE_SFB_CLUSTER, 1, 512, 2, MDA);
    assertThat(back).isEqualTo(sfb);
    assertThat(back.state(300)).isEqualTo(1);
    assertThat(back.state(301)).isZero();
    assertThat(s.get(0x1080 + 300 / 4) & 0xFF).isEqualTo(0x01);
    assertThat(back.bitmap()).hasSize(128);
  }

  static Stream<Arguments> clusterCorruptions() {
    return Stream.of(
        Arguments.of("lock type", 0x0000, 0x10C00003L, 4, 0x1810000L, "lockType", "0x10C00005"),
        Arguments.of("signature", 0x1010, 0x72636D65L, 4, 0x1811010L, "signature", "0x72636D64"),
        Arguments.of("cluster number", 0x1018, 1, 8, 0x1811018L, "clusterNumber", "expected 0"),
        Arguments.of("total above rpc", 0x1020, 257, 2, 0x1811020L, "total", "0..256"),
        Arguments.of("free above total", 0x1022, 300, 2, 0x1811022L, "free", "0..256"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("clusterCorruptions")
  void clusterHeader_corruptField_throwsCorruptStructure(String what, int off, long value, int width, long at, String field, String expected) {
    ByteBuffer b = buffer(0x2000);
    fdcCluster0().encode(b, 0, MDA);
    Vmfs6Bytes.put(b, off, value, width);
    assertCorrupt(src -> ClusterHeader6.decode(src, 0, ".fdc.sf", 0x1810000, LockBlock6.TYPE_FDC, 0, 256, 1, MDA), b,
        "ClusterHeader6 0 of .fdc.sf", at, field, expected);
  }

  @Test
  void clusterHeader_withBitsBeyondTotal_throwsCorruptStructure() {
    ClusterHeader6 partial = ClusterHeader6.uniform(LockBlock6.unlocked(LockBlock6.TYPE_SBC, 0), 23, 28, 1, 1, 28);
    ByteBuffer b = buffer(0x2000);
    partial.encode(b, 0, MDA);
    b.put(0x1083, (byte) 0x1F);
    assertCorrupt(src -> ClusterHeader6.decode(src, 0, ".sbc.sf", 0x5000, LockBlock6.TYPE_SBC, 23, 256, 1, MDA), b,
        "ClusterHeader6 23 of .sbc.sf", 0x6083, "bitmap", "none at or above bit 28");
  }

  @Test
  void lockBlock_keepsTheVmfs5LayoutAndZeroesTheRest() throws Exception {
    LockBlock released = new LockBlock(LockBlock6.TYPE_FD, 0x73E000, 0x378000, 30, 77, 0, Vmfs6Bytes.HOST_UUID, 0);
    ByteBuffer b = buffer(0x1000);
    for (int i = 0; i < 0x1000; i++) {
      b.put(i, (byte) 0xEE);
    }
    LockBlock6.encode(released, b, 0, 0x1000);
    assertThat(LockBlock6.decode(b, 0, "FileDescriptor6", 0x183E000, LockBlock6.TYPE_FD)).isEqualTo(released);
    assertThat(hex(b, 0, 0x14)).isEqualTo("0100c010" + "00e0730000000000" + "0080370000000000");
    assertThat(LockBlock6.isHeld(released)).isFalse();
    for (int i = 0x48; i < 0x1000; i++) {
      assertThat(b.get(i)).as("byte 0x%x", i).isZero();
    }
  }

  @Test
  void damagedResourceStructures_neverEscapeAsUncheckedExceptions() {
    ByteBuffer header = buffer(ResourceHeader6.SIZE);
    SFB.encode(header, 0);
    assertThat(Vmfs6Bytes.sweep(header, 0, ResourceHeader6.SIZE, 71, src -> ResourceHeader6.decode(src, 0, 0, "x", MDA))).isPositive();
    ByteBuffer cluster = buffer(0x2000);
    fdcCluster0().encode(cluster, 0, MDA);
    assertThat(Vmfs6Bytes.sweep(cluster, 0x1000, 0x10C0, 72,
        src -> ClusterHeader6.decode(src, 0, "x", 0, LockBlock6.TYPE_FDC, 0, 256, 1, MDA))).isPositive();
  }
}
