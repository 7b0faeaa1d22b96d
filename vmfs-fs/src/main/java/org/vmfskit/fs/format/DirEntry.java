package org.vmfskit.fs.format;

import com.google.common.base.Preconditions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A VMFS3/5 directory entry, 140 bytes, packed from offset 0 of the directory's content
 * (FS3_DirEntry in dissect.vmfs).
 * <pre>
 * off   size type  field       meaning / valid range
 * 0x00  4    u32   type        FileType code of the target, 1..6
 * 0x04  4    u32   address     the target's FD address (type 4); 0 marks a deleted slot
 * 0x08  4    u32   generation  the target FD's generation ("record id")
 * 0x0C  128  char  name        UTF-8, NUL-padded, 1..127 bytes, no '/' and no NUL
 * </pre>
 */
public record DirEntry(FileType type, int rawAddress, long generation, String name) {

  /** Bytes of one entry. */
  public static final int SIZE = 140;
  /** Longest name in bytes (ESXi caps names at 127 characters). */
  public static final int MAX_NAME_BYTES = 127;

  private static final String NAME = "DirEntry";
  private static final int OFF_TYPE = 0x00;
  private static final int OFF_ADDRESS = 0x04;
  private static final int OFF_GENERATION = 0x08;
  private static final int OFF_NAME = 0x0C;
  private static final int NAME_FIELD = 128;

  /** Checks the name's form. */
  public DirEntry {
    Objects.requireNonNull(type);
    checkName(name);
  }

  /** Throws {@link IllegalArgumentException} unless {@code name} is a legal entry name. */
  public static void checkName(String name) {
    Preconditions.checkArgument(isLegalName(name), "illegal file name %s (1 to 127 bytes, no '/' or NUL)", name);
  }

  /** Returns whether {@code name} can be stored in an entry. */
  public static boolean isLegalName(String name) {
    if (name == null || name.isEmpty() || name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
      return false;
    }
    return name.getBytes(StandardCharsets.UTF_8).length <= MAX_NAME_BYTES;
  }

  /**
   * Returns whether the 140 bytes at {@code offset} are a deleted slot (address 0), which other
   * writers may leave behind and readers skip.
   */
  public static boolean isDeletedSlot(ByteBuffer src, int offset) {
    return LittleEndian.raw32(src, offset + OFF_ADDRESS) == 0;
  }

  /** Decodes the live entry at absolute {@code offset} of {@code src}. */
  public static DirEntry decode(ByteBuffer src, int offset, long deviceOffset) throws CorruptStructureException {
    FileType type = FileType.of(LittleEndian.u32(src, offset + OFF_TYPE), NAME, deviceOffset + OFF_TYPE);
    int address = LittleEndian.raw32(src, offset + OFF_ADDRESS);
    FileDescriptorAddr.decodeFd(address, NAME, deviceOffset + OFF_ADDRESS);
    if (src.get(offset + OFF_NAME + NAME_FIELD - 1) != 0) {
      throw Corrupt.defect(NAME, deviceOffset + OFF_NAME, "name", "name is not NUL-terminated", "at most 127 bytes", "128");
    }
    String name = LittleEndian.cString(src, offset + OFF_NAME, NAME_FIELD);
    if (!isLegalName(name)) {
      throw Corrupt.defect(NAME, deviceOffset + OFF_NAME, "name", "illegal name", "1 to 127 bytes without '/'", '"' + name + '"');
    }
    return new DirEntry(type, address, LittleEndian.u32(src, offset + OFF_GENERATION), name);
  }

  /** Encodes the entry at absolute {@code offset} of {@code dst}. */
  public void encode(ByteBuffer dst, int offset) {
    LittleEndian.putU32(dst, offset + OFF_TYPE, type.code());
    LittleEndian.putU32(dst, offset + OFF_ADDRESS, rawAddress);
    LittleEndian.putU32(dst, offset + OFF_GENERATION, generation);
    LittleEndian.putCString(dst, offset + OFF_NAME, NAME_FIELD, name);
  }
}
