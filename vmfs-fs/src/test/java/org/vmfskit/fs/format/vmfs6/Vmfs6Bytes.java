package org.vmfskit.fs.format.vmfs6;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.VmfsFormatException;
import org.vmfskit.fs.format.VmfsUuid;

/** Buffers, UUIDs and the corruption helpers the VMFS6 record tests share. */
final class Vmfs6Bytes {

  static final VmfsUuid LVM_UUID = uuid("60a3e2c1 8e1d0a4b 1c2d 000c29a1b2c3");
  static final VmfsUuid FS_UUID = uuid("60a3e2c2 11223344 5566 000c29a1b2c3");
  static final VmfsUuid HOST_UUID = uuid("60a3e000 aabbccdd eeff 000c29d4e5f6");

  private Vmfs6Bytes() {}

  static VmfsUuid uuid(String hex) {
    return new VmfsUuid(HexFormat.of().parseHex(hex.replace(" ", "")));
  }

  static ByteBuffer buffer(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }

  static ByteBuffer copy(ByteBuffer template) {
    return ByteBuffer.wrap(template.array().clone()).order(ByteOrder.LITTLE_ENDIAN);
  }

  static String hex(ByteBuffer b, int from, int to) {
    return HexFormat.of().formatHex(b.array(), from, to);
  }

  /** A decode that may throw any format exception. */
  interface Decoder {
    Object decode(ByteBuffer src) throws VmfsFormatException;
  }

  /** Asserts a CorruptStructureException naming {@code structure}, the image offset and expected/was. */
  static void assertCorrupt(Decoder decoder, ByteBuffer src, String structurePrefix, long deviceOffset, String field, String expectedPart) {
    try {
      Object value = decoder.decode(src);
      fail("decoded a damaged " + structurePrefix + " as " + value);
    } catch (CorruptStructureException e) {
      assertThat(e.structure()).startsWith(structurePrefix);
      assertThat(e.deviceOffset()).as(e.getMessage()).isEqualTo(deviceOffset);
      assertThat(e.field()).isEqualTo(field);
      assertThat(e.getMessage()).startsWith(e.structure() + " at 0x" + Long.toHexString(deviceOffset)).contains(expectedPart);
    } catch (VmfsFormatException e) {
      fail("expected CorruptStructureException, got " + e);
    }
  }

  /**
   * Damages every byte of {@code [from, to)} of the template in turn (seeded random values and
   * 0x00 / 0xFF) and asserts that decoding either succeeds or throws a format exception, never an
   * unchecked one. Returns how many damaged copies were rejected.
   */
  static int sweep(ByteBuffer template, int from, int to, long seed, Decoder decoder) {
    SplittableRandom random = new SplittableRandom(seed);
    int rejected = 0;
    for (int off = from; off < to; off++) {
      for (int value : new int[] {0x00, 0xFF, random.nextInt(256)}) {
        ByteBuffer damaged = copy(template);
        damaged.put(off, (byte) value);
        try {
          decoder.decode(damaged);
        } catch (VmfsFormatException e) {
          rejected++;
        } catch (RuntimeException e) {
          throw new AssertionError("seed " + seed + ": byte 0x" + Integer.toHexString(off) + " = 0x" + Integer.toHexString(value)
              + " escaped as " + e, e);
        }
      }
    }
    return rejected;
  }

  /** Writes {@code value} as a little-endian field of {@code width} bytes (1, 2, 4 or 8). */
  static void put(ByteBuffer b, int off, long value, int width) {
    switch (width) {
      case 1 -> b.put(off, (byte) value);
      case 2 -> org.vmfskit.fs.format.LittleEndian.putU16(b, off, (int) value);
      case 4 -> org.vmfskit.fs.format.LittleEndian.putU32(b, off, value);
      case 8 -> org.vmfskit.fs.format.LittleEndian.putU64(b, off, value);
      default -> throw new IllegalArgumentException("width " + width);
    }
  }
}
