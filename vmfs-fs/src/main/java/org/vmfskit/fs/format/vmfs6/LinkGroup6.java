package org.vmfskit.fs.format.vmfs6;

import com.google.common.base.Preconditions;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.LittleEndian;

/**
 * A VMFS6 link group, 0x54 bytes in a link block (48 per block from +0x40): up to 12 dirent
 * locations that share one hash-table index, chained to the next group of the same index
 * (vmfs6-format.md 9.6 [D][W]; ESXi chains groups once 12 names collide [Dt]).
 * <pre>
 * off   size     type           field          meaning / valid range
 * 0x00  2        u16            tableIndex     the hash-table index this group serves, below 16001
 * 0x02  1        u8             totalLinks     12
 * 0x03  1        u8             freeLinks      at most 12
 * 0x04  1        u8             nextFreeLink   = totalLinks - freeLinks (links are kept packed)
 * 0x05  1        -              pad
 * 0x06  12 x 6   u32, u16       links          (dirent location, link hash) x 12; the used ones first
 * 0x4E  4        u32            nextGroup      location of the next group (kind 2), 0 = end
 * 0x52  2        -              pad
 * </pre>
 *
 * @param tableIndex the hash-table index
 * @param links the used links, at most 12, in stored order
 * @param nextGroup the next group of the chain, if any
 */
public record LinkGroup6(int tableIndex, List<Link> links, Optional<HashLocation6> nextGroup) {

  /** Bytes of one group. */
  public static final int SIZE = 0x54;
  /** Links of a group. */
  public static final int LINKS_PER_GROUP = 12;

  private static final String NAME = "LinkGroup6";
  private static final int OFF_TABLE_INDEX = 0x00;
  private static final int OFF_TOTAL = 0x02;
  private static final int OFF_FREE = 0x03;
  private static final int OFF_NEXT_FREE = 0x04;
  private static final int OFF_LINKS = 0x06;
  private static final int LINK_SIZE = 6;
  private static final int OFF_NEXT_GROUP = 0x4E;

  /**
   * One link: a dirent and the 16-bit link hash of its name ({@link NameHash6#linkHash}).
   *
   * @param location the dirent's location (kind 1)
   * @param linkHash the link hash
   */
  public record Link(HashLocation6 location, int linkHash) {
    /** Checks the location kind and the hash width. */
    public Link {
      Preconditions.checkArgument(location.kind() == HashLocation6.KIND_DIRENT, "a link names a dirent, not %s", location);
      Preconditions.checkArgument(linkHash >= 0 && linkHash <= 0xFFFF, "link hash %s", linkHash);
    }
  }

  /** Checks the index and the link count and copies the list. */
  public LinkGroup6 {
    Preconditions.checkArgument(tableIndex >= 0 && tableIndex < NameHash6.TABLE_SLOTS, "table index %s", tableIndex);
    Preconditions.checkArgument(links.size() <= LINKS_PER_GROUP, "%s links", links.size());
    links = List.copyOf(links);
    Objects.requireNonNull(nextGroup);
    nextGroup.ifPresent(g -> Preconditions.checkArgument(g.kind() == HashLocation6.KIND_LINK_GROUP, "next group %s", g));
  }

  /** Returns whether another link fits. */
  public boolean hasFreeLink() {
    return links.size() < LINKS_PER_GROUP;
  }

  /** Returns this group with {@code link} appended. */
  public LinkGroup6 withLink(Link link) {
    Preconditions.checkState(hasFreeLink(), "link group full");
    List<Link> more = new ArrayList<>(links);
    more.add(link);
    return new LinkGroup6(tableIndex, more, nextGroup);
  }

  /** Returns this group without the link to {@code location}; the last link moves into the hole, as section 9.9 describes. */
  public LinkGroup6 withoutLink(HashLocation6 location) {
    List<Link> fewer = new ArrayList<>(links);
    int hole = -1;
    for (int i = 0; i < fewer.size(); i++) {
      if (fewer.get(i).location().equals(location)) {
        hole = i;
      }
    }
    Preconditions.checkArgument(hole >= 0, "no link to %s", location);
    Link last = fewer.removeLast();
    if (hole < fewer.size()) {
      fewer.set(hole, last);
    }
    return new LinkGroup6(tableIndex, fewer, nextGroup);
  }

