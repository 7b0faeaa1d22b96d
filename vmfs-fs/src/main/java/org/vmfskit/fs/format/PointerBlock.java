package org.vmfskit.fs.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A pointer block ("MAP"), one resource of {@code .pbc.sf}: an array of raw block addresses
 * (FS3_PtrBlock in dissect.vmfs). With the standard 4 KiB resource it holds 1024 addresses, 1 GiB
 * of file at 1 MiB blocks.
 * <pre>
 * off        size  type     field      meaning
 * 0x000      4     u32      entry[0]   block address of file block 0 of the MAP's range; 0 = hole
 * ...
 * 4(n-1)     4     u32      entry[n-1] n = resourceSize / 4 (1024 on VMFS5)
 * </pre>
 * Entries are FB (or null) addresses, or PB addresses in the first level of a double-indirect
 * file. Hot paths keep the raw {@code int[]} from {@link #decodeRaw}.
 */
public record PointerBlock(int[] entries) {

  /** Copies the entries so the record stays immutable. */
  public PointerBlock {
    entries = entries.clone();
  }

  @Override
  public int[] entries() {
    return entries.clone();
  }

  // Records compare arrays by reference; a MAP equals its decoded copy only with content equality.
  @Override
  public boolean equals(Object other) {
    return other instanceof PointerBlock o && java.util.Arrays.equals(entries, o.entries);
  }

  @Override
  public int hashCode() {
    return java.util.Arrays.hashCode(entries);
  }

  /** Returns the number of entries. */
  public int length() {
    return entries.length;
  }

  /** Decodes a MAP of {@code count} entries from {@code src} at its position 0. */
  public static PointerBlock decode(ByteBuffer src, int count) {
    return new PointerBlock(decodeRaw(src, count));
  }

  /** Decodes {@code count} raw entries into a new array without wrapping. */
  public static int[] decodeRaw(ByteBuffer src, int count) {
    int[] out = new int[count];
    src.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(0).asIntBuffer().get(out);
    return out;
  }

  /** Encodes raw entries into {@code dst} from position 0. */
  public static void encodeRaw(int[] entries, ByteBuffer dst) {
    dst.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(0).asIntBuffer().put(entries);
  }

  /** Encodes the MAP into {@code dst} from position 0. */
  public void encode(ByteBuffer dst) {
    encodeRaw(entries, dst);
  }
}
