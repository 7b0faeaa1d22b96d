package org.vmfskit.fs.format;

import java.nio.ByteBuffer;

/**
 * The one home of unsigned little-endian field access. Every codec reads through these absolute
 * getters so no caller's buffer position moves and no u32 is ever sign-extended by accident.
 */
public final class LittleEndian {

  private LittleEndian() {}

  /** Returns the unsigned byte at {@code offset}. */
  public static int u8(ByteBuffer buffer, int offset) {
    return buffer.get(offset) & 0xFF;
  }

  /** Returns the unsigned 16-bit value at {@code offset}. */
  public static int u16(ByteBuffer buffer, int offset) {
    return (buffer.get(offset) & 0xFF) | (buffer.get(offset + 1) & 0xFF) << 8;
  }

  /** Returns the unsigned 32-bit value at {@code offset}, widened to a long. */
  public static long u32(ByteBuffer buffer, int offset) {
    return Integer.toUnsignedLong(raw32(buffer, offset));
  }

  /** Returns the 32 bits at {@code offset} as an int, for fields kept raw (named {@code raw…}). */
  public static int raw32(ByteBuffer buffer, int offset) {
    return (buffer.get(offset) & 0xFF)
        | (buffer.get(offset + 1) & 0xFF) << 8
        | (buffer.get(offset + 2) & 0xFF) << 16
        | (buffer.get(offset + 3) & 0xFF) << 24;
  }

  /** Returns the 64 bits at {@code offset}; callers treat values above 2^63 as corrupt. */
  public static long u64(ByteBuffer buffer, int offset) {
    return Integer.toUnsignedLong(raw32(buffer, offset))
        | (long) raw32(buffer, offset + 4) << 32;
  }

  /**
   * Returns the u32 at {@code offset} as an int, or throws when it does not fit in 31 bits.
   *
   * @param structure the structure name for the message
   * @param base the device offset of the structure
   * @param field the field name for the message
   */
  public static int u32ToIntExact(ByteBuffer buffer, int offset, String structure, long base, String field)
      throws CorruptStructureException {
    long value = u32(buffer, offset);
    if (value > Integer.MAX_VALUE) {
      throw new CorruptStructureException(
          structure, base, field, "value out of range", "at most " + Integer.MAX_VALUE, value);
    }
    return (int) value;
  }

  /** Writes the low 8 bits of {@code value} at {@code offset}. */
  public static void putU8(ByteBuffer buffer, int offset, int value) {
    buffer.put(offset, (byte) value);
  }

  /** Writes the low 16 bits of {@code value} at {@code offset}. */
  public static void putU16(ByteBuffer buffer, int offset, int value) {
    buffer.put(offset, (byte) value);
    buffer.put(offset + 1, (byte) (value >>> 8));
  }

  /** Writes the low 32 bits of {@code value} at {@code offset}. */
  public static void putU32(ByteBuffer buffer, int offset, long value) {
    for (int i = 0; i < 4; i++) {
      buffer.put(offset + i, (byte) (value >>> (8 * i)));
    }
  }

  /** Writes {@code value} as 64 bits at {@code offset}. */
  public static void putU64(ByteBuffer buffer, int offset, long value) {
    for (int i = 0; i < 8; i++) {
      buffer.put(offset + i, (byte) (value >>> (8 * i)));
    }
  }

  /** Returns {@code length} bytes copied from {@code offset}. */
  public static byte[] bytes(ByteBuffer buffer, int offset, int length) {
    byte[] out = new byte[length];
    buffer.get(offset, out);
    return out;
  }

  /** Returns the NUL-terminated ASCII/UTF-8 text in a field of {@code length} bytes. */
  public static String cString(ByteBuffer buffer, int offset, int length) {
    int end = 0;
    while (end < length && buffer.get(offset + end) != 0) {
      end++;
    }
    return new String(bytes(buffer, offset, end), java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Writes {@code text} NUL-padded into a field of {@code length} bytes; text must fit. */
  public static void putCString(ByteBuffer buffer, int offset, int length, String text) {
    byte[] raw = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    com.google.common.base.Preconditions.checkArgument(
        raw.length <= length, "text of %s bytes does not fit in %s", raw.length, length);
    buffer.put(offset, raw);
    for (int i = raw.length; i < length; i++) {
      buffer.put(offset + i, (byte) 0);
    }
  }
}
