package org.vmfskit.fs.format;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Objects;

/**
 * The 1 KiB header of one cluster of a resource file: a lock and the allocation bitmap of the
 * cluster's resources (FS3_ResourceCluster in dissect.vmfs, "bitmap entry" in vmfs-tools).
 * <pre>
 * off    size   type  field        meaning / valid range
 * 0x000  512    lock  lock         magic FBB 0x10C00002, SBC ..03, PBC ..04, FDC ..05; address = own L
 * 0x200  4      u32   clusterId    global cluster index
 * 0x204  4      u32   total        resources in this cluster, at most resourcesPerCluster
 * 0x208  4      u32   free         free resources = popcount of the bitmap
 * 0x20C  4      u32   firstFree    hint: index of the first free resource
 * 0x210  &lt;=496  bits  bitmap       bit (r and 7) of byte (r shr 3) SET = resource r is FREE;
 *                                  bits at or above total are 0
 * </pre>
 */
public record ClusterHeader(LockBlock lock, long clusterId, int total, int free, int firstFree, BitSet freeBits) {

  /** Bytes of the structure. */
  public static final int SIZE = 0x400;

  private static final int OFF_ID = 0x200;
  private static final int OFF_TOTAL = 0x204;
  private static final int OFF_FREE = 0x208;
  private static final int OFF_FIRST_FREE = 0x20C;
  private static final int OFF_BITMAP = 0x210;
  private static final int MAX_BITMAP_BYTES = 0x1F0;

  /** Copies the bitmap so the record stays immutable. */
  public ClusterHeader {
    Objects.requireNonNull(lock);
    freeBits = (BitSet) freeBits.clone();
  }

  @Override
  public BitSet freeBits() {
    return (BitSet) freeBits.clone();
  }

  /** Returns whether resource {@code r} is free. */
  public boolean isFree(int r) {
    return freeBits.get(r);
  }

  /** Returns a header for cluster {@code clusterId} of {@code total} resources, all free. */
  public static ClusterHeader allFree(long magic, long logicalAddress, long clusterId, int total) {
    BitSet bits = new BitSet(total);
    bits.set(0, total);
    return new ClusterHeader(LockBlock.unlocked(magic, logicalAddress), clusterId, total, total, 0, bits);
  }

  /**
   * Decodes a cluster header and checks its lock magic, its id and its total; the free count is
   * left for the checker to compare with the bitmap.
   *
   * @param structure the resource file name, for messages
   * @param deviceOffset image offset of the header
   * @param expectedMagic the lock magic of this resource kind
   * @param expectedId the cluster's global index
   * @param resourcesPerCluster the largest allowed total
   */
  public static ClusterHeader decode(
      ByteBuffer src, int offset, String structure, long deviceOffset, long expectedMagic, long expectedId, long resourcesPerCluster)
      throws CorruptStructureException {
    String name = "ClusterHeader " + expectedId + " of " + structure;
    LockBlock lock = LockBlock.decode(src, offset);
    if (lock.magic() != expectedMagic) {
      throw Corrupt.magic(name, deviceOffset, expectedMagic, lock.magic());
    }
    long id = LittleEndian.u32(src, offset + OFF_ID);
    if (id != expectedId) {
      throw Corrupt.field(name, deviceOffset + OFF_ID, "clusterId", expectedId, id);
    }
    long total = LittleEndian.u32(src, offset + OFF_TOTAL);
    if (total > resourcesPerCluster) {
      throw Corrupt.range(name, deviceOffset + OFF_TOTAL, "total", 0, resourcesPerCluster, total);
    }
    long free = LittleEndian.u32(src, offset + OFF_FREE);
    if (free > total) {
      throw Corrupt.range(name, deviceOffset + OFF_FREE, "free", 0, total, free);
    }
    byte[] raw = LittleEndian.bytes(src, offset + OFF_BITMAP, (int) ((total + 7) / 8));
    BitSet bits = BitSet.valueOf(raw);
    if (bits.length() > total) {
      throw Corrupt.defect(name, deviceOffset + OFF_BITMAP, "bitmap", "bits set beyond the cluster's total", "none at or above " + total, "bit " + (bits.length() - 1));
    }
    long hint = LittleEndian.u32(src, offset + OFF_FIRST_FREE);
    return new ClusterHeader(lock, id, (int) total, (int) free, (int) Math.min(hint, total), bits);
  }

  /** Encodes the header at absolute {@code offset} of {@code dst}; the free count is derived. */
  public void encode(ByteBuffer dst, int offset) {
    lock.encode(dst, offset);
    LittleEndian.putU32(dst, offset + OFF_ID, clusterId);
    LittleEndian.putU32(dst, offset + OFF_TOTAL, total);
    LittleEndian.putU32(dst, offset + OFF_FREE, free);
    LittleEndian.putU32(dst, offset + OFF_FIRST_FREE, firstFree);
    byte[] raw = Arrays.copyOf(freeBits.toByteArray(), MAX_BITMAP_BYTES);
    dst.put(offset + OFF_BITMAP, raw);
  }
}
