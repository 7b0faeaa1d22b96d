package org.vmfskit.fs.format;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * The VMFS file-system descriptor ("superblock"), 512 bytes at logical address 0x200000
 * (FS3_Descriptor in dissect.vmfs).
 * <pre>
 * off   size type  field                  meaning / valid range
 * 0x00  4    u32   magic                  0x2FABF15E (0x2FABF15F is VMFS-L: unsupported)
 * 0x04  4    u32   majorVersion           14 = VMFS5, 4 = VMFS3; 24 = VMFS6 is unsupported
 * 0x08  1    u8    minorVersion           81 on ESXi-made VMFS5; shown only
 * 0x09  16   uuid  fsUuid                 datastore UUID
 * 0x19  4    u32   config                 low 2 bits mode (2 public); bit 0x4 DENSE_SBPC
 * 0x1D  128  char  label                  NUL-padded
 * 0x9D  4    u32   diskBlockSize          512
 * 0xA1  8    u64   fileBlockSize          bytes; a power of two, 1 to 8 MiB
 * 0xA9  4    u32   creationTime           unix seconds
 * 0xAD  4    u32   snapId                 1
 * 0xB1  16   uuid  lvmUuid                must equal the LVM header's volume UUID
 * 0xD1  4    u32   fdcClusterGroupOffset  0x10000: size of the .fdc.sf header
 * 0xD5  4    u32   fdcClustersPerGroup    32
 * 0xD9  4    u32   subBlockSize           8 KiB on VMFS5, 64 KiB on VMFS3; shown only
 * </pre>
 */
public record FsDescriptor(
    int majorVersion,
    int minorVersion,
    VmfsUuid fsUuid,
    int config,
    String label,
    long fileBlockSize,
    long creationTime,
    VmfsUuid lvmUuid,
    long fdcClusterGroupOffset,
    long fdcClustersPerGroup,
    long subBlockSize) {

  /** Bytes of the structure. */
  public static final int SIZE = 512;
  /** Logical address of the descriptor. */
  public static final long LOGICAL_OFFSET = 0x200000;
  /** The VMFS magic. */
  public static final long MAGIC = 0x2FABF15EL;
  /** The VMFS-L (ESXi system partition) magic. */
  public static final long MAGIC_VMFS_L = 0x2FABF15FL;
  /** Major version written for VMFS5. */
  public static final int VMFS5_MAJOR = 14;
  /** Minor version ESXi-made VMFS5 volumes carry. */
  public static final int VMFS5_MINOR = 81;
  /** Longest label in bytes. */
  public static final int MAX_LABEL_BYTES = 127;
  /** Smallest and largest file-block sizes of VMFS3/5. */
  public static final long MIN_BLOCK_SIZE = 1 << 20;
  /** Largest file-block size of VMFS3/5. */
  public static final long MAX_BLOCK_SIZE = 8 << 20;

  private static final String NAME = "FsDescriptor";
  private static final int OFF_MAGIC = 0x00;
  private static final int OFF_MAJOR = 0x04;
  private static final int OFF_MINOR = 0x08;
  private static final int OFF_FS_UUID = 0x09;
  private static final int OFF_CONFIG = 0x19;
  private static final int OFF_LABEL = 0x1D;
  private static final int OFF_DISK_BLOCK_SIZE = 0x9D;
  private static final int OFF_FILE_BLOCK_SIZE = 0xA1;
  private static final int OFF_CTIME = 0xA9;
  private static final int OFF_SNAP_ID = 0xAD;
  private static final int OFF_LVM_UUID = 0xB1;
  private static final int OFF_FDC_GROUP_OFFSET = 0xD1;
  private static final int OFF_FDC_CLUSTERS_PER_GROUP = 0xD5;
  private static final int OFF_SUB_BLOCK_SIZE = 0xD9;

  /** Checks what the Java types cannot. */
  public FsDescriptor {
    Objects.requireNonNull(fsUuid);
    Objects.requireNonNull(lvmUuid);
    Objects.requireNonNull(label);
  }

  /** Decodes the descriptor from {@code src}, read at image offset {@code deviceOffset}. */
  public static FsDescriptor decode(ByteBuffer src, long deviceOffset) throws VmfsFormatException {
    long magic = LittleEndian.u32(src, OFF_MAGIC);
    if (magic == MAGIC_VMFS_L) {
      throw new UnsupportedFormatException(NAME, deviceOffset, "this is a VMFS-L (ESXi system) volume, not a datastore");
    }
    if (magic != MAGIC) {
      throw Corrupt.magic(NAME, deviceOffset, MAGIC, magic);
    }
    int major = (int) LittleEndian.u32(src, OFF_MAJOR);
    if (major >= 24) {
      throw new UnsupportedFormatException(NAME, deviceOffset + OFF_MAJOR, "file-system version " + major + " is VMFS6 or later; vmfskit reads VMFS3 and VMFS5");
    }
    long blockSize = LittleEndian.u64(src, OFF_FILE_BLOCK_SIZE);
    if (blockSize < MIN_BLOCK_SIZE || blockSize > MAX_BLOCK_SIZE || Long.bitCount(blockSize) != 1) {
      throw Corrupt.defect(NAME, deviceOffset + OFF_FILE_BLOCK_SIZE, "fileBlockSize", "bad file-block size", "a power of two from 1 MiB to 8 MiB", blockSize);
    }
    return new FsDescriptor(
        major,
        LittleEndian.u8(src, OFF_MINOR),
        VmfsUuid.decode(src, OFF_FS_UUID),
        LittleEndian.raw32(src, OFF_CONFIG),
        LittleEndian.cString(src, OFF_LABEL, 128),
        blockSize,
        LittleEndian.u32(src, OFF_CTIME),
        VmfsUuid.decode(src, OFF_LVM_UUID),
        LittleEndian.u32(src, OFF_FDC_GROUP_OFFSET),
        LittleEndian.u32(src, OFF_FDC_CLUSTERS_PER_GROUP),
        LittleEndian.u32(src, OFF_SUB_BLOCK_SIZE));
  }

  /** Encodes the descriptor into the first {@link #SIZE} bytes of {@code dst}. */
  public void encode(ByteBuffer dst) {
    LittleEndian.putU32(dst, OFF_MAGIC, MAGIC);
    LittleEndian.putU32(dst, OFF_MAJOR, majorVersion);
    LittleEndian.putU8(dst, OFF_MINOR, minorVersion);
    fsUuid.encode(dst, OFF_FS_UUID);
    LittleEndian.putU32(dst, OFF_CONFIG, config);
    LittleEndian.putCString(dst, OFF_LABEL, 128, label);
    LittleEndian.putU32(dst, OFF_DISK_BLOCK_SIZE, 512);
    LittleEndian.putU64(dst, OFF_FILE_BLOCK_SIZE, fileBlockSize);
    LittleEndian.putU32(dst, OFF_CTIME, creationTime);
    LittleEndian.putU32(dst, OFF_SNAP_ID, 1);
    lvmUuid.encode(dst, OFF_LVM_UUID);
    LittleEndian.putU32(dst, OFF_FDC_GROUP_OFFSET, fdcClusterGroupOffset);
    LittleEndian.putU32(dst, OFF_FDC_CLUSTERS_PER_GROUP, fdcClustersPerGroup);
    LittleEndian.putU32(dst, OFF_SUB_BLOCK_SIZE, subBlockSize);
  }
}
