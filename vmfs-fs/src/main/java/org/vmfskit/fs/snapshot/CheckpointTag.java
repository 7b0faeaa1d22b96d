package org.vmfskit.fs.snapshot;

import static com.google.common.base.Preconditions.checkArgument;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * One tag of a checkpoint group ({@code memory/regionSize[0]}): a name, 0 to 3 u32 indices and
 * the data.
 *
 * <pre>
 * off  size  type   field       meaning
 * 0    1     u8     flags       bits 0-5: data length if &lt; 62, 62 = long form; bits 6-7: index count
 * 1    1     u8     nameLength  1..255
 * 2    n     ascii  name
 * ..   4×k   u32    indices     k = flags &gt;&gt; 6
 * short form: the data (flags &amp; 0x3f bytes)
 * long form:  u64 onDiskSize, u64 inMemorySize (equal: vmfskit never compresses),
 *             u16 padLength, padLength zero bytes, then onDiskSize bytes of data
 * </pre>
 * A record of two zero bytes (flags 0, nameLength 0) ends a group.
 *
 * @param name the tag name
 * @param indices the indices, at most 3
 * @param data the data bytes
 */
public record CheckpointTag(String name, List<Integer> indices, byte[] data) {

  /** The short form holds at most this many data bytes. */
  static final int SHORT_MAX = 61;
  /** The flags value of the long form. */
  static final int LONG_FORM = 62;

  /** Checks the name and index count. */
  public CheckpointTag {
    checkArgument(!name.isEmpty() && name.getBytes(StandardCharsets.US_ASCII).length <= 255, "bad tag name %s", name);
    checkArgument(indices.size() <= 3, "at most 3 indices, got %s", indices.size());
    indices = List.copyOf(indices);
  }

  /** Returns a tag holding a u32. */
  public static CheckpointTag u32(String name, long value, Integer... indices) {
    return new CheckpointTag(name, List.of(indices), ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, (int) value).array());
  }

  /** Returns a tag holding a u64. */
  public static CheckpointTag u64(String name, long value, Integer... indices) {
    return new CheckpointTag(name, List.of(indices), ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value).array());
  }

  /** Returns a tag holding UTF-8 text. */
  public static CheckpointTag text(String name, String value) {
    return new CheckpointTag(name, List.of(), value.getBytes(StandardCharsets.UTF_8));
  }

  /** Returns the data as an unsigned little-endian number of 1, 2, 4 or 8 bytes, if it is one. */
  public Optional<Long> number() {
    ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    return switch (data.length) {
      case 1 -> Optional.of((long) (data[0] & 0xFF));
      case 2 -> Optional.of((long) (b.getShort(0) & 0xFFFF));
      case 4 -> Optional.of(b.getInt(0) & 0xFFFFFFFFL);
      case 8 -> Optional.of(b.getLong(0));
      default -> Optional.empty();
    };
  }

  /** Returns the encoded size in bytes. */
  int encodedSize() {
    int head = 2 + name.length() + 4 * indices.size();
    return data.length <= SHORT_MAX ? head + data.length : head + 8 + 8 + 2 + padLength(head) + data.length;
  }

  /** Pads the long form so its data starts on an 8-byte boundary of the tag. */
  private static int padLength(int head) {
    return Math.floorMod(-(head + 18), 8);
  }

  /** Writes the tag at {@code dst}'s position. */
  void encode(ByteBuffer dst) {
    boolean longForm = data.length > SHORT_MAX;
    dst.put((byte) ((indices.size() << 6) | (longForm ? LONG_FORM : data.length)));
    byte[] nameBytes = name.getBytes(StandardCharsets.US_ASCII);
    dst.put((byte) nameBytes.length).put(nameBytes);
    for (int index : indices) {
      dst.putInt(index);
    }
    if (longForm) {
      int head = 2 + nameBytes.length + 4 * indices.size();
      int pad = padLength(head);
      dst.putLong(data.length).putLong(data.length).putShort((short) pad);
      dst.put(new byte[pad]);
    }
    dst.put(data);
  }
}
