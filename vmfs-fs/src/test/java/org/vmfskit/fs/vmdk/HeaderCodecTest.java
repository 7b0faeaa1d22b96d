package org.vmfskit.fs.vmdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Round trips and hand-checked golden bytes for each header record. */
class HeaderCodecTest {

  private static String hex(ByteBuffer buffer, int from, int to) {
    byte[] bytes = new byte[to - from];
    buffer.get(from, bytes);
    return HexFormat.ofDelimiter(" ").formatHex(bytes);
  }

  @Test
  void cowdHeader_roundTripAndGoldenBytes() throws Exception {
    CowdHeader header = CowdHeader.forNewDelta(131072);
    ByteBuffer raw = header.toBuffer();
    assertThat(CowdHeader.decode(raw, 0)).isEqualTo(header);
    // magic COWD, version 1, flags 3, 131072 sectors, grain 1, GD at 4, 32 GD entries, free sector 5
    assertThat(hex(raw, 0, 32)).isEqualTo(
        "43 4f 57 44 01 00 00 00 03 00 00 00 00 00 02 00 01 00 00 00 04 00 00 00 20 00 00 00 05 00 00 00");
    assertThat(hex(raw, 32, 2048).replace("00", "").isBlank()).isTrue();
  }

  @Test
  void seSparseHeader_roundTripAndGoldenBytes() throws Exception {
    SeSparseHeader header = SeSparseHeader.forNewDelta(65536);
    ByteBuffer raw = header.toBuffer();
    assertThat(SeSparseHeader.decode(raw, 0)).isEqualTo(header);
    assertThat(hex(raw, 0, 48)).isEqualTo(
        "be ba fe ca 00 00 00 00 01 00 00 00 02 00 00 00 00 00 01 00 00 00 00 00 "
            + "08 00 00 00 00 00 00 00 40 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
    // volatile header at sector 1 (size 1); GD at sector 8, 1 sector; GTs at 9, 2 x 64 sectors
    assertThat(hex(raw, 0x50, 0x60)).isEqualTo("01 00 00 00 00 00 00 00 01 00 00 00 00 00 00 00");
    assertThat(hex(raw, 0x80, 0xA0)).isEqualTo(
        "08 00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 09 00 00 00 00 00 00 00 80 00 00 00 00 00 00 00");
    ByteBuffer vol = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
    new SeSparseHeader.Volatile(5, 0, 0).encode(vol);
    assertThat(SeSparseHeader.Volatile.decode(vol, 512)).isEqualTo(new SeSparseHeader.Volatile(5, 0, 0));
    assertThat(hex(vol, 0, 16)).isEqualTo("fe ca fe ca 00 00 00 00 05 00 00 00 00 00 00 00");
  }

  @Test
  void seSparseGrainEntry_encodesIndexAsQemuDecodesIt() {
    long index = 0x123456789L;
    long entry = SeSparseExtent.allocatedEntry(index);
    assertThat(entry >>> 60).isEqualTo(3);
    assertThat(SeSparseExtent.grainIndex(entry)).isEqualTo(index);
    assertThat(entry).isEqualTo(0x3789000000123456L);
  }

  @Test
  void kdmvHeader_roundTripAndGoldenBytes() throws Exception {
    KdmvHeader header = new KdmvHeader(1, 1, 8192, 128, 1, 20, 512, 0, 21, 128, 0, 0);
    ByteBuffer raw = header.toBuffer();
    assertThat(KdmvHeader.decode(raw, 0)).isEqualTo(header);
    assertThat(hex(raw, 0, 0x14)).isEqualTo("4b 44 4d 56 01 00 00 00 01 00 00 00 00 20 00 00 00 00 00 00");
    assertThat(hex(raw, 0x2C, 0x30)).isEqualTo("00 02 00 00");
    assertThat(hex(raw, 0x48, 0x4F)).isEqualTo("00 0a 20 0d 0a 00 00");
  }
}
