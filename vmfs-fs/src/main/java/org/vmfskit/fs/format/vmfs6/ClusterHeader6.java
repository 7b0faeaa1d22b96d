package org.vmfskit.fs.format.vmfs6;

import com.google.common.base.Preconditions;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.LittleEndian;
import org.vmfskit.fs.format.LockBlock;

/**
 * A VMFS6 cluster header, 2 x mdA (8 KiB): a lock block (mdA), then a metadata block with the
 * 'rcmd' signature and the cluster's allocation bitmap (vmfs6-format.md section 6.2 [V]). The
 * SFB level's cluster headers live in the LFB level's resource data slots (6.3).
 * <pre>
 * off (metadata)  size  type   field          meaning / valid range
 * 0x00            16    -      -              zero
 * 0x10            4     u32    signature      'rcmd' 0x72636D64
 * 0x14            4     u32    priority       0
 * 0x18            8     u64    clusterNumber  global cluster number; must be the expected one
 * 0x20            2     u16    total          resources in this cluster, at most rpc
 * 0x22            2     u16    free           free resources, at most total
 * 0x26            2     u16    ownerEntries   SFB clusters: entries of the owner list at 0x940,
 *                                             entry 0 = (0, 0) included (meaning inferred)
 * 0x30            4     u32    one            1 in every cluster (meaning unknown; written 1)
 * 0x7C            4     u32    firstFree      index of the first free resource, 0 when none (inferred)
 * 0x80            ..    bits   bitmap         bitsPerResource bits per resource, resource r at bit
 *                                             r x bits of the little-endian bit stream; bits past
 *                                             total x bits are zero
 * </pre>
 * 1-bit resources (FDC, SBC, PB2, JBC): bit set = FREE [V]. SFB (2 bits) and LFB (3 bits): 00 =
 * in use and 0b100 = LFB converted into an SFB cluster [V]; the encoding of a free SFB or LFB is
 * unknown <i>(unsure: {@link #SFB_FREE_UNSURE} = 01, "low bit = free", as the spec's experiment
 * writes)</i>. Not modelled, because no reader uses them and their rules are unknown: the MAC,
 * time and change counter at 0x58..0x65, the bytes 7 at 0x2A (LFB) and 1 at 0x2B (SFB), the LFB
 * table at 0xE0 and the owner ("affinity") arrays at 0x2E0 (PB2), 0x8E0 (FDC, SBC) and 0x940
 * (SFB); encode leaves those bytes as they are.
 */
