package org.vmfskit.fs.snapshot;

import static com.google.common.base.Preconditions.checkArgument;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.ResourceLimitException;

/**
 * A checkpoint file ({@code .vmsn} snapshot state, {@code .vmss} suspend state) in the group/tag
 * layout the public readers (Volatility, MemProcFS) know.
 *
 * <pre>
 * off        size   type    field        meaning
 * 0x00       4      u32     magic        0xbed2bed2 (vmfskit writes it) or 0xbed3bed3, 0xbed2bed0, 0xbad1bad1
 * 0x04       4      u32     unknown      0
 * 0x08       4      u32     groupCount   1..{@value #MAX_GROUPS}
 * 0x0C       80×n           groups       name[64] NUL-terminated, u64 tagsOffset (absolute), u64 size (bytes of tags)
 * tagsOffset                tags         {@link CheckpointTag}s, ending with two zero bytes
 * </pre>
 * {@code magic & 0xF} is the version: 0 means 32-bit long-form sizes; vmfskit writes 64-bit ones
 * and reads both.
 *
 * @param magic the magic number
 * @param groups the groups in table order
 */
public record Checkpoint(long magic, List<CheckpointGroup> groups) {

  /** The magic vmfskit writes. */
  public static final long MAGIC = 0xBED2BED2L;
  /** Every magic the readers accept. */
  public static final List<Long> MAGICS = List.of(0xBED2BED0L, 0xBAD1BAD1L, 0xBED2BED2L, 0xBED3BED3L);
  /** The most groups read. */
  public static final int MAX_GROUPS = 1024;
  /** The most tags read per group. */
  public static final int MAX_TAGS = 1 << 20;
  /** The largest checkpoint file read into memory. */
  public static final long MAX_SIZE = 1L << 30;

  private static final int HEADER = 12;
  private static final int GROUP_ENTRY = 80;

  /** Checks the magic and copies the list. */
  public Checkpoint {
    checkArgument(MAGICS.contains(magic), "bad magic %s", Long.toHexString(magic));
    groups = List.copyOf(groups);
  }

  /** Returns the group named {@code name}. */
  public Optional<CheckpointGroup> group(String name) {
    return groups.stream().filter(g -> g.name().equals(name)).findFirst();
  }

  /** Returns the encoded file. */
  public byte[] toBytes() {
    long size = HEADER + (long) GROUP_ENTRY * groups.size();
    for (CheckpointGroup group : groups) {
      size += group.tagsSize();
    }
    checkArgument(size <= MAX_SIZE, "checkpoint of %s bytes is too large", size);
    ByteBuffer out = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
    out.putInt((int) magic).putInt(0).putInt(groups.size());
    long tagsAt = HEADER + (long) GROUP_ENTRY * groups.size();
    for (CheckpointGroup group : groups) {
      byte[] name = group.name().getBytes(StandardCharsets.US_ASCII);
      int entry = out.position();
      out.put(name).position(entry + 64);
      out.putLong(tagsAt).putLong(group.tagsSize());
      tagsAt += group.tagsSize();
    }
    for (CheckpointGroup group : groups) {
      for (CheckpointTag tag : group.tags()) {
        tag.encode(out);
      }
      out.put((byte) 0).put((byte) 0);
    }
    return out.array();
  }

