package org.vmfskit.fs.format.vmfs6;

import com.google.common.base.Preconditions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.FileType;
import org.vmfskit.fs.format.LittleEndian;

/**
 * A VMFS6 directory entry, 0x120 bytes (FS6_DirEntry in dissect.vmfs; vmfs6-format.md 9.5 [V]).
 * The "." and ".." entries sit in the header block at 0x3B8 and 0x4D8; the others in dirent
 * blocks, 14 per block from +0x40.
 * <pre>
 * off    size  type  field       meaning / valid range
 * 0x000  4     u32   type        FileType code of the target, 1..6
 * 0x004  4     u32   address     the target's FD address (type 4); 0 only in a free slot
 * 0x008  4     u32   generation  = the target FD's generation
 * 0x00C  4     u32   hash        stored name hash = H mod 2^32 (0 for ".", ".." and root system files)
 * 0x010  8     u64   offset      this entry's own offset in the directory file
 * 0x018  256   char  name        UTF-8, NUL-padded; 1..127 bytes ([D]), no '/' and no NUL
 * 0x118  8     u64   -           0
 * </pre>
 */
public record DirEntry6(FileType type, int rawAddress, long generation, int storedHash, long offset, String name) {

  /** Bytes of one entry. */
  public static final int SIZE = 0x120;
  /** Longest name in bytes ESXi allows [D]. */
  public static final int MAX_NAME_BYTES = 127;
  /** Directory offset of the "." entry. */
  public static final long DOT_OFFSET = 0x3B8;
  /** Directory offset of the ".." entry. */
  public static final long DOT_DOT_OFFSET = 0x4D8;

  private static final String NAME = "DirEntry6";
  private static final int OFF_TYPE = 0x000;
  private static final int OFF_ADDRESS = 0x004;
  private static final int OFF_GENERATION = 0x008;
  private static final int OFF_HASH = 0x00C;
  private static final int OFF_OFFSET = 0x010;
  private static final int OFF_NAME = 0x018;
  private static final int NAME_FIELD = 256;

  /** Checks the name's form. */
  public DirEntry6 {
    Objects.requireNonNull(type);
    Preconditions.checkArgument(isLegalName(name) || name.equals(".") || name.equals(".."), "illegal file name %s", name);
    Preconditions.checkArgument(offset >= 0, "negative offset %s", offset);
  }

  /** Returns an entry for {@code name} with its stored hash computed (system files of the root store 0 instead). */
  public static DirEntry6 of(FileType type, Address6.Fd address, long generation, long offset, String name) {
    return new DirEntry6(type, address.raw32(), generation, NameHash6.storedHash(NameHash6.of(name)), offset, name);
  }

  /** Returns whether {@code name} can be stored in an entry: 1..127 UTF-8 bytes, no '/', no NUL, not "." or "..". */
  public static boolean isLegalName(String name) {
    if (name == null || name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
      return false;
    }
    return name.getBytes(StandardCharsets.UTF_8).length <= MAX_NAME_BYTES;
  }

  /** Returns whether the entry at {@code offset} has address 0, the mark of a free slot vmfs6-tools relies on (9.7). */
  public static boolean isCleared(ByteBuffer src, int offset) {
    return LittleEndian.raw32(src, offset + OFF_ADDRESS) == 0;
  }

  /** Returns the FD address as a record. */
  public Address6.Fd address() throws CorruptStructureException {
    return Address6.Fd.decode(rawAddress, NAME, offset + OFF_ADDRESS);
  }

  /**
   * Decodes the entry at absolute {@code offset} of {@code src}.
   *
   * @param deviceOffset the entry's image offset, for messages
   * @param expectedOffset the entry's offset in the directory file, which its offset field must hold
   * @param expectedName "." or ".." for the header's entries, or null for an ordinary entry
   */
  public static DirEntry6 decode(ByteBuffer src, int offset, long deviceOffset, long expectedOffset, String expectedName)
      throws CorruptStructureException {
    FileType type = FileType.of(LittleEndian.u32(src, offset + OFF_TYPE), NAME, deviceOffset + OFF_TYPE);
    int address = LittleEndian.raw32(src, offset + OFF_ADDRESS);
    Address6.Fd.decode(address, NAME, deviceOffset + OFF_ADDRESS);
    long ownOffset = LittleEndian.u64(src, offset + OFF_OFFSET);
    if (ownOffset != expectedOffset) {
      throw Corrupt.field(NAME, deviceOffset + OFF_OFFSET, "offset", Corrupt.hex(expectedOffset), Corrupt.hex(ownOffset));
    }
    if (src.get(offset + OFF_NAME + MAX_NAME_BYTES) != 0) {
      throw Corrupt.defect(NAME, deviceOffset + OFF_NAME, "name", "name is not NUL-terminated", "at most 127 bytes", "128 or more");
    }
    String name = LittleEndian.cString(src, offset + OFF_NAME, NAME_FIELD);
    boolean legal = expectedName == null ? isLegalName(name) : name.equals(expectedName);
    if (!legal) {
      throw Corrupt.defect(NAME, deviceOffset + OFF_NAME, "name", "illegal name",
          expectedName == null ? "1 to 127 bytes without '/'" : expectedName, '"' + name + '"');
    }
    return new DirEntry6(type, address, LittleEndian.u32(src, offset + OFF_GENERATION), LittleEndian.raw32(src, offset + OFF_HASH), ownOffset,
        name);
  }

  /** Encodes the entry (all 0x120 bytes) at absolute {@code offset} of {@code dst}. */
  public void encode(ByteBuffer dst, int offset) {
    LittleEndian.putU32(dst, offset + OFF_TYPE, type.code());
    LittleEndian.putU32(dst, offset + OFF_ADDRESS, rawAddress);
    LittleEndian.putU32(dst, offset + OFF_GENERATION, generation);
    LittleEndian.putU32(dst, offset + OFF_HASH, storedHash);
    LittleEndian.putU64(dst, offset + OFF_OFFSET, this.offset);
    LittleEndian.putCString(dst, offset + OFF_NAME, NAME_FIELD, name);
    LittleEndian.putU64(dst, offset + SIZE - 8, 0);
  }

  /** Zeroes the 0x120 bytes at absolute {@code offset} of {@code dst}: a freed slot, as vmfs6-tools needs it (9.9). */
  public static void clear(ByteBuffer dst, int offset) {
    for (int i = 0; i < SIZE; i++) {
      dst.put(offset + i, (byte) 0);
    }
  }
}
