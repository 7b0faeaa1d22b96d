package org.vmfskit.fs.format.vmfs6;

import java.nio.ByteBuffer;
import java.util.Objects;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.LittleEndian;
import org.vmfskit.fs.format.VmfsUuid;

/**
 * One VMFS6 heartbeat slot: 1024 slots of mdA (4 KiB) bytes at L 0x300000 (vmfs6-format.md
 * section 4.1 [V]; field layout of vmfs5-format.md 5.2 [D]). VMFS5 had 2048 slots of 512 bytes.
 * <pre>
 * off   size type  field           meaning
 * 0x00  4    u32   magic           0xABCDEF01 free, 0xABCDEF02 live (or crashed) host
 * 0x04  8    u64   address         the slot's own L (every slot of the real image)
 * 0x0C  8    u64   generation      hbGen
 * 0x14  8    u64   stamp           uptime in microseconds
 * 0x1C  16   uuid  owner           holder's host UUID; cleared when released
 * 0x2C  4    u32   journalAddr     JB address of the holder's journal; 0 when released
 * 0x30  4    u32   drvMajor        24 (file-system driver version)
 * 0x34  1    u8    drvMinor        82
 * 0x35  1    u8    lockImpl        3
 * 0x36  46   char  ip              the host's IP address as text
 * 0x64  8    u64   journalVolAddr  L of the journal block; 0 when released
 * </pre>
 * A volume is clean when every slot is free with owner and journal fields zero (section 11).
 */
public record HeartbeatSlot6(
    long magic,
    long address,
    long generation,
    long stamp,
    VmfsUuid owner,
    int rawJournalAddr,
    long drvMajor,
    int drvMinor,
    int lockImpl,
    String ip,
    long journalVolAddr) {

  /** Slots in the region. */
  public static final int COUNT = 1024;
  /** Logical address of the region. */
  public static final long LOGICAL_OFFSET = 0x300000;
  /** Magic of a free slot. */
  public static final long MAGIC_FREE = 0xABCDEF01L;
  /** Magic of a slot held by a live or crashed host. */
  public static final long MAGIC_LIVE = 0xABCDEF02L;
  /** Bytes decode reads (the rest of the slot is zero). */
  public static final int SIZE = 0x6C;

  private static final String NAME = "HeartbeatSlot6";
  private static final int OFF_MAGIC = 0x00;
  private static final int OFF_ADDRESS = 0x04;
  private static final int OFF_GENERATION = 0x0C;
  private static final int OFF_STAMP = 0x14;
  private static final int OFF_OWNER = 0x1C;
  private static final int OFF_JOURNAL = 0x2C;
  private static final int OFF_DRV_MAJOR = 0x30;
  private static final int OFF_DRV_MINOR = 0x34;
  private static final int OFF_LOCK_IMPL = 0x35;
  private static final int OFF_IP = 0x36;
  private static final int OFF_JOURNAL_VOL_ADDR = 0x64;
  private static final int IP_FIELD = 46;

  /** Checks what the Java types cannot. */
  public HeartbeatSlot6 {
    Objects.requireNonNull(owner);
    Objects.requireNonNull(ip);
  }

  /** Returns a free slot at logical address {@code address}, as mkfs writes it. */
  public static HeartbeatSlot6 free(long address) {
    return new HeartbeatSlot6(MAGIC_FREE, address, 0, 0, VmfsUuid.NIL, 0, 0, 0, 0, "", 0);
  }

  /** Returns the logical address of slot {@code index} at metadata alignment {@code mdAlignment}. */
  public static long slotAddress(int index, int mdAlignment) {
    Objects.checkIndex(index, COUNT);
    return LOGICAL_OFFSET + (long) index * mdAlignment;
  }

  /** Returns whether the slot says no host holds it and no journal is attached. */
  public boolean isReleased() {
    return magic == MAGIC_FREE && owner.equals(VmfsUuid.NIL) && rawJournalAddr == 0 && journalVolAddr == 0;
  }

  /**
   * Decodes the slot at absolute {@code offset} of {@code src}.
   *
   * @param deviceOffset the slot's image offset
   * @param expectedAddress the slot's own L, which its address field must hold
   */
  public static HeartbeatSlot6 decode(ByteBuffer src, int offset, long deviceOffset, long expectedAddress)
      throws CorruptStructureException {
    long magic = LittleEndian.u32(src, offset + OFF_MAGIC);
    if (magic != MAGIC_FREE && magic != MAGIC_LIVE) {
      throw Corrupt.magic(NAME, deviceOffset, MAGIC_FREE, magic);
    }
    long address = LittleEndian.u64(src, offset + OFF_ADDRESS);
    if (address != expectedAddress) {
      throw Corrupt.field(NAME, deviceOffset + OFF_ADDRESS, "address", Corrupt.hex(expectedAddress), Corrupt.hex(address));
    }
    return new HeartbeatSlot6(
        magic,
        address,
        LittleEndian.u64(src, offset + OFF_GENERATION),
        LittleEndian.u64(src, offset + OFF_STAMP),
        VmfsUuid.decode(src, offset + OFF_OWNER),
        LittleEndian.raw32(src, offset + OFF_JOURNAL),
        LittleEndian.u32(src, offset + OFF_DRV_MAJOR),
        LittleEndian.u8(src, offset + OFF_DRV_MINOR),
        LittleEndian.u8(src, offset + OFF_LOCK_IMPL),
        LittleEndian.cString(src, offset + OFF_IP, IP_FIELD),
        LittleEndian.u64(src, offset + OFF_JOURNAL_VOL_ADDR));
  }

  /** Encodes the slot at absolute {@code offset} of {@code dst} (the first {@link #SIZE} bytes). */
  public void encode(ByteBuffer dst, int offset) {
    LittleEndian.putU32(dst, offset + OFF_MAGIC, magic);
    LittleEndian.putU64(dst, offset + OFF_ADDRESS, address);
    LittleEndian.putU64(dst, offset + OFF_GENERATION, generation);
    LittleEndian.putU64(dst, offset + OFF_STAMP, stamp);
    owner.encode(dst, offset + OFF_OWNER);
    LittleEndian.putU32(dst, offset + OFF_JOURNAL, rawJournalAddr);
    LittleEndian.putU32(dst, offset + OFF_DRV_MAJOR, drvMajor);
    LittleEndian.putU8(dst, offset + OFF_DRV_MINOR, drvMinor);
    LittleEndian.putU8(dst, offset + OFF_LOCK_IMPL, lockImpl);
    LittleEndian.putCString(dst, offset + OFF_IP, IP_FIELD, ip);
    LittleEndian.putU64(dst, offset + OFF_JOURNAL_VOL_ADDR, journalVolAddr);
  }
}
