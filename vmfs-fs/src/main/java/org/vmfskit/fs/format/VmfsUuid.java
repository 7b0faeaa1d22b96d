package org.vmfskit.fs.format;

import com.google.common.base.Preconditions;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.random.RandomGenerator;

/**
 * A VMFS UUID, 16 bytes: {@code timeLo u32, timeHi u32, rand u16, mac[6]}, printed as
 * {@code %08x-%08x-%04x-%012x} with the MAC in stored byte order.
 */
public record VmfsUuid(byte[] bytes) {

  /** The encoded size in bytes. */
  public static final int SIZE = 16;

  /** The all-zero UUID. */
  public static final VmfsUuid NIL = new VmfsUuid(new byte[SIZE]);

  /** Checks the length and copies the bytes. */
  public VmfsUuid {
    Preconditions.checkArgument(bytes.length == SIZE, "a UUID has 16 bytes, not %s", bytes.length);
    bytes = bytes.clone();
  }

  @Override
  public byte[] bytes() {
    return bytes.clone();
  }

  /** Reads a UUID at absolute {@code offset} of {@code src}. */
  public static VmfsUuid decode(ByteBuffer src, int offset) {
    return new VmfsUuid(LittleEndian.bytes(src, offset, SIZE));
  }

  /** Writes the UUID at absolute {@code offset} of {@code dst}. */
  public void encode(ByteBuffer dst, int offset) {
    dst.put(offset, bytes);
  }

  /** Makes a UUID the way ESX does: creation time in seconds, a counter-like random, a MAC. */
  public static VmfsUuid generate(long unixSeconds, RandomGenerator random) {
    ByteBuffer b = ByteBuffer.allocate(SIZE);
    LittleEndian.putU32(b, 0, unixSeconds);
    LittleEndian.putU32(b, 4, random.nextInt());
    LittleEndian.putU16(b, 8, random.nextInt());
    byte[] mac = new byte[6];
    random.nextBytes(mac);
    mac[0] = 0x00; // VMware OUI prefix keeps generated IDs recognisable: 00:0c:29.
    mac[1] = 0x0c;
    mac[2] = 0x29;
    b.put(10, mac);
    return new VmfsUuid(b.array());
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof VmfsUuid(byte[] otherBytes) && Arrays.equals(bytes, otherBytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    return "%08x-%08x-%04x-%s"
        .formatted(
            LittleEndian.u32(b, 0),
            LittleEndian.u32(b, 4),
            LittleEndian.u16(b, 8),
            HexFormat.of().formatHex(bytes, 10, 16));
  }
}
