package org.vmfskit.fs.format.vmfs6;

import com.google.common.base.Preconditions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;
import org.vmfskit.fs.format.AddressingMode;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.FileType;
import org.vmfskit.fs.format.LittleEndian;
import org.vmfskit.fs.format.LockBlock;

/**
 * A VMFS6 file descriptor, 8 KiB = 2 x mdA at mdA 4096, a resource of {@code .fdc.sf}
 * (FS3_FileDescriptor in dissect.vmfs; vmfs6-format.md sections 7.2, 7.3 [V]). Offsets are from
 * the start of the FD.
 * <pre>
 * off     size  type  field                meaning / valid range
 * 0x0000  4096  lock  lock                 type 0x10C00001, address = the FD's own L
 * 0x1000  4     u32   descAddr             the FD's own address (type 4); must match the slot
 * 0x1004  4     u32   generation           1, 2, 3 ... in creation order; copied into the dirent
 * 0x1008  4     u32   linkCount            files 1; dirs 2 + subdirectories
 * 0x100C  4     u32   type                 1..6 (2 dir, 3 file, 4 symlink, 5 system)
 * 0x1010  4     u32   flags                0; .sbc.sf 8; SB-backed file 1 (meaning unknown)
 * 0x1014  8     u64   fileLength           bytes, below 2^63 and within the ZLA's reach
 * 0x101C  8     u64   blockSize            1 MiB (ZLA 1/3/5, system files); 64 KiB (ZLA 2, 4305)
 * 0x1024  8     u64   numBlocks            SFBs or SBs in use (0 for resident)
 * 0x102C  4     u32   mtime                unix seconds
 * 0x1030  4     u32   ctime                unix seconds
 * 0x1034  4     u32   atime                unix seconds
 * 0x1038  4     u32   uid
 * 0x103C  4     u32   gid
 * 0x1040  4     u32   mode                 0644 files, 0777 symlinks, 0755 dirs, 01755 root, 0400 system
 * 0x1044  4     u32   zla                  addressing mode: 1, 2, 3, 5, 4304, 4305 (0 accepted if empty)
 * 0x1048  4     u32   numTBZBlocksLo
 * 0x104C  4     u32   numCOWBlocksLo
 * 0x1050  4     u32   newSinceEpochLo      = numBlocks on every FD seen
 * 0x1054  4     u32   numTBZBlocksHi
 * 0x1058  4     u32   numCOWBlocksHi
 * 0x105C  4     u32   numPointerBlocks     .sbc.sf: 1 (its PB2)
 * 0x1060  4     u32   newSinceEpochHi
 * 0x1064  4     u32   signature            'fdmd' 0x66646D64
 * 0x1068  4     u32   affinityFD           itself, or the parent directory for files with data
 * 0x106C  4     u32   tbzGranularityShift  20
 * 0x1070  4     u32   parentFD             containing directory; 0 for root and system files
 * 0x1074  4     u32   lastSFBClusterNum    .sbc.sf: 1
 * 0x107C  4     u32   unknown7C            .sbc.sf: 1 (meaning unknown)
 * 0x1080  4     u32   affinityBitmap       .sbc.sf: 1
 * 0x1089  1     u8    blockOffsetShift     log2(blockSize); dissect indexes block arrays with it
 * 0x108C  4     u32   numLFB               0
 * 0x1168  4     u32   lastFreeSFBC         0
 * 0x1200  3584  -     data                 resident content (ZLA 4305) from 0x1200, or
 * 0x1600  2560  u64[] addresses            320 block addresses (other ZLAs), overlapping its end
 * </pre>
 * The general form [D] puts resident data at FD end - (mdA - 512) and the address array at FD
 * end - 2560; vmfskit supports mdA 4096 only, the value of every known volume.
 */
