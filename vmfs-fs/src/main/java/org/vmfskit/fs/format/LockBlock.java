package org.vmfskit.fs.format;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * The on-disk lock that opens every FD and cluster header, 512 bytes (FS3_DiskLock in
 * dissect.vmfs; "metadata header" in vmfs-tools).
 * <pre>
 * off   size type  field     meaning
 * 0x00  4    u32   magic     FD 0x10C00001; FBB/SBC/PBC/FDC clusters 0x10C00002..5
 * 0x04  8    u64   address   the structure's own logical address
 * 0x0C  8    u64   hbAddress heartbeat slot of the holder; 0 when unlocked
 * 0x14  8    u64   hbGen     heartbeat generation of the holder
 * 0x1C  8    u64   token     object sequence number
 * 0x24  4    u32   mode      0 unlocked, 1 exclusive, 2 read-only
 * 0x28  16   uuid  owner     holder's host UUID
 * 0x38  8    u64   mtime     microseconds
 * </pre>
 * vmfskit never takes on-disk locks (it is not a cluster member); it writes unlocked blocks.
 */
public record LockBlock(long magic, long address, long hbAddress, long hbGen, long token, int mode, VmfsUuid owner, long mtime) {

  /** Bytes of the structure. */
  public static final int SIZE = 512;
  /** Magic of a file descriptor's lock. */
  public static final long MAGIC_FD = 0x10C00001L;
  /** Magic of a file-block bitmap cluster. */
  public static final long MAGIC_FBB = 0x10C00002L;
  /** Magic of a sub-block cluster. */
  public static final long MAGIC_SBC = 0x10C00003L;
  /** Magic of a pointer-block cluster. */
  public static final long MAGIC_PBC = 0x10C00004L;
  /** Magic of a file-descriptor cluster. */
  public static final long MAGIC_FDC = 0x10C00005L;

  private static final int OFF_MAGIC = 0x00;
  private static final int OFF_ADDRESS = 0x04;
  private static final int OFF_HB_ADDRESS = 0x0C;
  private static final int OFF_HB_GEN = 0x14;
  private static final int OFF_TOKEN = 0x1C;
  private static final int OFF_MODE = 0x24;
  private static final int OFF_OWNER = 0x28;
  private static final int OFF_MTIME = 0x38;

  /** Checks what the Java types cannot. */
  public LockBlock {
    Objects.requireNonNull(owner);
  }

  /** Returns an unlocked lock block with {@code magic} for the structure at {@code address}. */
  public static LockBlock unlocked(long magic, long address) {
    return new LockBlock(magic, address, 0, 0, 0, 0, VmfsUuid.NIL, 0);
  }

  /** Decodes a lock at absolute {@code offset} of {@code src}; no field is checked here. */
  public static LockBlock decode(ByteBuffer src, int offset) {
    return new LockBlock(
        LittleEndian.u32(src, offset + OFF_MAGIC),
        LittleEndian.u64(src, offset + OFF_ADDRESS),
        LittleEndian.u64(src, offset + OFF_HB_ADDRESS),
        LittleEndian.u64(src, offset + OFF_HB_GEN),
        LittleEndian.u64(src, offset + OFF_TOKEN),
        LittleEndian.raw32(src, offset + OFF_MODE),
        VmfsUuid.decode(src, offset + OFF_OWNER),
        LittleEndian.u64(src, offset + OFF_MTIME));
  }

  /** Encodes the lock at absolute {@code offset} of {@code dst}. */
  public void encode(ByteBuffer dst, int offset) {
    LittleEndian.putU32(dst, offset + OFF_MAGIC, magic);
    LittleEndian.putU64(dst, offset + OFF_ADDRESS, address);
    LittleEndian.putU64(dst, offset + OFF_HB_ADDRESS, hbAddress);
    LittleEndian.putU64(dst, offset + OFF_HB_GEN, hbGen);
    LittleEndian.putU64(dst, offset + OFF_TOKEN, token);
    LittleEndian.putU32(dst, offset + OFF_MODE, mode);
    owner.encode(dst, offset + OFF_OWNER);
    LittleEndian.putU64(dst, offset + OFF_MTIME, mtime);
  }
}
