package org.vmfskit.fs.testing;

/** Position-dependent content, so huge files can be checked without holding a copy in memory. */
public final class Patterns {

  private Patterns() {}

  /** Returns the byte expected at file offset {@code pos} of a file written with {@code seed}. */
  public static byte at(long seed, long pos) {
    long x = (pos + seed * 0x9E3779B97F4A7C15L) * 0xBF58476D1CE4E5B9L;
    x ^= x >>> 31;
    return (byte) (x ^ (x >>> 17));
  }

  /** Returns the pattern bytes of {@code [pos, pos + length)}. */
  public static byte[] of(long seed, long pos, int length) {
    byte[] out = new byte[length];
    for (int i = 0; i < length; i++) {
      out[i] = at(seed, pos + i);
    }
    return out;
  }
}