  /** Returns this group pointing at another next group. */
  public LinkGroup6 withNextGroup(Optional<HashLocation6> next) {
    return new LinkGroup6(tableIndex, links, next);
  }

  /**
   * Decodes the group at absolute {@code offset} of {@code src}.
   *
   * @param deviceOffset the group's image offset
   * @param expectedIndex the hash-table index that led here
   */
  public static LinkGroup6 decode(ByteBuffer src, int offset, long deviceOffset, int expectedIndex) throws CorruptStructureException {
    int index = LittleEndian.u16(src, offset + OFF_TABLE_INDEX);
    if (index != expectedIndex) {
      throw Corrupt.field(NAME, deviceOffset + OFF_TABLE_INDEX, "tableIndex", expectedIndex, index);
    }
    int total = LittleEndian.u8(src, offset + OFF_TOTAL);
    if (total != LINKS_PER_GROUP) {
      throw Corrupt.field(NAME, deviceOffset + OFF_TOTAL, "totalLinks", LINKS_PER_GROUP, total);
    }
    int free = LittleEndian.u8(src, offset + OFF_FREE);
    if (free > total) {
      throw Corrupt.range(NAME, deviceOffset + OFF_FREE, "freeLinks", 0, total, free);
    }
    int nextFree = LittleEndian.u8(src, offset + OFF_NEXT_FREE);
    if (nextFree != total - free) {
      throw Corrupt.field(NAME, deviceOffset + OFF_NEXT_FREE, "nextFreeLink", total - free, nextFree);
    }
    List<Link> links = new ArrayList<>(total - free);
    for (int i = 0; i < total - free; i++) {
      int at = offset + OFF_LINKS + i * LINK_SIZE;
      long where = deviceOffset + OFF_LINKS + (long) i * LINK_SIZE;
      HashLocation6 location = HashLocation6.decode(LittleEndian.raw32(src, at), NAME, where);
      if (location.kind() != HashLocation6.KIND_DIRENT) {
        throw Corrupt.defect(NAME, where, "link", "a link names a link group", "a dirent location", location);
      }
      links.add(new Link(location, LittleEndian.u16(src, at + 4)));
    }
    int rawNext = LittleEndian.raw32(src, offset + OFF_NEXT_GROUP);
    Optional<HashLocation6> next = Optional.empty();
    if (rawNext != 0) {
      HashLocation6 location = HashLocation6.decode(rawNext, NAME, deviceOffset + OFF_NEXT_GROUP);
      if (location.kind() != HashLocation6.KIND_LINK_GROUP) {
        throw Corrupt.defect(NAME, deviceOffset + OFF_NEXT_GROUP, "nextGroup", "next group is not a link group", "kind 2", location);
      }
      next = Optional.of(location);
    }
    return new LinkGroup6(index, links, next);
  }

  /** Encodes the group (all 0x54 bytes) at absolute {@code offset} of {@code dst}. */
  public void encode(ByteBuffer dst, int offset) {
    for (int i = 0; i < SIZE; i++) {
      dst.put(offset + i, (byte) 0);
    }
    LittleEndian.putU16(dst, offset + OFF_TABLE_INDEX, tableIndex);
    LittleEndian.putU8(dst, offset + OFF_TOTAL, LINKS_PER_GROUP);
    LittleEndian.putU8(dst, offset + OFF_FREE, LINKS_PER_GROUP - links.size());
    LittleEndian.putU8(dst, offset + OFF_NEXT_FREE, links.size());
    for (int i = 0; i < links.size(); i++) {
      LittleEndian.putU32(dst, offset + OFF_LINKS + i * LINK_SIZE, links.get(i).location().raw());
      LittleEndian.putU16(dst, offset + OFF_LINKS + i * LINK_SIZE + 4, links.get(i).linkHash());
    }
    LittleEndian.putU32(dst, offset + OFF_NEXT_GROUP, nextGroup.map(HashLocation6::raw).orElse(0));
  }
}
