package org.vmfskit.fs.format.vmfs6;

import java.nio.ByteBuffer;
import java.util.Objects;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.LittleEndian;
import org.vmfskit.fs.format.UnsupportedFormatException;
import org.vmfskit.fs.format.VmfsFormatException;
import org.vmfskit.fs.format.VmfsUuid;

/**
 * The VMFS6 file-system descriptor at L 0x200000 (FS3_Descriptor in dissect.vmfs, FS major 24;
 * vmfs6-format.md section 3, values of the real image [V]).
 * <pre>
 * off    size type  field                   meaning / valid range
 * 0x000  4    u32   magic                   0x2FABF15E; 0x2FABF15F = VMFS-L (section 16)
 * 0x004  4    u32   majorVersion            24 or more (below: VMFS3/5, unsupported here)
 * 0x008  1    u8    minorVersion            82; shown only
 * 0x009  16   uuid  uuid                    FS UUID
 * 0x019  4    u32   config                  6 = public 0x2 | DENSE_SBPC 0x4; 0x800 = OSDATA [D]
 * 0x01D  128  char  label                   NUL-padded, at most 127 bytes
 * 0x09D  4    u32   diskBlockSize           512
 * 0x0A1  8    u64   fileBlockSize           SFB size: 0x100000 (the only size ESXi uses)
 * 0x0A9  4    u32   creationTime            unix seconds
 * 0x0AD  4    u32   snapId                  1
 * 0x0B1  16   uuid  lvmUuid                 = volume descriptor +0x54 (vmfs6-tools checks it)
 * 0x0C1  4    u32   lvmSnapId               1 (meaning inferred)
 * 0x0D1  4    u32   fdcClusterGroupOffset   0x10000: .fdc.sf cgOff, multiple of mdA
 * 0x0D5  4    u32   fdcClustersPerGroup     8: .fdc.sf cpg, 1..65536
 * 0x0D9  4    u32   subBlockSize            0x10000; power of two, mdA..fileBlockSize
 * 0x0DD  4    u32   maxJournalSlotsPerTxn   64
 * 0x0E1  8    u64   pb2VolAddr              L of the .pb2.sf FD (0x72C000); 0 hides .pb2.sf from dissect
 * 0x0E9  4    u32   pb2FdAddr               0x01800004
 * 0x0ED  16   uuid  hostUuid                formatting host
 * 0x0FD  8    u64   gblGeneration           1
 * 0x105  8    u64   sddVolAddr              L of the .sdd.sf FD (0x72E000)
 * 0x10D  4    u32   sddFdAddr               0x01C00004
 * 0x111  1    u8    checksumType            0
 * 0x112  2    u16   unmapPriority           1 = low (space-reclamation default)
 * 0x114  28   -     pad, checksumGen, sum   0
 * 0x130  4    u32   physDiskBlockSize       512
 * 0x134  4    u32   mdAlignment             0x1000; a power of two 512..64 KiB
 * 0x138  2    u16   sfbToLfbShift           9: LFB = 512 SFBs; 1..13 (13-bit SFB resource field)
 * 0x13E  2    u16   ptrBlockShift           16: pointer block = 64 KiB; 12..20
 * 0x140  2    u16   sfbAddrBits             44
 * 0x144  4    u32   tbzGranularity          0x100000
 * 0x148  4    u32   journalBlockSize        0x200000 (= .jbc.sf resource size)
 * 0x14C  4    u32   leaseIntervalMs         16000
 * 0x150  4    u32   reclaimWindowMs         4000
 * 0x154  8    u64   localStampUs            0
 * 0x15C  6    mac   localMountOwnerMac      0; written zero
 * 0x162  1    u8    unmapMethod             0 = priority
 * 0x163  12   u32x3 unmapBandwidth/Min/Max  0
 * </pre>
 */
