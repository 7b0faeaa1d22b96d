package org.vmfskit.fs.snapshot;

import static com.google.common.base.Preconditions.checkArgument;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * One group of a checkpoint file ({@code Checkpoint}, {@code memory}, {@code cpu} …): a name and
 * its tags. In the file a group is an 80-byte table entry (name[64], u64 tagsOffset, u64 size)
 * and a run of tags ending with a zero tag; see {@link Checkpoint}.
 *
 * @param name the group name, 1..63 ASCII bytes
 * @param tags the tags in file order
 */
public record CheckpointGroup(String name, List<CheckpointTag> tags) {

  /** Checks the name and copies the list. */
  public CheckpointGroup {
    checkArgument(!name.isEmpty() && name.getBytes(StandardCharsets.US_ASCII).length < 64, "bad group name %s", name);
    tags = List.copyOf(tags);
  }

  /** Returns the first tag named {@code name} with exactly {@code indices}. */
  public Optional<CheckpointTag> tag(String name, Integer... indices) {
    List<Integer> wanted = List.of(indices);
    return tags.stream().filter(t -> t.name().equals(name) && t.indices().equals(wanted)).findFirst();
  }

  /** Returns the encoded size of the tags and the end marker. */
  long tagsSize() {
    long size = 2;
    for (CheckpointTag tag : tags) {
      size += tag.encodedSize();
    }
    return size;
  }
}
