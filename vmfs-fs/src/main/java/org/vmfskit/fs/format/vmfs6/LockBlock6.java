package org.vmfskit.fs.format.vmfs6;

import java.nio.ByteBuffer;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.LockBlock;

/**
 * The VMFS6 lock block: the first mdA (4 KiB) of every FD and cluster header (vmfs6-format.md
 * section 4.2). Its first 0x174 bytes have the VMFS5 layout, decoded by {@link LockBlock} [D];
 * the rest is zero [V]. VMFS6 adds the lock types 0x10C00006..8.
 * <pre>
 * off     size  type  field    meaning
 * 0x000   4     u32   type     one of the TYPE_ constants below
 * 0x004   8     u64   address  the lock's own L on every lock of the real image
 * 0x00C   ..    -     holder   hbAddress, hbGen, token, mode (0 = unlocked), owner, mtime (LockBlock)
 * 0x174   ..    -     -        zero up to mdA (one SFB cluster lock of the real image carries an
 *                              hbAddr, 1, 0xCAFEBAFE and a host UUID at 0x198..0x1B7, meaning unknown)
 * </pre>
 */
public final class LockBlock6 {

  /** Lock type of a file descriptor; vmfs6-tools crashes on a root FD without it [W]. */
  public static final long TYPE_FD = 0x10C00001L;
  /** Lock type of an SFB cluster header (in an LFB data slot of .fbb.sf). */
  public static final long TYPE_SFB_CLUSTER = 0x10C00002L;
  /** Lock type of a .sbc.sf cluster. */
  public static final long TYPE_SBC = 0x10C00003L;
  /** Lock type of a .pbc.sf cluster [T] (VMFS6 has none). */
  public static final long TYPE_PBC = 0x10C00004L;
  /** Lock type of a .fdc.sf cluster. */
  public static final long TYPE_FDC = 0x10C00005L;
  /** Lock type of a .pb2.sf cluster. */
  public static final long TYPE_PB2 = 0x10C00006L;
  /** Lock type of a .jbc.sf cluster. */
  public static final long TYPE_JBC = 0x10C00007L;
  /** Lock type of an LFB cluster (the top level of .fbb.sf). */
  public static final long TYPE_LFB_CLUSTER = 0x10C00008L;
  /** Bytes of the VMFS5-shaped part. */
  public static final int USED_BYTES = 0x174;

  private LockBlock6() {}

  /**
   * Decodes the lock at absolute {@code offset} of {@code src} and checks its type. The address is
   * not checked: no reader does, and a freshly written lock may carry any value there
   * <i>(ESXi always writes the lock's own L; unsure whether it relies on it)</i>.
   *
   * @param structure the structure that opens with this lock, for messages
   * @param deviceOffset the lock's image offset
   * @param expectedType one of the TYPE_ constants
   */
  public static LockBlock decode(ByteBuffer src, int offset, String structure, long deviceOffset, long expectedType)
      throws CorruptStructureException {
    LockBlock lock = LockBlock.decode(src, offset);
    if (lock.magic() != expectedType) {
      throw Corrupt.defect(structure, deviceOffset, "lockType", "bad lock type", Corrupt.hex(expectedType), Corrupt.hex(lock.magic()));
    }
    return lock;
  }

  /** Returns an unlocked lock of {@code type} for the structure at logical address {@code address}. */
  public static LockBlock unlocked(long type, long address) {
    return LockBlock.unlocked(type, address);
  }

  /** Zeroes {@code mdAlignment} bytes at absolute {@code offset} of {@code dst} and encodes {@code lock} there. */
  public static void encode(LockBlock lock, ByteBuffer dst, int offset, int mdAlignment) {
    for (int i = 0; i < mdAlignment; i++) {
      dst.put(offset + i, (byte) 0);
    }
    lock.encode(dst, offset);
  }

  /** Returns whether {@code lock} is held (mode not 0): a sign of an unclean or mounted volume (section 11). */
  public static boolean isHeld(LockBlock lock) {
    return lock.mode() != 0;
  }
}
