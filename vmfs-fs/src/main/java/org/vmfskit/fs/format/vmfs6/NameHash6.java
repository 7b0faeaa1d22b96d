package org.vmfskit.fs.format.vmfs6;

import com.google.common.base.Preconditions;
import java.nio.charset.StandardCharsets;

/**
 * The VMFS6 directory-name hash (vmfs6-format.md section 9.3, verified on every name of the real
 * image): Bob Jenkins' 64-bit hash (lookup8.c {@code hash2}, public domain) over a 256-byte key
 * holding the name, then a salt in every 8-byte quad after the name's first NUL up to byte 127.
 * <pre>
 * key byte  content
 * 0..n-1    the name's UTF-8 bytes, no terminator
 * n..P-1    zero, P = (n + 8) rounded down to a multiple of 8 (at least one NUL)
 * P..127    the salt 0x739A75C28E61B017 (little-endian) in each quad starting below 127
 * 128..255  zero
 * </pre>
 * From the 64-bit result H: table index = H mod 16001 (H mod 15973 in the root, whose last 28
 * slots are reserved for system files), stored hash = H mod 2^32 (dirent +0x0C), link hash =
 * (H >> 16) and 0xFFFF (link groups).
 */
public final class NameHash6 {

  /** The salt stored in the key's quads after the name. */
  public static final long SALT = 0x739A75C28E61B017L;
  /** Bytes of the key. */
  public static final int KEY_BYTES = 256;
  /** Hash-table slots of a directory. */
  public static final int TABLE_SLOTS = 16001;
  /** Hash-table slots reserved for system files at the end of the root's table. */
  public static final int ROOT_RESERVED_SLOTS = 28;
  /** Hash-table slots a name of the root can hash to. */
  public static final int ROOT_TABLE_SLOTS = TABLE_SLOTS - ROOT_RESERVED_SLOTS;

  private static final int WORDS = KEY_BYTES / 8;
  private static final long GOLDEN_RATIO = 0x9E3779B97F4A7C13L;
  private static final int SALTED_LIMIT = 127;

  private NameHash6() {}

  /** Returns the 64-bit hash H of {@code name}. */
  public static long of(String name) {
    return of(name.getBytes(StandardCharsets.UTF_8));
  }

  /** Returns the 64-bit hash H of the raw name bytes (at most 255, no NUL). */
  public static long of(byte[] name) {
    Preconditions.checkArgument(name.length < KEY_BYTES, "name of %s bytes", name.length);
    long[] k = key(name);
    // abc = {a, b, c}, mixed in place: lookups hash every name, so no allocation per round.
    long[] abc = {42, 42, GOLDEN_RATIO};
    int j = 0;
    // lookup8 hash2 consumes three words per round while at least three remain (j = 0..27).
    for (; WORDS - j >= 3; j += 3) {
      abc[0] += k[j];
      abc[1] += k[j + 1];
      abc[2] += k[j + 2];
      mix(abc);
    }
    // The tail adds the length in words (32), not bytes, to c: ESXi's variant of hash2.
    abc[2] += WORDS;
    abc[0] += k[j];
    abc[1] += k[j + 1];
    mix(abc);
    return abc[2];
  }

  /** Returns the hash-table index of a name with hash {@code h}, in the root or elsewhere. */
  public static int tableIndex(long h, boolean root) {
    return (int) Long.remainderUnsigned(h, root ? ROOT_TABLE_SLOTS : TABLE_SLOTS);
  }

  /** Returns the 32 bits a directory entry stores (+0x0C). */
  public static int storedHash(long h) {
    return (int) h;
  }

  /** Returns the 16-bit link hash link groups store. */
  public static int linkHash(long h) {
    return (int) (h >>> 16) & 0xFFFF;
  }

  /** Returns the 32 little-endian words of the salted key of {@code name}. */
  static long[] key(byte[] name) {
    byte[] bytes = new byte[KEY_BYTES];
    System.arraycopy(name, 0, bytes, 0, name.length);
    for (int quad = (name.length + 8) & ~7; quad < SALTED_LIMIT; quad += 8) {
      for (int i = 0; i < 8; i++) {
        bytes[quad + i] = (byte) (SALT >>> (8 * i));
      }
    }
    long[] words = new long[WORDS];
    for (int w = 0; w < WORDS; w++) {
      long word = 0;
      for (int i = 7; i >= 0; i--) {
        word = word << 8 | (bytes[w * 8 + i] & 0xFF);
      }
      words[w] = word;
    }
    return words;
  }

  private static void mix(long[] abc) {
    long a = abc[0];
    long b = abc[1];
    long c = abc[2];
    a = (a - b - c) ^ (c >>> 43);
    b = (b - c - a) ^ (a << 9);
    c = (c - a - b) ^ (b >>> 8);
    a = (a - b - c) ^ (c >>> 38);
    b = (b - c - a) ^ (a << 23);
    c = (c - a - b) ^ (b >>> 5);
    a = (a - b - c) ^ (c >>> 35);
    b = (b - c - a) ^ (a << 49);
    c = (c - a - b) ^ (b >>> 11);
    a = (a - b - c) ^ (c >>> 12);
    b = (b - c - a) ^ (a << 18);
    c = (c - a - b) ^ (b >>> 22);
    abc[0] = a;
    abc[1] = b;
    abc[2] = c;
  }
}
