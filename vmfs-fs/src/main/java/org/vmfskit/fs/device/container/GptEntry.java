package org.vmfskit.fs.device.container;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Locale;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.LittleEndian;

/**
 * One GPT partition entry (UEFI spec, "GPT Partition Entry"), usually 128 bytes, in the entry
 * array named by the {@link GptHeader}.
 * <pre>
 * off   size  type   field        meaning
 * 0x00  16    guid   typeGuid     partition type; all zero = unused entry
 * 0x10  16    guid   uniqueGuid   this partition's GUID
 * 0x20  8     u64    firstLba     first sector
 * 0x28  8     u64    lastLba      last sector, inclusive; &gt;= firstLba
 * 0x30  8     u64    attributes   bit 0 required, bit 2 legacy BIOS bootable
 * 0x38  72    utf16  name         UTF-16LE, NUL-padded
 * </pre>
 * GUIDs are shown as text in the usual mixed-endian form: the first three groups little-endian.
 *
 * @param typeGuid the type GUID as text, upper case
 * @param uniqueGuid the partition GUID as text, upper case
 * @param firstLba the first sector
 * @param lastLba the last sector, inclusive
 * @param attributes the attribute bits
 * @param name the partition name
 */
public record GptEntry(String typeGuid, String uniqueGuid, long firstLba, long lastLba, long attributes, String name) {

  /** The smallest entry size allowed. */
  public static final int SIZE = 128;
  /** The type GUID of an unused entry. */
  public static final String UNUSED = "00000000-0000-0000-0000-000000000000";
  /** The GPT type of a VMFS datastore partition. */
  public static final String TYPE_VMFS = "AA31E02A-400F-11DB-9590-000C2911D1B8";
  /** The GPT type of the ESXi 7+ OSDATA partition, formatted VMFS-L. */
  public static final String TYPE_VMFS_L = "4EB2EA39-7855-4790-A79E-FAE495E21F8D";

  private static final String STRUCTURE = "GptEntry";
  private static final int OFF_TYPE = 0x00;
  private static final int OFF_UNIQUE = 0x10;
  private static final int OFF_FIRST = 0x20;
  private static final int OFF_LAST = 0x28;
  private static final int OFF_ATTRIBUTES = 0x30;
  private static final int OFF_NAME = 0x38;
  private static final int NAME_BYTES = 72;

  /** Checks the non-null fields. */
  public GptEntry {
    java.util.Objects.requireNonNull(typeGuid, "typeGuid");
    java.util.Objects.requireNonNull(uniqueGuid, "uniqueGuid");
    java.util.Objects.requireNonNull(name, "name");
  }

  /**
   * Decodes the entry at {@code offset} of {@code src}; {@code deviceOffset} is its offset in the
   * image, for messages. A used entry must have {@code firstLba <= lastLba}.
   */
  public static GptEntry decode(ByteBuffer src, int offset, long deviceOffset) throws CorruptStructureException {
    String type = guid(src, offset + OFF_TYPE);
    long first = LittleEndian.u64(src, offset + OFF_FIRST);
    long last = LittleEndian.u64(src, offset + OFF_LAST);
    if (!type.equals(UNUSED) && (first < 0 || last < 0 || Long.compareUnsigned(first, last) > 0)) {
      throw Corrupt.defect(STRUCTURE, deviceOffset, "lastLba", "partition ends before it starts", ">= " + first, last);
    }
    byte[] nameBytes = LittleEndian.bytes(src, offset + OFF_NAME, NAME_BYTES);
    String name = new String(nameBytes, StandardCharsets.UTF_16LE);
    int nul = name.indexOf('\0');
    return new GptEntry(type, guid(src, offset + OFF_UNIQUE), first, last,
        LittleEndian.u64(src, offset + OFF_ATTRIBUTES), nul < 0 ? name : name.substring(0, nul));
  }

  /** Encodes the entry at {@code offset} of {@code dst}. */
  public void encode(ByteBuffer dst, int offset) {
    putGuid(dst, offset + OFF_TYPE, typeGuid);
    putGuid(dst, offset + OFF_UNIQUE, uniqueGuid);
    LittleEndian.putU64(dst, offset + OFF_FIRST, firstLba);
    LittleEndian.putU64(dst, offset + OFF_LAST, lastLba);
    LittleEndian.putU64(dst, offset + OFF_ATTRIBUTES, attributes);
    byte[] nameBytes = name.getBytes(StandardCharsets.UTF_16LE);
    for (int i = 0; i < NAME_BYTES; i++) {
      dst.put(offset + OFF_NAME + i, i < nameBytes.length ? nameBytes[i] : 0);
    }
  }

  /** Returns whether the entry is unused. */
  public boolean isUnused() {
    return typeGuid.equals(UNUSED);
  }

  /** Reads a mixed-endian GUID at {@code offset} as upper-case text. */
  static String guid(ByteBuffer src, int offset) {
    byte[] b = LittleEndian.bytes(src, offset, 16);
    HexFormat hex = HexFormat.of().withUpperCase();
    return hex.formatHex(new byte[] {b[3], b[2], b[1], b[0]}) + "-" + hex.formatHex(new byte[] {b[5], b[4]}) + "-"
        + hex.formatHex(new byte[] {b[7], b[6]}) + "-" + hex.formatHex(b, 8, 10) + "-" + hex.formatHex(b, 10, 16);
  }

  /** Writes GUID text at {@code offset} in mixed-endian order. */
  static void putGuid(ByteBuffer dst, int offset, String text) {
    byte[] b = HexFormat.of().parseHex(text.replace("-", "").toLowerCase(Locale.ROOT));
    byte[] out = {b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]};
    for (int i = 0; i < 16; i++) {
      dst.put(offset + i, out[i]);
    }
  }
}
