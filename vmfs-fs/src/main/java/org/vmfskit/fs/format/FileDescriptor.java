package org.vmfskit.fs.format;

import com.google.common.base.Preconditions;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * A file descriptor (the VMFS inode), a 2 KiB slot of {@code .fdc.sf} (FS3_FileDescriptor in
 * dissect.vmfs). Offsets are from the start of the slot.
 * <pre>
 * off    size  type  field             meaning / valid range
 * 0x000  512   lock  lock              magic 0x10C00001; address = the slot's own L
 * 0x200  4     u32   descAddr          the FD's own address; must match the slot
 * 0x204  4     u32   generation        repeated in directory entries
 * 0x208  4     u32   nlink             link count; 0 = free slot
 * 0x20C  4     u32   type              1..6, see FileType
 * 0x210  4     u32   flags             0
 * 0x214  8     u64   size              length in bytes, below 2^63
 * 0x21C  8     u64   blockSize         FS block size, or sub-block size for ZLA 2; never 0
 * 0x224  8     u64   numBlocks         data blocks allocated (shown only)
 * 0x22C  4     u32   mtime             unix seconds
 * 0x230  4     u32   ctime             unix seconds
 * 0x234  4     u32   atime             unix seconds
 * 0x238  4     u32   uid
 * 0x23C  4     u32   gid
 * 0x240  4     u32   mode              permission bits
 * 0x244  4     u32   zla               addressing mode: 1, 2, 3, 5, 4304, 4305
 * 0x248  4     u32   numTbzBlocks      blocks still to be zeroed (shown only)
 * 0x24C  4     u32   numCowBlocks      shown only
 * 0x289  1     u8    blockOffsetShift  log2(blockSize); dissect needs it on VMFS5
 * 0x400  1024  -     data              256 u32 block addresses, or resident bytes (ZLA 4305)
 * </pre>
 */