public record FsDescriptor6(
    boolean vmfsL,
    int majorVersion,
    int minorVersion,
    VmfsUuid uuid,
    long config,
    String label,
    long fileBlockSize,
    long creationTime,
    long snapId,
    VmfsUuid lvmUuid,
    long lvmSnapId,
    long fdcClusterGroupOffset,
    long fdcClustersPerGroup,
    long subBlockSize,
    long maxJournalSlotsPerTxn,
    long pb2VolAddr,
    int pb2FdAddr,
    VmfsUuid hostUuid,
    long gblGeneration,
    long sddVolAddr,
    int sddFdAddr,
    int unmapPriority,
    int mdAlignment,
    int sfbToLfbShift,
    int ptrBlockShift,
    int sfbAddrBits,
    long tbzGranularity,
    long journalBlockSize,
    long leaseIntervalMs,
    long reclaimWindowMs,
    long unmapBandwidth,
    long unmapBandwidthMin,
    long unmapBandwidthMax) {

  /** Bytes of the structure as read and written. */
  public static final int SIZE = 0x200;
  /** Logical address of the descriptor. */
  public static final long LOGICAL_OFFSET = 0x200000;
  /** The VMFS magic. */
  public static final long MAGIC = 0x2FABF15EL;
  /** The VMFS-L magic. */
  public static final long MAGIC_VMFS_L = 0x2FABF15FL;
  /** The first VMFS6 major version. */
  public static final int MAJOR = 24;
  /** Minor version of the real image. */
  public static final int MINOR = 82;
  /** config: public (0x2) plus DENSE_SBPC (0x4), as ESXi writes it. */
  public static final long CONFIG_PUBLIC = 6;
  /** The SFB size ESXi uses for every VMFS6 volume. */
  public static final long SFB_SIZE = 1 << 20;

  private static final String NAME = "FsDescriptor6";
  private static final int OFF_MAGIC = 0x00;
  private static final int OFF_MAJOR = 0x04;
  private static final int OFF_MINOR = 0x08;
  private static final int OFF_UUID = 0x09;
  private static final int OFF_CONFIG = 0x19;
  private static final int OFF_LABEL = 0x1D;
  private static final int OFF_DISK_BLOCK_SIZE = 0x9D;
  private static final int OFF_FILE_BLOCK_SIZE = 0xA1;
  private static final int OFF_CREATION_TIME = 0xA9;
  private static final int OFF_SNAP_ID = 0xAD;
  private static final int OFF_LVM_UUID = 0xB1;
  private static final int OFF_LVM_SNAP_ID = 0xC1;
  private static final int OFF_FDC_GROUP_OFFSET = 0xD1;
  private static final int OFF_FDC_CLUSTERS_PER_GROUP = 0xD5;
  private static final int OFF_SUB_BLOCK_SIZE = 0xD9;
  private static final int OFF_MAX_JOURNAL_SLOTS = 0xDD;
  private static final int OFF_PB2_VOL_ADDR = 0xE1;
  private static final int OFF_PB2_FD_ADDR = 0xE9;
  private static final int OFF_HOST_UUID = 0xED;
  private static final int OFF_GBL_GENERATION = 0xFD;
  private static final int OFF_SDD_VOL_ADDR = 0x105;
  private static final int OFF_SDD_FD_ADDR = 0x10D;
  private static final int OFF_UNMAP_PRIORITY = 0x112;
  private static final int OFF_PHYS_DISK_BLOCK_SIZE = 0x130;
  private static final int OFF_MD_ALIGNMENT = 0x134;
  private static final int OFF_SFB_TO_LFB_SHIFT = 0x138;
  private static final int OFF_PTR_BLOCK_SHIFT = 0x13E;
  private static final int OFF_SFB_ADDR_BITS = 0x140;
  private static final int OFF_TBZ_GRANULARITY = 0x144;
  private static final int OFF_JOURNAL_BLOCK_SIZE = 0x148;
  private static final int OFF_LEASE_INTERVAL = 0x14C;
  private static final int OFF_RECLAIM_WINDOW = 0x150;
  private static final int OFF_UNMAP_BANDWIDTH = 0x163;
  private static final int OFF_UNMAP_BANDWIDTH_MIN = 0x167;
  private static final int OFF_UNMAP_BANDWIDTH_MAX = 0x16B;
  private static final int LABEL_FIELD = 128;

  /** Checks what the Java types cannot. */
  public FsDescriptor6 {
    Objects.requireNonNull(uuid);
    Objects.requireNonNull(label);
    Objects.requireNonNull(lvmUuid);
    Objects.requireNonNull(hostUuid);
  }

  /**
   * Returns a descriptor with every constant as ESXi wrote it on the real image (section 3):
   * 1 MiB SFBs, 64 KiB sub-blocks, mdA 4096, .fdc.sf cgOff 0x10000 and cpg 8, .pb2.sf and .sdd.sf
   * FDs at c0 r6 / r7 of the FDC base.
   */
  public static FsDescriptor6 esxiDefaults(VmfsUuid uuid, String label, long creationTime, VmfsUuid lvmUuid, VmfsUuid hostUuid) {
    return new FsDescriptor6(false, MAJOR, MINOR, uuid, CONFIG_PUBLIC, label, SFB_SIZE, creationTime, 1, lvmUuid, 1, 0x10000, 8, 0x10000,
        64, 0x72C000, 0x01800004, hostUuid, 1, 0x72E000, 0x01C00004, 1, 0x1000, 9, 16, 44, 0x100000, 0x200000, 16000, 4000, 0, 0, 0);
  }

  /** Returns the bytes of a large file block (SFB size shifted by sfbToLfbShift). */
  public long lfbSize() {
    return fileBlockSize << sfbToLfbShift;
  }

  /** Returns the bytes of a pointer block. */
  public int pointerBlockSize() {
    return 1 << ptrBlockShift;
  }

  /** Decodes the descriptor from {@code src}, read at image offset {@code deviceOffset}. */
  public static FsDescriptor6 decode(ByteBuffer src, long deviceOffset) throws VmfsFormatException {
    long magic = LittleEndian.u32(src, OFF_MAGIC);
    if (magic != MAGIC && magic != MAGIC_VMFS_L) {
      throw Corrupt.magic(NAME, deviceOffset, MAGIC, magic);
    }
    long major = LittleEndian.u32(src, OFF_MAJOR);
    if (major < MAJOR) {
      throw new UnsupportedFormatException(NAME, deviceOffset + OFF_MAJOR, "file-system version " + major + " is VMFS3/5, not VMFS6 (expected 24 or more)");
    }
    long blockSize = LittleEndian.u64(src, OFF_FILE_BLOCK_SIZE);
    if (blockSize != SFB_SIZE) {
      throw Corrupt.field(NAME, deviceOffset + OFF_FILE_BLOCK_SIZE, "fileBlockSize", SFB_SIZE, blockSize);
    }
    long mdA = powerOfTwo(src, OFF_MD_ALIGNMENT, deviceOffset, "mdAlignment", 512, 1 << 16);
    long subBlockSize = powerOfTwo(src, OFF_SUB_BLOCK_SIZE, deviceOffset, "subBlockSize", mdA, blockSize);
    int lfbShift = LittleEndian.u16(src, OFF_SFB_TO_LFB_SHIFT);
    if (lfbShift < 1 || lfbShift > 13) {
      throw Corrupt.range(NAME, deviceOffset + OFF_SFB_TO_LFB_SHIFT, "sfbToLfbShift", 1, 13, lfbShift);
    }
    int ptrShift = LittleEndian.u16(src, OFF_PTR_BLOCK_SHIFT);
    if (ptrShift < 12 || ptrShift > 20) {
      throw Corrupt.range(NAME, deviceOffset + OFF_PTR_BLOCK_SHIFT, "ptrBlockShift", 12, 20, ptrShift);
    }
    long cgOff = LittleEndian.u32(src, OFF_FDC_GROUP_OFFSET);
    if (cgOff < mdA || cgOff > blockSize || cgOff % mdA != 0) {
      throw Corrupt.defect(NAME, deviceOffset + OFF_FDC_GROUP_OFFSET, "fdcClusterGroupOffset", "bad .fdc.sf cluster-group offset",
          "a multiple of mdAlignment up to one SFB", Corrupt.hex(cgOff));
    }
    long cpg = LittleEndian.u32(src, OFF_FDC_CLUSTERS_PER_GROUP);
    if (cpg < 1 || cpg > 0x10000) {
      throw Corrupt.range(NAME, deviceOffset + OFF_FDC_CLUSTERS_PER_GROUP, "fdcClustersPerGroup", 1, 0x10000, cpg);
    }
    return new FsDescriptor6(
        magic == MAGIC_VMFS_L,
        (int) major,
        LittleEndian.u8(src, OFF_MINOR),
        VmfsUuid.decode(src, OFF_UUID),
        LittleEndian.u32(src, OFF_CONFIG),
        LittleEndian.cString(src, OFF_LABEL, LABEL_FIELD),
        blockSize,
        LittleEndian.u32(src, OFF_CREATION_TIME),
        LittleEndian.u32(src, OFF_SNAP_ID),
        VmfsUuid.decode(src, OFF_LVM_UUID),
        LittleEndian.u32(src, OFF_LVM_SNAP_ID),
        cgOff,
        cpg,
        subBlockSize,
        LittleEndian.u32(src, OFF_MAX_JOURNAL_SLOTS),
        LittleEndian.u64(src, OFF_PB2_VOL_ADDR),
        LittleEndian.raw32(src, OFF_PB2_FD_ADDR),
        VmfsUuid.decode(src, OFF_HOST_UUID),
        LittleEndian.u64(src, OFF_GBL_GENERATION),
        LittleEndian.u64(src, OFF_SDD_VOL_ADDR),
        LittleEndian.raw32(src, OFF_SDD_FD_ADDR),
        LittleEndian.u16(src, OFF_UNMAP_PRIORITY),
        (int) mdA,
        lfbShift,
        ptrShift,
        LittleEndian.u16(src, OFF_SFB_ADDR_BITS),
        LittleEndian.u32(src, OFF_TBZ_GRANULARITY),
        LittleEndian.u32(src, OFF_JOURNAL_BLOCK_SIZE),
        LittleEndian.u32(src, OFF_LEASE_INTERVAL),
        LittleEndian.u32(src, OFF_RECLAIM_WINDOW),
        LittleEndian.u32(src, OFF_UNMAP_BANDWIDTH),
        LittleEndian.u32(src, OFF_UNMAP_BANDWIDTH_MIN),
        LittleEndian.u32(src, OFF_UNMAP_BANDWIDTH_MAX));
  }

  private static long powerOfTwo(ByteBuffer src, int offset, long deviceOffset, String field, long min, long max)
      throws VmfsFormatException {
    long value = LittleEndian.u32(src, offset);
    if (value < min || value > max || Long.bitCount(value) != 1) {
      throw Corrupt.defect(NAME, deviceOffset + offset, field, "bad " + field, "a power of two from " + min + " to " + max, value);
    }
    return value;
  }

  /** Encodes the descriptor into the first {@link #SIZE} bytes of {@code dst}; unmodelled bytes stay as they are. */
  public void encode(ByteBuffer dst) {
    LittleEndian.putU32(dst, OFF_MAGIC, vmfsL ? MAGIC_VMFS_L : MAGIC);
    LittleEndian.putU32(dst, OFF_MAJOR, majorVersion);
    LittleEndian.putU8(dst, OFF_MINOR, minorVersion);
    uuid.encode(dst, OFF_UUID);
    LittleEndian.putU32(dst, OFF_CONFIG, config);
    LittleEndian.putCString(dst, OFF_LABEL, LABEL_FIELD, label);
    LittleEndian.putU32(dst, OFF_DISK_BLOCK_SIZE, 512);
    LittleEndian.putU64(dst, OFF_FILE_BLOCK_SIZE, fileBlockSize);
    LittleEndian.putU32(dst, OFF_CREATION_TIME, creationTime);
    LittleEndian.putU32(dst, OFF_SNAP_ID, snapId);
    lvmUuid.encode(dst, OFF_LVM_UUID);
    LittleEndian.putU32(dst, OFF_LVM_SNAP_ID, lvmSnapId);
    LittleEndian.putU32(dst, OFF_FDC_GROUP_OFFSET, fdcClusterGroupOffset);
    LittleEndian.putU32(dst, OFF_FDC_CLUSTERS_PER_GROUP, fdcClustersPerGroup);
    LittleEndian.putU32(dst, OFF_SUB_BLOCK_SIZE, subBlockSize);
    LittleEndian.putU32(dst, OFF_MAX_JOURNAL_SLOTS, maxJournalSlotsPerTxn);
    LittleEndian.putU64(dst, OFF_PB2_VOL_ADDR, pb2VolAddr);
    LittleEndian.putU32(dst, OFF_PB2_FD_ADDR, pb2FdAddr);
    hostUuid.encode(dst, OFF_HOST_UUID);
    LittleEndian.putU64(dst, OFF_GBL_GENERATION, gblGeneration);
    LittleEndian.putU64(dst, OFF_SDD_VOL_ADDR, sddVolAddr);
    LittleEndian.putU32(dst, OFF_SDD_FD_ADDR, sddFdAddr);
    LittleEndian.putU16(dst, OFF_UNMAP_PRIORITY, unmapPriority);
    LittleEndian.putU32(dst, OFF_PHYS_DISK_BLOCK_SIZE, 512);
    LittleEndian.putU32(dst, OFF_MD_ALIGNMENT, mdAlignment);
    LittleEndian.putU16(dst, OFF_SFB_TO_LFB_SHIFT, sfbToLfbShift);
    LittleEndian.putU16(dst, OFF_PTR_BLOCK_SHIFT, ptrBlockShift);
    LittleEndian.putU16(dst, OFF_SFB_ADDR_BITS, sfbAddrBits);
    LittleEndian.putU32(dst, OFF_TBZ_GRANULARITY, tbzGranularity);
    LittleEndian.putU32(dst, OFF_JOURNAL_BLOCK_SIZE, journalBlockSize);
    LittleEndian.putU32(dst, OFF_LEASE_INTERVAL, leaseIntervalMs);
    LittleEndian.putU32(dst, OFF_RECLAIM_WINDOW, reclaimWindowMs);
    LittleEndian.putU32(dst, OFF_UNMAP_BANDWIDTH, unmapBandwidth);
    LittleEndian.putU32(dst, OFF_UNMAP_BANDWIDTH_MIN, unmapBandwidthMin);
    LittleEndian.putU32(dst, OFF_UNMAP_BANDWIDTH_MAX, unmapBandwidthMax);
  }
}