  /** Decodes a checkpoint file; offsets in messages are byte offsets in the file. */
  public static Checkpoint decode(byte[] raw, String path) throws CorruptStructureException, ResourceLimitException {
    String structure = "Checkpoint in " + path;
    ByteBuffer in = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
    if (raw.length < HEADER) {
      throw Corrupt.defect(structure, 0, "length", "file shorter than the header", ">= " + HEADER, raw.length);
    }
    long magic = in.getInt(0) & 0xFFFFFFFFL;
    if (!MAGICS.contains(magic)) {
      throw Corrupt.magic(structure, 0, MAGIC, magic);
    }
    boolean wide = (magic & 0xF) != 0;
    long count = in.getInt(8) & 0xFFFFFFFFL;
    if (count > MAX_GROUPS) {
      throw new ResourceLimitException(structure, 8, "groupCount", MAX_GROUPS, count);
    }
    if (HEADER + count * GROUP_ENTRY > raw.length) {
      throw Corrupt.defect(structure, 8, "groupCount", "group table passes the end of the file", "<= " + (raw.length - HEADER) / GROUP_ENTRY, count);
    }
    List<CheckpointGroup> groups = new ArrayList<>();
    for (int g = 0; g < count; g++) {
      int entry = HEADER + g * GROUP_ENTRY;
      int nameEnd = entry;
      while (nameEnd < entry + 64 && raw[nameEnd] != 0) {
        nameEnd++;
      }
      if (nameEnd == entry || nameEnd == entry + 64) {
        throw Corrupt.defect(structure, entry, "name", "group name empty or not terminated", "1..63 bytes", nameEnd - entry);
      }
      String name = new String(raw, entry, nameEnd - entry, StandardCharsets.US_ASCII);
      long tagsOffset = in.getLong(entry + 64);
      long size = in.getLong(entry + 72);
      if (tagsOffset < HEADER || size < 0 || tagsOffset > raw.length || size > raw.length - tagsOffset) {
        throw Corrupt.defect(structure, entry + 64, "tagsOffset", "group '" + name + "' lies outside the file", "within " + raw.length, tagsOffset + "+" + size);
      }
      groups.add(new CheckpointGroup(name, tags(in, (int) tagsOffset, (int) (tagsOffset + size), wide, structure)));
    }
    return new Checkpoint(magic, groups);
  }

  private static List<CheckpointTag> tags(ByteBuffer in, int from, int to, boolean wide, String structure)
      throws CorruptStructureException, ResourceLimitException {
    List<CheckpointTag> tags = new ArrayList<>();
    int at = from;
    while (true) {
      if (at + 2 > to) {
        throw Corrupt.defect(structure, at, "tag", "group ends without its end tag", "two zero bytes", "end of group");
      }
      int flags = in.get(at) & 0xFF;
      int nameLength = in.get(at + 1) & 0xFF;
      if (flags == 0 && nameLength == 0) {
        return tags;
      }
      if (tags.size() >= MAX_TAGS) {
        throw new ResourceLimitException(structure, at, "tags in a group", MAX_TAGS, tags.size() + 1L);
      }
      int tagStart = at;
      int indexCount = flags >>> 6;
      int shortLength = flags & 0x3F;
      if (nameLength == 0) {
        throw Corrupt.defect(structure, at + 1, "nameLength", "tag without a name", "1..255", 0);
      }
      at += 2;
      at = need(at, nameLength + 4 * indexCount, to, structure, tagStart);
      String name = new String(in.array(), at - nameLength - 4 * indexCount, nameLength, StandardCharsets.US_ASCII);
      List<Integer> indices = new ArrayList<>();
      for (int i = 0; i < indexCount; i++) {
        indices.add(in.getInt(at - 4 * indexCount + 4 * i));
      }
      long length = shortLength;
      if (shortLength >= LONG_FORM_MIN) {
        int sizeBytes = wide ? 8 : 4;
        int sizesAt = at;
        at = need(at, 2 * sizeBytes + 2, to, structure, tagStart);
        length = wide ? in.getLong(sizesAt) : in.getInt(sizesAt) & 0xFFFFFFFFL;
        int pad = in.getShort(at - 2) & 0xFFFF;
        at = need(at, pad, to, structure, tagStart);
        if (length < 0 || length > to - at) {
          throw Corrupt.defect(structure, sizesAt, "onDiskSize", "tag '" + name + "' data passes the end of its group", "<= " + (to - at), length);
        }
      }
      at = need(at, (int) length, to, structure, tagStart);
      byte[] data = new byte[(int) length];
      in.get(at - (int) length, data);
      tags.add(new CheckpointTag(name, indices, data));
    }
  }

  private static final int LONG_FORM_MIN = CheckpointTag.LONG_FORM;

  private static int need(int at, int bytes, int to, String structure, int tagStart) throws CorruptStructureException {
    if (bytes < 0 || bytes > to - at) {
      throw Corrupt.defect(structure, tagStart, "tag", "tag passes the end of its group", "<= " + (to - at) + " more bytes", bytes);
    }
    return at + bytes;
  }
}
