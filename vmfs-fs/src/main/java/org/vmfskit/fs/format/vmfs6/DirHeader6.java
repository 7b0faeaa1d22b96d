package org.vmfskit.fs.format.vmfs6;

import com.google.common.base.Preconditions;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.LittleEndian;

/**
 * The 64 KiB header block at offset 0 of every VMFS6 directory (FS6_DirHeader in dissect.vmfs;
 * vmfs6-format.md 9.2 [V]): counts, the list of allocation-map blocks, "." and "..", and the hash
 * table of 16001 locations.
 * <pre>
 * off     size        type    field                   meaning / valid range
 * 0x000   4           u32     version                 0xF50001 (0xFDC001 debug version, accepted)
 * 0x004   4           u32     numEntries              entries including "." and ".."; at least 2
 * 0x008   4           u32     numAllocated            = numEntries on every directory seen
 * 0x00C   4           u32     numAllocationMapBlocks  1..128
 * 0x010   4 x 128     u32     allocationMapBlocks     block numbers; [0] = 0
 * 0x3A8   8           u64     checksum                0
 * 0x3B0   8           u64     checksumGen             0
 * 0x3B8   0x120       dirent  "."                     own type (2, or 5 for .sdd.sf), address, generation
 * 0x4D8   0x120       dirent  ".."                    parent (the root points to itself)
 * 0x5F8   4 x 16001   u32     hashTable               HashLocation6 raw values; 0 = empty
 * 0xFFFC  4           -       -                       zero
 * </pre>
 * In the root the last 28 table slots are reserved: the system files own 15974..15981 (and
 * dissect names 15982, 15983); user names hash modulo 15973 (section 9.3).
 */