public record FileDescriptor6(
    LockBlock lock,
    int rawDescAddr,
    long generation,
    long linkCount,
    FileType type,
    long flags,
    long fileLength,
    long blockSize,
    long numBlocks,
    long mtime,
    long ctime,
    long atime,
    long uid,
    long gid,
    long mode,
    AddressingMode zla,
    long numTbzBlocks,
    long numCowBlocks,
    long newSinceEpoch,
    long numPointerBlocks,
    int rawAffinityFd,
    int tbzGranularityShift,
    int rawParentFd,
    long lastSfbClusterNum,
    long unknown7C,
    long affinityBitmap,
    long numLfb,
    long lastFreeSfbc,
    byte[] data) {

  /** Bytes of one FD at mdA 4096. */
  public static final int SIZE = 0x2000;
  /** The metadata alignment this layout assumes. */
  public static final int MD_ALIGNMENT = 0x1000;
  /** Offset of the metadata. */
  public static final int META_OFFSET = 0x1000;
  /** Offset of the data area (resident content). */
  public static final int DATA_OFFSET = 0x1200;
  /** Bytes of the data area: the resident capacity. */
  public static final int DATA_SIZE = SIZE - DATA_OFFSET;
  /** Offset of the address array inside the data area. */
  public static final int ADDRESSES_IN_DATA = 0x1600 - DATA_OFFSET;
  /** Block addresses in the array. */
  public static final int ADDRESS_SLOTS = 320;
  /** The 'fdmd' signature. */
  public static final long SIGNATURE = 0x66646D64L;

  private static final String NAME = "FileDescriptor6";
  private static final int OFF_DESC_ADDR = 0x1000;
  private static final int OFF_GENERATION = 0x1004;
  private static final int OFF_LINK_COUNT = 0x1008;
  private static final int OFF_TYPE = 0x100C;
  private static final int OFF_FLAGS = 0x1010;
  private static final int OFF_FILE_LENGTH = 0x1014;
  private static final int OFF_BLOCK_SIZE = 0x101C;
  private static final int OFF_NUM_BLOCKS = 0x1024;
  private static final int OFF_MTIME = 0x102C;
  private static final int OFF_CTIME = 0x1030;
  private static final int OFF_ATIME = 0x1034;
  private static final int OFF_UID = 0x1038;
  private static final int OFF_GID = 0x103C;
  private static final int OFF_MODE = 0x1040;
  private static final int OFF_ZLA = 0x1044;
  private static final int OFF_TBZ_LO = 0x1048;
  private static final int OFF_COW_LO = 0x104C;
  private static final int OFF_NEW_SINCE_EPOCH_LO = 0x1050;
  private static final int OFF_TBZ_HI = 0x1054;
  private static final int OFF_COW_HI = 0x1058;
  private static final int OFF_NUM_POINTER_BLOCKS = 0x105C;
  private static final int OFF_NEW_SINCE_EPOCH_HI = 0x1060;
  private static final int OFF_SIGNATURE = 0x1064;
  private static final int OFF_AFFINITY_FD = 0x1068;
  private static final int OFF_TBZ_GRANULARITY_SHIFT = 0x106C;
  private static final int OFF_PARENT_FD = 0x1070;
  private static final int OFF_LAST_SFB_CLUSTER = 0x1074;
  private static final int OFF_UNKNOWN_7C = 0x107C;
  private static final int OFF_AFFINITY_BITMAP = 0x1080;
  private static final int OFF_BLOCK_OFFSET_SHIFT = 0x1089;
  private static final int OFF_NUM_LFB = 0x108C;
  private static final int OFF_LAST_FREE_SFBC = 0x1168;

  /** Checks field widths and copies the data area. */
  public FileDescriptor6 {
    Objects.requireNonNull(lock);
    Objects.requireNonNull(type);
    Objects.requireNonNull(zla);
    Preconditions.checkArgument(data.length == DATA_SIZE, "data area of %s bytes", data.length);
    Preconditions.checkArgument(fileLength >= 0, "negative length %s", fileLength);
    Preconditions.checkArgument(blockSize > 0 && Long.bitCount(blockSize) == 1, "block size %s", blockSize);
    data = data.clone();
  }

  /**
   * Returns a new FD as ESXi creates one: link count 1 (2 for directories), empty and resident
   * (ZLA 4305, blockSize 64 KiB, as the real image's empty files), affinity itself.
   *
   * @param address the FD's address
   * @param lockAddress the FD's logical address, stored in its lock
   * @param parent the containing directory, or null for the root and system files
   */
  public static FileDescriptor6 fresh(Address6.Fd address, long lockAddress, long generation, FileType type, long mode, Address6.Fd parent,
      long time) {
    return new FileDescriptor6(LockBlock6.unlocked(LockBlock6.TYPE_FD, lockAddress), address.raw32(), generation,
        type == FileType.DIRECTORY ? 2 : 1, type, 0, 0, 0x10000, 0, time, time, time, 0, 0, mode, AddressingMode.RESIDENT, 0, 0, 0, 0,
        address.raw32(), 20, parent == null ? 0 : parent.raw32(), 0, 0, 0, 0, 0, new byte[DATA_SIZE]);
  }

  /** Returns a data area holding {@code content} as resident data. */
  public static byte[] residentData(byte[] content) {
    Preconditions.checkArgument(content.length <= DATA_SIZE, "%s resident bytes", content.length);
    return Arrays.copyOf(content, DATA_SIZE);
  }

  /** Returns a data area holding the raw addresses {@code addresses} (at most 320). */
  public static byte[] addressData(long[] addresses) {
    Preconditions.checkArgument(addresses.length <= ADDRESS_SLOTS, "%s addresses", addresses.length);
    ByteBuffer buffer = ByteBuffer.allocate(DATA_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    buffer.position(ADDRESSES_IN_DATA);
    buffer.asLongBuffer().put(addresses);
    return buffer.array();
  }

  @Override
  public byte[] data() {
    return data.clone();
  }

  /** Returns the raw 64-bit block address in array slot {@code index} (0..319). */
  public long address(int index) {
    Objects.checkIndex(index, ADDRESS_SLOTS);
    return ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).getLong(ADDRESSES_IN_DATA + index * 8);
  }

  /** Returns all 320 raw addresses. */
  public long[] addresses() {
    long[] out = new long[ADDRESS_SLOTS];
    ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).position(ADDRESSES_IN_DATA).asLongBuffer().get(out);
    return out;
  }

  /** Returns the resident content: the first fileLength bytes of the data area. */
  public byte[] residentContent() {
    return Arrays.copyOf(data, (int) Math.min(fileLength, DATA_SIZE));
  }

  /** Returns this FD with another layout: length, block size, mode, block counts and data area. */
  public FileDescriptor6 withLayout(long newLength, long newBlockSize, AddressingMode newZla, long newNumBlocks, long newNumPointerBlocks,
      byte[] newData) {
    return new FileDescriptor6(lock, rawDescAddr, generation, linkCount, type, flags, newLength, newBlockSize, newNumBlocks, mtime, ctime,
        atime, uid, gid, mode, newZla, numTbzBlocks, numCowBlocks, newNumBlocks, newNumPointerBlocks, rawAffinityFd, tbzGranularityShift,
        rawParentFd, lastSfbClusterNum, unknown7C, affinityBitmap, numLfb, lastFreeSfbc, newData);
  }

  /** Returns this FD with other flags, affinity FD and link count. */
  public FileDescriptor6 withLinks(long newFlags, int newRawAffinityFd, long newLinkCount) {
    return new FileDescriptor6(lock, rawDescAddr, generation, newLinkCount, type, newFlags, fileLength, blockSize, numBlocks, mtime, ctime,
        atime, uid, gid, mode, zla, numTbzBlocks, numCowBlocks, newSinceEpoch, numPointerBlocks, newRawAffinityFd, tbzGranularityShift,
        rawParentFd, lastSfbClusterNum, unknown7C, affinityBitmap, numLfb, lastFreeSfbc, data);
  }

  // Records compare arrays by reference; an FD equals its decoded copy only with content equality.
  @Override
  public boolean equals(Object other) {
    return other instanceof FileDescriptor6 o && lock.equals(o.lock) && rawDescAddr == o.rawDescAddr && generation == o.generation
        && linkCount == o.linkCount && type == o.type && flags == o.flags && fileLength == o.fileLength && blockSize == o.blockSize
        && numBlocks == o.numBlocks && mtime == o.mtime && ctime == o.ctime && atime == o.atime && uid == o.uid && gid == o.gid
        && mode == o.mode && zla == o.zla && numTbzBlocks == o.numTbzBlocks && numCowBlocks == o.numCowBlocks
        && newSinceEpoch == o.newSinceEpoch && numPointerBlocks == o.numPointerBlocks && rawAffinityFd == o.rawAffinityFd
        && tbzGranularityShift == o.tbzGranularityShift && rawParentFd == o.rawParentFd && lastSfbClusterNum == o.lastSfbClusterNum
        && unknown7C == o.unknown7C && affinityBitmap == o.affinityBitmap && numLfb == o.numLfb && lastFreeSfbc == o.lastFreeSfbc
        && Arrays.equals(data, o.data);
  }

  @Override
  public int hashCode() {
    return 31 * Objects.hash(rawDescAddr, generation, type, fileLength, zla, mtime) + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "FileDescriptor6[" + Corrupt.hex(Integer.toUnsignedLong(rawDescAddr)) + ", " + type + ", length " + fileLength + ", ZLA "
        + zla.code() + ", blockSize " + blockSize + "]";
  }

  /**
   * Decodes the FD at absolute {@code offset} of {@code src}.
   *
   * @param deviceOffset the FD's image offset, for messages
   * @param expectedRawAddr the FD's own address, which descAddr must equal
   */
  public static FileDescriptor6 decode(ByteBuffer src, int offset, long deviceOffset, int expectedRawAddr) throws CorruptStructureException {
    LockBlock lock = LockBlock6.decode(src, offset, NAME, deviceOffset, LockBlock6.TYPE_FD);
    int descAddr = LittleEndian.raw32(src, offset + OFF_DESC_ADDR);
    if (descAddr != expectedRawAddr) {
      throw Corrupt.field(NAME, deviceOffset + OFF_DESC_ADDR, "descAddr", hex32(expectedRawAddr), hex32(descAddr));
    }
    long signature = LittleEndian.u32(src, offset + OFF_SIGNATURE);
    if (signature != SIGNATURE) {
      throw Corrupt.defect(NAME, deviceOffset + OFF_SIGNATURE, "signature", "bad signature", Corrupt.hex(SIGNATURE), Corrupt.hex(signature));
    }
    FileType type = FileType.of(LittleEndian.u32(src, offset + OFF_TYPE), NAME, deviceOffset + OFF_TYPE);
    AddressingMode zla = AddressingMode.of(LittleEndian.u32(src, offset + OFF_ZLA), NAME, deviceOffset + OFF_ZLA);
    long blockSize = LittleEndian.u64(src, offset + OFF_BLOCK_SIZE);
    if (blockSize < 512 || blockSize > 1L << 30 || Long.bitCount(blockSize) != 1) {
      throw Corrupt.defect(NAME, deviceOffset + OFF_BLOCK_SIZE, "blockSize", "bad block size", "a power of two from 512 to 1 GiB", blockSize);
    }
    int shift = LittleEndian.u8(src, offset + OFF_BLOCK_OFFSET_SHIFT);
    if (shift != Long.numberOfTrailingZeros(blockSize)) {
      throw Corrupt.field(NAME, deviceOffset + OFF_BLOCK_OFFSET_SHIFT, "blockOffsetShift", Long.numberOfTrailingZeros(blockSize), shift);
    }
    long length = LittleEndian.u64(src, offset + OFF_FILE_LENGTH);
    long reach = Zla6.maxLength(zla, blockSize);
    if (length < 0 || length > reach) {
      throw Corrupt.defect(NAME, deviceOffset + OFF_FILE_LENGTH, "fileLength", "length beyond the reach of ZLA " + zla.code(), "0.." + reach, length);
    }
    return new FileDescriptor6(
        lock,
        descAddr,
        LittleEndian.u32(src, offset + OFF_GENERATION),
        LittleEndian.u32(src, offset + OFF_LINK_COUNT),
        type,
        LittleEndian.u32(src, offset + OFF_FLAGS),
        length,
        blockSize,
        LittleEndian.u64(src, offset + OFF_NUM_BLOCKS),
        LittleEndian.u32(src, offset + OFF_MTIME),
        LittleEndian.u32(src, offset + OFF_CTIME),
        LittleEndian.u32(src, offset + OFF_ATIME),
        LittleEndian.u32(src, offset + OFF_UID),
        LittleEndian.u32(src, offset + OFF_GID),
        LittleEndian.u32(src, offset + OFF_MODE),
        zla,
        LittleEndian.u32(src, offset + OFF_TBZ_LO) | LittleEndian.u32(src, offset + OFF_TBZ_HI) << 32,
        LittleEndian.u32(src, offset + OFF_COW_LO) | LittleEndian.u32(src, offset + OFF_COW_HI) << 32,
        LittleEndian.u32(src, offset + OFF_NEW_SINCE_EPOCH_LO) | LittleEndian.u32(src, offset + OFF_NEW_SINCE_EPOCH_HI) << 32,
        LittleEndian.u32(src, offset + OFF_NUM_POINTER_BLOCKS),
        LittleEndian.raw32(src, offset + OFF_AFFINITY_FD),
        (int) LittleEndian.u32(src, offset + OFF_TBZ_GRANULARITY_SHIFT),
        LittleEndian.raw32(src, offset + OFF_PARENT_FD),
        LittleEndian.u32(src, offset + OFF_LAST_SFB_CLUSTER),
        LittleEndian.u32(src, offset + OFF_UNKNOWN_7C),
        LittleEndian.u32(src, offset + OFF_AFFINITY_BITMAP),
        LittleEndian.u32(src, offset + OFF_NUM_LFB),
        LittleEndian.u32(src, offset + OFF_LAST_FREE_SFBC),
        LittleEndian.bytes(src, offset + DATA_OFFSET, DATA_SIZE));
  }

  /** Encodes the whole FD (8 KiB) at absolute {@code offset} of {@code dst}. */
  public void encode(ByteBuffer dst, int offset) {
    LockBlock6.encode(lock, dst, offset, SIZE);
    LittleEndian.putU32(dst, offset + OFF_DESC_ADDR, rawDescAddr);
    LittleEndian.putU32(dst, offset + OFF_GENERATION, generation);
    LittleEndian.putU32(dst, offset + OFF_LINK_COUNT, linkCount);
    LittleEndian.putU32(dst, offset + OFF_TYPE, type.code());
    LittleEndian.putU32(dst, offset + OFF_FLAGS, flags);
    LittleEndian.putU64(dst, offset + OFF_FILE_LENGTH, fileLength);
    LittleEndian.putU64(dst, offset + OFF_BLOCK_SIZE, blockSize);
    LittleEndian.putU64(dst, offset + OFF_NUM_BLOCKS, numBlocks);
    LittleEndian.putU32(dst, offset + OFF_MTIME, mtime);
    LittleEndian.putU32(dst, offset + OFF_CTIME, ctime);
    LittleEndian.putU32(dst, offset + OFF_ATIME, atime);
    LittleEndian.putU32(dst, offset + OFF_UID, uid);
    LittleEndian.putU32(dst, offset + OFF_GID, gid);
    LittleEndian.putU32(dst, offset + OFF_MODE, mode);
    LittleEndian.putU32(dst, offset + OFF_ZLA, zla.code());
    LittleEndian.putU32(dst, offset + OFF_TBZ_LO, numTbzBlocks);
    LittleEndian.putU32(dst, offset + OFF_COW_LO, numCowBlocks);
    LittleEndian.putU32(dst, offset + OFF_NEW_SINCE_EPOCH_LO, newSinceEpoch);
    LittleEndian.putU32(dst, offset + OFF_TBZ_HI, numTbzBlocks >>> 32);
    LittleEndian.putU32(dst, offset + OFF_COW_HI, numCowBlocks >>> 32);
    LittleEndian.putU32(dst, offset + OFF_NUM_POINTER_BLOCKS, numPointerBlocks);
    LittleEndian.putU32(dst, offset + OFF_NEW_SINCE_EPOCH_HI, newSinceEpoch >>> 32);
    LittleEndian.putU32(dst, offset + OFF_SIGNATURE, SIGNATURE);
    LittleEndian.putU32(dst, offset + OFF_AFFINITY_FD, rawAffinityFd);
    LittleEndian.putU32(dst, offset + OFF_TBZ_GRANULARITY_SHIFT, tbzGranularityShift);
    LittleEndian.putU32(dst, offset + OFF_PARENT_FD, rawParentFd);
    LittleEndian.putU32(dst, offset + OFF_LAST_SFB_CLUSTER, lastSfbClusterNum);
    LittleEndian.putU32(dst, offset + OFF_UNKNOWN_7C, unknown7C);
    LittleEndian.putU32(dst, offset + OFF_AFFINITY_BITMAP, affinityBitmap);
    LittleEndian.putU8(dst, offset + OFF_BLOCK_OFFSET_SHIFT, Long.numberOfTrailingZeros(blockSize));
    LittleEndian.putU32(dst, offset + OFF_NUM_LFB, numLfb);
    LittleEndian.putU32(dst, offset + OFF_LAST_FREE_SFBC, lastFreeSfbc);
    dst.put(offset + DATA_OFFSET, data);
  }

  private static String hex32(int raw) {
    return Corrupt.hex(Integer.toUnsignedLong(raw));
  }
}