public record FileDescriptor(
    LockBlock lock,
    int rawDescAddr,
    long generation,
    long nlink,
    FileType type,
    long flags,
    long size,
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
    byte[] data) {

  /** Bytes of one FD slot. */
  public static final int SIZE = 0x800;
  /** Offset of the data area in the slot. */
  public static final int DATA_OFFSET = 0x400;
  /** Bytes of the data area. */
  public static final int DATA_SIZE = 0x400;
  /** Addresses in the data area. */
  public static final int ADDRESS_SLOTS = DATA_SIZE / 4;

  private static final String NAME = "FileDescriptor";
  private static final int OFF_DESC_ADDR = 0x200;
  private static final int OFF_GENERATION = 0x204;
  private static final int OFF_NLINK = 0x208;
  private static final int OFF_TYPE = 0x20C;
  private static final int OFF_FLAGS = 0x210;
  private static final int OFF_SIZE = 0x214;
  private static final int OFF_BLOCK_SIZE = 0x21C;
  private static final int OFF_NUM_BLOCKS = 0x224;
  private static final int OFF_MTIME = 0x22C;
  private static final int OFF_CTIME = 0x230;
  private static final int OFF_ATIME = 0x234;
  private static final int OFF_UID = 0x238;
  private static final int OFF_GID = 0x23C;
  private static final int OFF_MODE = 0x240;
  private static final int OFF_ZLA = 0x244;
  private static final int OFF_TBZ = 0x248;
  private static final int OFF_COW = 0x24C;
  private static final int OFF_BLOCK_OFFSET_SHIFT = 0x289;

  /** Checks field widths and copies the data area. */
  public FileDescriptor {
    Objects.requireNonNull(lock);
    Objects.requireNonNull(type);
    Objects.requireNonNull(zla);
    Preconditions.checkArgument(data.length == DATA_SIZE, "data area of %s bytes", data.length);
    Preconditions.checkArgument(size >= 0, "negative size %s", size);
    data = data.clone();
  }

  @Override
  public byte[] data() {
    return data.clone();
  }

  // Records compare arrays by reference; an FD equals its decoded copy only with content equality.
  @Override
  public boolean equals(Object other) {
    return other instanceof FileDescriptor o
        && lock.equals(o.lock) && rawDescAddr == o.rawDescAddr && generation == o.generation && nlink == o.nlink
        && type == o.type && flags == o.flags && size == o.size && blockSize == o.blockSize && numBlocks == o.numBlocks
        && mtime == o.mtime && ctime == o.ctime && atime == o.atime && uid == o.uid && gid == o.gid && mode == o.mode
        && zla == o.zla && numTbzBlocks == o.numTbzBlocks && numCowBlocks == o.numCowBlocks
        && java.util.Arrays.equals(data, o.data);
  }

  @Override
  public int hashCode() {
    return 31 * Objects.hash(lock, rawDescAddr, generation, nlink, type, flags, size, blockSize, numBlocks, mtime, ctime, atime, uid, gid,
        mode, zla, numTbzBlocks, numCowBlocks) + java.util.Arrays.hashCode(data);
  }

  /** Returns the generation field of a raw FD slot (live or freed), without decoding the rest. */
  public static long generationOf(ByteBuffer slot) {
    return LittleEndian.u32(slot, OFF_GENERATION);
  }

  /**
   * Returns a new, empty live FD: nlink 1, size 0, resident (ZLA 4305), as ESXi starts small files.
   *
   * @param rawAddress the FD's own address
   * @param lockAddress the slot's logical address, stored in its lock
   * @param generation the slot's new generation
   * @param type the file type
   * @param mode permission bits (and type bits where VMFS keeps them)
   * @param blockSize the FS block size
   * @param time creation time, unix seconds
   */
  public static FileDescriptor fresh(int rawAddress, long lockAddress, long generation, FileType type, long mode, long blockSize, long time) {
    return new FileDescriptor(LockBlock.unlocked(LockBlock.MAGIC_FD, lockAddress), rawAddress, generation, 1, type, 0, 0, blockSize, 0,
        time, time, time, 0, 0, mode, AddressingMode.RESIDENT, 0, 0, new byte[DATA_SIZE]);
  }

  /** Returns a data area holding the raw addresses {@code addresses} (at most 256). */
  public static byte[] dataOf(int[] addresses) {
    Preconditions.checkArgument(addresses.length <= ADDRESS_SLOTS, "%s addresses", addresses.length);
    ByteBuffer buffer = ByteBuffer.allocate(DATA_SIZE).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    buffer.asIntBuffer().put(addresses);
    return buffer.array();
  }

  /** The file-type bits of a mode, and their directory value (S_IFMT, S_IFDIR). */
  public static final long S_IFMT = 0170000;
  public static final long S_IFDIR = 0040000;

  /**
   * Returns whether an FD of {@code type} with {@code mode} is a directory: type 2, or a system
   * file (type 5) whose mode carries S_IFDIR, as ESXi writes {@code .sdd.sf} (mode 040700, one
   * block holding "." and ".."). Files are typed by their FD, never by their name.
   */
  public static boolean isDirectory(FileType type, long mode) {
    return type == FileType.DIRECTORY || type == FileType.SYSTEM && (mode & S_IFMT) == S_IFDIR;
  }

  /** Returns whether this FD is a directory (see {@link #isDirectory(FileType, long)}). */
  public boolean isDirectory() {
    return isDirectory(type, mode);
  }

  /** Returns the raw block address in data-area slot {@code index} (0..255). */
  public int address(int index) {
    Objects.checkIndex(index, ADDRESS_SLOTS);
    return (data[index * 4] & 0xFF) | (data[index * 4 + 1] & 0xFF) << 8 | (data[index * 4 + 2] & 0xFF) << 16 | (data[index * 4 + 3] & 0xFF) << 24;
  }

  /** Returns all 256 raw addresses of the data area. */
  public int[] addresses() {
    int[] out = new int[ADDRESS_SLOTS];
    ByteBuffer.wrap(data).order(java.nio.ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(out);
    return out;
  }

  /** Returns the first {@code size} bytes of the data area (resident content). */
  public byte[] residentContent() {
    return java.util.Arrays.copyOf(data, (int) Math.min(size, DATA_SIZE));
  }

  /** Returns whether the slot holds a live file (nlink above 0). */
  public boolean isLive() {
    return nlink > 0;
  }

  /** Returns this FD with other size, block size, addressing and data. */
  public FileDescriptor withLayout(long newSize, long newBlockSize, AddressingMode newZla, long newNumBlocks, long newNumTbz, byte[] newData) {
    return new FileDescriptor(lock, rawDescAddr, generation, nlink, type, flags, newSize, newBlockSize, newNumBlocks, mtime, ctime, atime, uid, gid, mode, newZla, newNumTbz, numCowBlocks, newData);
  }

  /** Returns this FD with other times (unix seconds). */
  public FileDescriptor withTimes(long newMtime, long newCtime) {
    return new FileDescriptor(lock, rawDescAddr, generation, nlink, type, flags, size, blockSize, numBlocks, newMtime, newCtime, atime, uid, gid, mode, zla, numTbzBlocks, numCowBlocks, data);
  }

  /** Returns this FD with another link count. */
  public FileDescriptor withNlink(long newNlink) {
    return new FileDescriptor(lock, rawDescAddr, generation, newNlink, type, flags, size, blockSize, numBlocks, mtime, ctime, atime, uid, gid, mode, zla, numTbzBlocks, numCowBlocks, data);
  }

  /** Returns this FD with other permission bits. */
  public FileDescriptor withMode(long newMode) {
    return new FileDescriptor(lock, rawDescAddr, generation, nlink, type, flags, size, blockSize, numBlocks, mtime, ctime, atime, uid, gid, newMode, zla, numTbzBlocks, numCowBlocks, data);
  }

  /**
   * Decodes a live FD from the slot at absolute {@code offset} of {@code src}.
   *
   * @param deviceOffset the slot's image offset, for messages
   * @param expectedRawAddr the slot's own FD address, which descAddr must equal
   */
  public static FileDescriptor decode(ByteBuffer src, int offset, long deviceOffset, int expectedRawAddr)
      throws CorruptStructureException {
    LockBlock lock = LockBlock.decode(src, offset);
    if (lock.magic() != LockBlock.MAGIC_FD) {
      throw Corrupt.magic(NAME, deviceOffset, LockBlock.MAGIC_FD, lock.magic());
    }
    int descAddr = LittleEndian.raw32(src, offset + OFF_DESC_ADDR);
    if (descAddr != expectedRawAddr) {
      throw Corrupt.field(NAME, deviceOffset + OFF_DESC_ADDR, "descAddr", Corrupt.hex(expectedRawAddr & 0xFFFFFFFFL), Corrupt.hex(descAddr & 0xFFFFFFFFL));
    }
    FileType type = FileType.of(LittleEndian.u32(src, offset + OFF_TYPE), NAME, deviceOffset + OFF_TYPE);
    AddressingMode zla = AddressingMode.of(LittleEndian.u32(src, offset + OFF_ZLA), NAME, deviceOffset + OFF_ZLA);
    long size = LittleEndian.u64(src, offset + OFF_SIZE);
    if (size < 0) {
      throw Corrupt.range(NAME, deviceOffset + OFF_SIZE, "size", 0, Long.MAX_VALUE, size);
    }
    long blockSize = LittleEndian.u64(src, offset + OFF_BLOCK_SIZE);
    if (blockSize < 512 || Long.bitCount(blockSize) != 1 || blockSize > FsDescriptor.MAX_BLOCK_SIZE) {
      throw Corrupt.defect(NAME, deviceOffset + OFF_BLOCK_SIZE, "blockSize", "bad block size", "a power of two from 512 to 8 MiB", blockSize);
    }
    if (zla == AddressingMode.EMPTY && size != 0) {
      throw Corrupt.defect(NAME, deviceOffset + OFF_SIZE, "size", "a file without addressing mode (ZLA 0) holds data", 0, size);
    }
    if (zla == AddressingMode.RESIDENT && size > DATA_SIZE) {
      throw Corrupt.range(NAME, deviceOffset + OFF_SIZE, "size", 0, DATA_SIZE, size);
    }
    return new FileDescriptor(
        lock,
        descAddr,
        LittleEndian.u32(src, offset + OFF_GENERATION),
        LittleEndian.u32(src, offset + OFF_NLINK),
        type,
        LittleEndian.u32(src, offset + OFF_FLAGS),
        size,
        blockSize,
        LittleEndian.u64(src, offset + OFF_NUM_BLOCKS),
        LittleEndian.u32(src, offset + OFF_MTIME),
        LittleEndian.u32(src, offset + OFF_CTIME),
        LittleEndian.u32(src, offset + OFF_ATIME),
        LittleEndian.u32(src, offset + OFF_UID),
        LittleEndian.u32(src, offset + OFF_GID),
        LittleEndian.u32(src, offset + OFF_MODE),
        zla,
        LittleEndian.u32(src, offset + OFF_TBZ),
        LittleEndian.u32(src, offset + OFF_COW),
        LittleEndian.bytes(src, offset + DATA_OFFSET, DATA_SIZE));
  }

  /** Returns the lock magic and nlink of the slot at {@code offset} without full decoding. */
  public static boolean isLiveSlot(ByteBuffer src, int offset) {
    return LittleEndian.u32(src, offset) == LockBlock.MAGIC_FD && LittleEndian.u32(src, offset + OFF_NLINK) != 0;
  }

  /** Encodes the FD into the slot at absolute {@code offset} of {@code dst} (all 2 KiB). */
  public void encode(ByteBuffer dst, int offset) {
    for (int i = 0; i < SIZE; i++) {
      dst.put(offset + i, (byte) 0);
    }
    lock.encode(dst, offset);
    LittleEndian.putU32(dst, offset + OFF_DESC_ADDR, rawDescAddr);
    LittleEndian.putU32(dst, offset + OFF_GENERATION, generation);
    LittleEndian.putU32(dst, offset + OFF_NLINK, nlink);
    LittleEndian.putU32(dst, offset + OFF_TYPE, type.code());
    LittleEndian.putU32(dst, offset + OFF_FLAGS, flags);
    LittleEndian.putU64(dst, offset + OFF_SIZE, size);
    LittleEndian.putU64(dst, offset + OFF_BLOCK_SIZE, blockSize);
    LittleEndian.putU64(dst, offset + OFF_NUM_BLOCKS, numBlocks);
    LittleEndian.putU32(dst, offset + OFF_MTIME, mtime);
    LittleEndian.putU32(dst, offset + OFF_CTIME, ctime);
    LittleEndian.putU32(dst, offset + OFF_ATIME, atime);
    LittleEndian.putU32(dst, offset + OFF_UID, uid);
    LittleEndian.putU32(dst, offset + OFF_GID, gid);
    LittleEndian.putU32(dst, offset + OFF_MODE, mode);
    LittleEndian.putU32(dst, offset + OFF_ZLA, zla.code());
    LittleEndian.putU32(dst, offset + OFF_TBZ, numTbzBlocks);
    LittleEndian.putU32(dst, offset + OFF_COW, numCowBlocks);
    LittleEndian.putU8(dst, offset + OFF_BLOCK_OFFSET_SHIFT, Long.numberOfTrailingZeros(blockSize));
    dst.put(offset + DATA_OFFSET, data);
  }
}