public record DirHeader6(long version, long numEntries, long numAllocated, int[] allocationMapBlocks, DirEntry6 dot, DirEntry6 dotDot,
    int[] hashTable) {

  /** Bytes of the header block. */
  public static final int SIZE = 0x10000;
  /** The version ESXi writes. */
  public static final long VERSION = 0xF50001L;
  /** The debug version dissect also accepts. */
  public static final long VERSION_DEBUG = 0xFDC001L;
  /** Most allocation-map blocks the header lists. */
  public static final int MAX_MAP_BLOCKS = 128;
  /** Offset of the hash table. */
  public static final int HASH_TABLE_OFFSET = 0x5F8;
  /** Root table slot of {@code .fbb.sf}; {@code .fdc.sf} 15975, … {@code .jbc.sf} 15981 in the order of {@link #ROOT_SYSTEM_NAMES}. */
  public static final int ROOT_SYSTEM_FIRST_SLOT = 15974;
  /** The root's system files in the order of their fixed table slots and of dirent slots 0..7 (12.2 step 9). */
  public static final List<String> ROOT_SYSTEM_NAMES =
      List.of(".fbb.sf", ".fdc.sf", ".pbc.sf", ".sbc.sf", ".vh.sf", ".pb2.sf", ".sdd.sf", ".jbc.sf");

  private static final String NAME = "DirHeader6";
  private static final int OFF_VERSION = 0x000;
  private static final int OFF_NUM_ENTRIES = 0x004;
  private static final int OFF_NUM_ALLOCATED = 0x008;
  private static final int OFF_NUM_MAP_BLOCKS = 0x00C;
  private static final int OFF_MAP_BLOCKS = 0x010;
  private static final int OFF_CHECKSUM = 0x3A8;
  private static final int OFF_DOT = 0x3B8;
  private static final int OFF_DOT_DOT = 0x4D8;

  /** Checks the table size and the map-block list and copies the arrays. */
  public DirHeader6 {
    Objects.requireNonNull(dot);
    Objects.requireNonNull(dotDot);
    Preconditions.checkArgument(hashTable.length == NameHash6.TABLE_SLOTS, "hash table of %s slots", hashTable.length);
    Preconditions.checkArgument(allocationMapBlocks.length >= 1 && allocationMapBlocks.length <= MAX_MAP_BLOCKS && allocationMapBlocks[0] == 0,
        "allocation-map blocks %s", Arrays.toString(allocationMapBlocks));
    allocationMapBlocks = allocationMapBlocks.clone();
    hashTable = hashTable.clone();
  }

  /** Returns the header of a new, empty directory: "." and "..", one map block, an empty table. */
  public static DirHeader6 empty(DirEntry6 dot, DirEntry6 dotDot) {
    return new DirHeader6(VERSION, 2, 2, new int[] {0}, dot, dotDot, new int[NameHash6.TABLE_SLOTS]);
  }

  @Override
  public int[] allocationMapBlocks() {
    return allocationMapBlocks.clone();
  }

  @Override
  public int[] hashTable() {
    return hashTable.clone();
  }

  /** Returns the raw location in table slot {@code index} (0 = empty). */
  public int slot(int index) {
    return hashTable[Objects.checkIndex(index, hashTable.length)];
  }

  /** Returns this header with table slot {@code index} set to {@code rawLocation} and the entry counts moved by {@code entryDelta}. */
  public DirHeader6 withSlot(int index, int rawLocation, int entryDelta) {
    int[] table = hashTable.clone();
    table[Objects.checkIndex(index, table.length)] = rawLocation;
    return new DirHeader6(version, numEntries + entryDelta, numAllocated + entryDelta, allocationMapBlocks, dot, dotDot, table);
  }

  /** Returns this header with other entry counts. */
  public DirHeader6 withCounts(long newNumEntries, long newNumAllocated) {
    return new DirHeader6(version, newNumEntries, newNumAllocated, allocationMapBlocks, dot, dotDot, hashTable);
  }

  // Records compare arrays by reference; a header equals its decoded copy only with content equality.
  @Override
  public boolean equals(Object other) {
    return other instanceof DirHeader6 o && version == o.version && numEntries == o.numEntries && numAllocated == o.numAllocated
        && Arrays.equals(allocationMapBlocks, o.allocationMapBlocks) && dot.equals(o.dot) && dotDot.equals(o.dotDot)
        && Arrays.equals(hashTable, o.hashTable);
  }

  @Override
  public int hashCode() {
    return Objects.hash(version, numEntries, dot, dotDot) * 31 + Arrays.hashCode(hashTable);
  }

  @Override
  public String toString() {
    return "DirHeader6[" + numEntries + " entries, " + allocationMapBlocks.length + " map blocks, . = " + dot + "]";
  }

  /**
   * Decodes the header block at absolute {@code offset} of {@code src} (64 KiB).
   *
   * @param deviceOffset the image offset of directory offset 0; ".", ".." and table slots are
   *     reported at their own offsets (the header lies in one SFB or in one 64 KiB SB)
   */
  public static DirHeader6 decode(ByteBuffer src, int offset, long deviceOffset) throws CorruptStructureException {
    long version = LittleEndian.u32(src, offset + OFF_VERSION);
    if (version != VERSION && version != VERSION_DEBUG) {
      throw Corrupt.field(NAME, deviceOffset + OFF_VERSION, "version", Corrupt.hex(VERSION), Corrupt.hex(version));
    }
    long numEntries = LittleEndian.u32(src, offset + OFF_NUM_ENTRIES);
    if (numEntries < 2) {
      throw Corrupt.range(NAME, deviceOffset + OFF_NUM_ENTRIES, "numEntries", 2, 0xFFFFFFFFL, numEntries);
    }
    long numMaps = LittleEndian.u32(src, offset + OFF_NUM_MAP_BLOCKS);
    if (numMaps < 1 || numMaps > MAX_MAP_BLOCKS) {
      throw Corrupt.range(NAME, deviceOffset + OFF_NUM_MAP_BLOCKS, "numAllocationMapBlocks", 1, MAX_MAP_BLOCKS, numMaps);
    }
    int[] maps = new int[(int) numMaps];
    for (int i = 0; i < maps.length; i++) {
      maps[i] = LittleEndian.raw32(src, offset + OFF_MAP_BLOCKS + 4 * i);
    }
    if (maps[0] != 0) {
      throw Corrupt.field(NAME, deviceOffset + OFF_MAP_BLOCKS, "allocationMapBlocks[0]", 0, Integer.toUnsignedLong(maps[0]));
    }
    DirEntry6 dot = DirEntry6.decode(src, offset + OFF_DOT, deviceOffset + OFF_DOT, DirEntry6.DOT_OFFSET, ".");
    DirEntry6 dotDot = DirEntry6.decode(src, offset + OFF_DOT_DOT, deviceOffset + OFF_DOT_DOT, DirEntry6.DOT_DOT_OFFSET, "..");
    int[] table = new int[NameHash6.TABLE_SLOTS];
    for (int i = 0; i < table.length; i++) {
      int raw = LittleEndian.raw32(src, offset + HASH_TABLE_OFFSET + 4 * i);
      if (raw != 0) {
        HashLocation6.decode(raw, NAME + " hash table slot " + i, deviceOffset + HASH_TABLE_OFFSET + 4L * i);
      }
      table[i] = raw;
    }
    return new DirHeader6(version, numEntries, LittleEndian.u32(src, offset + OFF_NUM_ALLOCATED), maps, dot, dotDot, table);
  }

  /** Encodes the whole header block (64 KiB) at absolute {@code offset} of {@code dst}. */
  public void encode(ByteBuffer dst, int offset) {
    for (int i = 0; i < SIZE; i++) {
      dst.put(offset + i, (byte) 0);
    }
    LittleEndian.putU32(dst, offset + OFF_VERSION, version);
    LittleEndian.putU32(dst, offset + OFF_NUM_ENTRIES, numEntries);
    LittleEndian.putU32(dst, offset + OFF_NUM_ALLOCATED, numAllocated);
    LittleEndian.putU32(dst, offset + OFF_NUM_MAP_BLOCKS, allocationMapBlocks.length);
    for (int i = 0; i < allocationMapBlocks.length; i++) {
      LittleEndian.putU32(dst, offset + OFF_MAP_BLOCKS + 4 * i, allocationMapBlocks[i]);
    }
    LittleEndian.putU64(dst, offset + OFF_CHECKSUM, 0);
    dot.encode(dst, offset + OFF_DOT);
    dotDot.encode(dst, offset + OFF_DOT_DOT);
    for (int i = 0; i < hashTable.length; i++) {
      LittleEndian.putU32(dst, offset + HASH_TABLE_OFFSET + 4 * i, hashTable[i]);
    }
  }
}
