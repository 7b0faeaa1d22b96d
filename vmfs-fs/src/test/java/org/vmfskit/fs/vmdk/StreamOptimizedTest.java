package org.vmfskit.fs.vmdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vmfskit.fs.format.CorruptStructureException;

/**
 * A true stream-optimized file (spec 4.2: GD_AT_END, compressed grain records, GT/GD/footer/EOS
 * markers), built here at run time, read by vmfskit and by qemu-img, plus corruptions of its grain
 * records and trailing markers.
 */
class StreamOptimizedTest {

  private static final int CAPACITY = 3 << 20;
  private static final int GRAIN = 64 << 10;
  /** The first grain record starts at sector 128 (file offset 0x10000). */
  private static final int FIRST_RECORD = 0x10000;

  @TempDir Path dir;

  /** Returns the disk content: grains 0, 1 and 40 hold data, the rest are zero. */
  static byte[] content() {
    byte[] raw = new byte[CAPACITY];
    SplittableRandom random = new SplittableRandom(5);
    for (int grain : new int[] {0, 1, 40}) {
      for (int i = 0; i < GRAIN; i += 2) {
        raw[grain * GRAIN + i] = (byte) random.nextInt(16);
      }
    }
    return raw;
  }

  /** Writes {@code raw} as a stream: header, descriptor, grain records, GT, GD, footer, EOS. */
  static byte[] stream(byte[] raw) {
    ByteBuffer out = ByteBuffer.allocate(CAPACITY * 2).order(ByteOrder.LITTLE_ENDIAN);
    long sectors = CAPACITY / 512;
    Descriptor descriptor = Descriptor.of("streamOptimized", 0x1234L, Descriptor.NO_PARENT_CID,
        List.of(new Descriptor.ExtentLine(Descriptor.Access.RW, sectors, Descriptor.ExtentType.SPARSE, "s.vmdk", -1)));
    out.put(512, descriptor.toBytes());
    int at = FIRST_RECORD;
    int[] gt = new int[512];
    Deflater deflater = new Deflater();
    for (int g = 0; g < CAPACITY / GRAIN; g++) {
      byte[] grain = Arrays.copyOfRange(raw, g * GRAIN, (g + 1) * GRAIN);
      if (Arrays.equals(grain, new byte[GRAIN])) {
        continue;
      }
      deflater.reset();
      deflater.setInput(grain);
      deflater.finish();
      byte[] packed = new byte[GRAIN * 2];
      int n = deflater.deflate(packed);
      gt[g] = at / 512;
      out.putLong(at, (long) g * GRAIN / 512).putInt(at + 8, n).put(at + 12, packed, 0, n);
      at += Math.ceilDiv(12 + n, 512) * 512;
    }
    deflater.end();
    at = marker(out, at, 4, 1);
    int gtSector = at / 512;
    for (int i = 0; i < gt.length; i++) {
      out.putInt(at + i * 4, gt[i]);
    }
    at += 2048;
    at = marker(out, at, 1, 2);
    int gdSector = at / 512;
    out.putInt(at, gtSector);
    at += 512;
    KdmvHeader header = new KdmvHeader(3, 0x30001, sectors, 128, 1, 20, 512, 0, KdmvHeader.GD_AT_END, 128, 0, 1);
    header.encode(out.slice(0, 512).order(ByteOrder.LITTLE_ENDIAN));
    at = marker(out, at, 1, 3);
    new KdmvHeader(3, 0x30001, sectors, 128, 1, 20, 512, 0, gdSector, 128, 0, 1)
        .encode(out.slice(at, 512).order(ByteOrder.LITTLE_ENDIAN));
    at += 512;
    at = marker(out, at, 0, 0);
    return Arrays.copyOf(out.array(), at);
  }

  private static int marker(ByteBuffer out, int at, long value, int type) {
    out.putLong(at, value).putInt(at + 8, 0).putInt(at + 12, type);
    return at + 512;
  }

  private byte[] readThroughVmfskit(String name) throws IOException {
    try (VirtualDisk disk = VirtualDisk.open(HostDiskStore.readOnly(dir), name, false)) {
      ByteBuffer all = ByteBuffer.allocate((int) disk.capacity());
      disk.read(0, all);
      return all.array();
    }
  }

  @Test
  void trueStream_readsAsContent_inVmfskitAndQemu() throws Exception {
    byte[] raw = content();
    Files.write(dir.resolve("s.vmdk"), stream(raw));
    assertThat(readThroughVmfskit("s.vmdk")).isEqualTo(raw);
    assumeTrue(Oracles.toolAvailable("qemu-img"), "qemu-img not installed");
    Files.write(dir.resolve("s.raw"), raw);
    Oracles.Result compare = Oracles.run(dir, "qemu-img", "compare", "-f", "vmdk", "-F", "raw", "s.vmdk", "s.raw");
    assertThat(compare.exit()).as(compare.output()).isZero();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "grain record lba,      0,     8, 7,          0",
    "grain record size 0,   8,     4, 0,          8",
    "grain record size huge, 8,    4, 1000000,    8",
    "zlib stream garbage,   12,    4, 1431655765, 12",
    "footer marker type,    -1524, 4, 9,          -1536",
    "end-of-stream marker,  -512,  8, 1,          -512",
  })
  void corruptStream_throwsWithOffset(String name, int relative, int width, long value, int reported)
      throws IOException {
    byte[] bytes = stream(content());
    int base = relative < 0 ? bytes.length : FIRST_RECORD;
    for (int i = 0; i < width; i++) {
      bytes[base + relative + i] = (byte) (value >>> (8 * i));
    }
    Files.write(dir.resolve("bad.vmdk"), bytes);
    Throwable thrown = catchThrowable(() -> readThroughVmfskit("bad.vmdk"));
    assertThat(thrown).as(name).isInstanceOf(CorruptStructureException.class);
    long expected = (reported < 0 ? bytes.length : FIRST_RECORD) + reported;
    assertThat(thrown.getMessage()).as(name).contains("0x" + Long.toHexString(expected));
  }
}