public record ClusterHeader6(LockBlock lock, long clusterNumber, int total, int free, int ownerEntries, int firstFree, int bitsPerResource,
    byte[] bitmap) {

  /** The 'rcmd' signature. */
  public static final long SIGNATURE = 0x72636D64L;
  /** The 2-bit state of an SFB in use [V]. */
  public static final int SFB_USED = 0;
  /** The 2-bit state vmfskit writes for a free SFB <i>(unsure: never seen from ESXi)</i>. */
  public static final int SFB_FREE_UNSURE = 1;
  /** The 3-bit state of an LFB converted into an SFB cluster [V]. */
  public static final int LFB_CONVERTED = 4;
  /** Offset of the owner list of an SFB cluster in the metadata block. */
  public static final int OFF_SFB_OWNERS = 0x940;
  /** Offset of the owner array of an FDC or SBC cluster in the metadata block. */
  public static final int OFF_FDC_SBC_OWNERS = 0x8E0;
  /** Offset of the owner array of a PB2 cluster in the metadata block. */
  public static final int OFF_PB2_OWNERS = 0x2E0;

  private static final int OFF_SIGNATURE = 0x10;
  private static final int OFF_PRIORITY = 0x14;
  private static final int OFF_CLUSTER = 0x18;
  private static final int OFF_TOTAL = 0x20;
  private static final int OFF_FREE = 0x22;
  private static final int OFF_OWNER_ENTRIES = 0x26;
  private static final int OFF_ONE = 0x30;
  private static final int OFF_FIRST_FREE = 0x7C;
  private static final int OFF_BITMAP = 0x80;
  // The bitmap may run up to the first owner array (0x2E0 in PB2 clusters).
  private static final int MAX_BITMAP_BYTES = OFF_PB2_OWNERS - OFF_BITMAP;

  /** Checks field widths and copies the bitmap. */
  public ClusterHeader6 {
    Objects.requireNonNull(lock);
    Preconditions.checkArgument(bitsPerResource >= 1 && bitsPerResource <= 3, "bits per resource %s", bitsPerResource);
    Preconditions.checkArgument(total >= 0 && total <= 0xFFFF && free >= 0 && free <= total, "total %s free %s", total, free);
    Preconditions.checkArgument(bitmap.length == bitmapBytes(total, bitsPerResource), "bitmap of %s bytes for %s resources",
        bitmap.length, total);
    bitmap = bitmap.clone();
  }

  /** Returns the bytes of a bitmap of {@code total} resources of {@code bits} bits. */
  public static int bitmapBytes(int total, int bits) {
    return (total * bits + 7) / 8;
  }

  /** Returns a header of {@code total} resources all in state {@code state} (1 = free for 1-bit resources). */
  public static ClusterHeader6 uniform(LockBlock lock, long clusterNumber, int total, int bits, int state, int free) {
    byte[] map = new byte[bitmapBytes(total, bits)];
    for (int r = 0; r < total; r++) {
      setState(map, r, bits, state);
    }
    return new ClusterHeader6(lock, clusterNumber, total, free, 0, 0, bits, map);
  }

  @Override
  public byte[] bitmap() {
    return bitmap.clone();
  }

  /** Returns the bitsPerResource-bit state of resource {@code r}. */
  public int state(int r) {
    Objects.checkIndex(r, total);
    int value = 0;
    for (int i = 0; i < bitsPerResource; i++) {
      int bit = r * bitsPerResource + i;
      value |= ((bitmap[bit >>> 3] >>> (bit & 7)) & 1) << i;
    }
    return value;
  }

  /** Returns whether 1-bit resource {@code r} is free (bit set). */
  public boolean isFree(int r) {
    Preconditions.checkState(bitsPerResource == 1, "free/used of %s-bit resources is not known", bitsPerResource);
    return state(r) == 1;
  }

  /** Returns the number of resources in state {@code value}. */
  public int count(int value) {
    int n = 0;
    for (int r = 0; r < total; r++) {
      n += state(r) == value ? 1 : 0;
    }
    return n;
  }

  /** Returns this header with resource {@code r} in state {@code value} and the given free count and first-free hint. */
  public ClusterHeader6 withState(int r, int value, int newFree, int newFirstFree) {
    Objects.checkIndex(r, total);
    byte[] map = bitmap.clone();
    setState(map, r, bitsPerResource, value);
    return new ClusterHeader6(lock, clusterNumber, total, newFree, ownerEntries, newFirstFree, bitsPerResource, map);
  }

  private static void setState(byte[] map, int r, int bits, int value) {
    for (int i = 0; i < bits; i++) {
      int bit = r * bits + i;
      if ((value >>> i & 1) != 0) {
        map[bit >>> 3] |= (byte) (1 << (bit & 7));
      } else {
        map[bit >>> 3] &= (byte) ~(1 << (bit & 7));
      }
    }
  }

  // Records compare arrays by reference; a header equals its decoded copy only with content equality.
  @Override
  public boolean equals(Object other) {
    return other instanceof ClusterHeader6 o && lock.equals(o.lock) && clusterNumber == o.clusterNumber && total == o.total && free == o.free
        && ownerEntries == o.ownerEntries && firstFree == o.firstFree && bitsPerResource == o.bitsPerResource && Arrays.equals(bitmap, o.bitmap);
  }

  @Override
  public int hashCode() {
    return 31 * Objects.hash(lock, clusterNumber, total, free, ownerEntries, firstFree, bitsPerResource) + Arrays.hashCode(bitmap);
  }

  @Override
  public String toString() {
    return "ClusterHeader6[cluster " + clusterNumber + ", total " + total + ", free " + free + ", " + bitsPerResource + " bits]";
  }

  /**
   * Decodes the header (lock and metadata) at absolute {@code offset} of {@code src}.
   *
   * @param structure the resource file (and level), for messages
   * @param deviceOffset the header's image offset
   * @param lockType the lock type of this resource kind (LockBlock6.TYPE_…)
   * @param expectedCluster the cluster's global number
   * @param rpc the resource file's resources per cluster
   * @param bits the resource file's bits per resource
   * @param mdAlignment the metadata alignment (the metadata block starts there)
   */
  public static ClusterHeader6 decode(ByteBuffer src, int offset, String structure, long deviceOffset, long lockType, long expectedCluster,
      long rpc, int bits, int mdAlignment) throws CorruptStructureException {
    String name = "ClusterHeader6 " + expectedCluster + " of " + structure;
    LockBlock lock = LockBlock6.decode(src, offset, name, deviceOffset, lockType);
    int meta = offset + mdAlignment;
    long metaOffset = deviceOffset + mdAlignment;
    long signature = LittleEndian.u32(src, meta + OFF_SIGNATURE);
    if (signature != SIGNATURE) {
      throw Corrupt.defect(name, metaOffset + OFF_SIGNATURE, "signature", "bad signature", Corrupt.hex(SIGNATURE), Corrupt.hex(signature));
    }
    long cluster = LittleEndian.u64(src, meta + OFF_CLUSTER);
    if (cluster != expectedCluster) {
      throw Corrupt.field(name, metaOffset + OFF_CLUSTER, "clusterNumber", expectedCluster, cluster);
    }
    int total = LittleEndian.u16(src, meta + OFF_TOTAL);
    long maxTotal = Math.min(rpc, MAX_BITMAP_BYTES * 8L / bits);
    if (total > maxTotal) {
      throw Corrupt.range(name, metaOffset + OFF_TOTAL, "total", 0, maxTotal, total);
    }
    int free = LittleEndian.u16(src, meta + OFF_FREE);
    if (free > total) {
      throw Corrupt.range(name, metaOffset + OFF_FREE, "free", 0, total, free);
    }
    byte[] map = LittleEndian.bytes(src, meta + OFF_BITMAP, bitmapBytes(total, bits));
    int usedBits = total * bits;
    if (usedBits % 8 != 0 && (map[map.length - 1] & 0xFF) >>> (usedBits % 8) != 0) {
      throw Corrupt.defect(name, metaOffset + OFF_BITMAP + map.length - 1, "bitmap", "bits set beyond the cluster's total",
          "none at or above bit " + usedBits, Corrupt.hex(map[map.length - 1] & 0xFF));
    }
    return new ClusterHeader6(lock, cluster, total, free, LittleEndian.u16(src, meta + OFF_OWNER_ENTRIES),
        (int) Math.min(LittleEndian.u32(src, meta + OFF_FIRST_FREE), total), bits, map);
  }

  /** Encodes lock and metadata fields at absolute {@code offset} of {@code dst}; other metadata bytes are left as they are. */
  public void encode(ByteBuffer dst, int offset, int mdAlignment) {
    LockBlock6.encode(lock, dst, offset, mdAlignment);
    int meta = offset + mdAlignment;
    LittleEndian.putU32(dst, meta + OFF_SIGNATURE, SIGNATURE);
    LittleEndian.putU32(dst, meta + OFF_PRIORITY, 0);
    LittleEndian.putU64(dst, meta + OFF_CLUSTER, clusterNumber);
    LittleEndian.putU16(dst, meta + OFF_TOTAL, total);
    LittleEndian.putU16(dst, meta + OFF_FREE, free);
    LittleEndian.putU16(dst, meta + OFF_OWNER_ENTRIES, ownerEntries);
    LittleEndian.putU32(dst, meta + OFF_ONE, 1);
    LittleEndian.putU32(dst, meta + OFF_FIRST_FREE, firstFree);
    dst.put(meta + OFF_BITMAP, bitmap);
  }
}
