package org.vmfskit.fs.format;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * One heartbeat slot, 512 bytes at L 0x300000 + i x 512 for i below 2048 (FS3_Heartbeat in
 * dissect.vmfs).
 * <pre>
 * off   size type  field       meaning
 * 0x00  4    u32   magic       0xABCDEF01 free, 0xABCDEF02 active
 * 0x04  8    u64   address     the slot's own logical address
 * 0x0C  8    u64   generation
 * 0x14  8    u64   stamp       uptime in microseconds
 * 0x1C  16   uuid  owner       host UUID
 * 0x2C  4    u32   journal     journal address
 * </pre>
 */
public record HeartbeatSlot(long magic, long address, long generation, long stamp, VmfsUuid owner, long journal) {

  /** Bytes of one slot. */
  public static final int SIZE = 512;
  /** Slots in the region. */
  public static final int COUNT = 2048;
  /** Logical address of the region. */
  public static final long LOGICAL_OFFSET = 0x300000;
  /** Magic of a free slot. */
  public static final long MAGIC_FREE = 0xABCDEF01L;
  /** Magic of a slot held by a live host. */
  public static final long MAGIC_ACTIVE = 0xABCDEF02L;

  /** Checks what the Java types cannot. */
  public HeartbeatSlot {
    Objects.requireNonNull(owner);
  }

  /** Returns a free slot at {@code address}. */
  public static HeartbeatSlot free(long address) {
    return new HeartbeatSlot(MAGIC_FREE, address, 0, 0, VmfsUuid.NIL, 0);
  }

  /** Decodes a slot; the magic must be one of the two known values. */
  public static HeartbeatSlot decode(ByteBuffer src, int offset, long deviceOffset) throws CorruptStructureException {
    long magic = LittleEndian.u32(src, offset);
    if (magic != MAGIC_FREE && magic != MAGIC_ACTIVE) {
      throw Corrupt.magic("HeartbeatSlot", deviceOffset, MAGIC_FREE, magic);
    }
    return new HeartbeatSlot(
        magic,
        LittleEndian.u64(src, offset + 0x04),
        LittleEndian.u64(src, offset + 0x0C),
        LittleEndian.u64(src, offset + 0x14),
        VmfsUuid.decode(src, offset + 0x1C),
        LittleEndian.u32(src, offset + 0x2C));
  }

  /** Encodes the slot at absolute {@code offset} of {@code dst}. */
  public void encode(ByteBuffer dst, int offset) {
    LittleEndian.putU32(dst, offset, magic);
    LittleEndian.putU64(dst, offset + 0x04, address);
    LittleEndian.putU64(dst, offset + 0x0C, generation);
    LittleEndian.putU64(dst, offset + 0x14, stamp);
    owner.encode(dst, offset + 0x1C);
    LittleEndian.putU32(dst, offset + 0x2C, journal);
  }
}
