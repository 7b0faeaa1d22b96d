package org.vmfskit.fs.device.container;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What holds the datastore of an opened image: the container, its partition table and the
 * partition read, for {@code vmfs info} and reports.
 *
 * @param container the container kind
 * @param detail a one-line description of the container (segment files, VMDK chain, media size)
 * @param table the partition table of the disk inside the container, if any
 * @param partition the number of the partition read, if a partition was read
 * @param hashes the acquisition hashes an EWF image records, if any
 */
public record ImageLayout(Container container, String detail, Optional<PartitionTable> table, OptionalInt partition,
    Optional<EwfImage.Hashes> hashes) {

  /** The kind of file the datastore was found in. */
  public enum Container {
    /** A raw image file: the datastore itself, or a whole disk. */
    RAW("raw image"),
    /** An EWF / EnCase segment set. */
    EWF("EWF (EnCase .E01) segment set"),
    /** A VMware virtual disk. */
    VMDK("VMware virtual disk");

    private final String description;

    Container(String description) {
      this.description = description;
    }

    /** Returns a short human-readable description. */
    public String description() {
      return description;
    }
  }

  /** Returns whether the datastore is the whole of a raw image file: no container, no partition. */
  public boolean isPlain() {
    return container == Container.RAW && partition.isEmpty();
  }

  /** Returns the layout as "Label: value" lines for {@code vmfs info}. */
  public List<String> describe() {
    List<String> lines = new ArrayList<>();
    lines.add("Container:       " + container.description() + (detail.isEmpty() ? "" : ", " + detail));
    hashes.ifPresent(h -> {
      h.md5().ifPresent(md5 -> lines.add("Acquired MD5:    " + md5 + " (recorded in the image)"));
      h.sha1().ifPresent(sha1 -> lines.add("Acquired SHA1:   " + sha1 + " (recorded in the image)"));
    });
    table.ifPresent(t -> {
      lines.add("Partitions:      " + t.scheme() + ", " + t.partitions().size() + " partition(s)" + (t.note().isEmpty() ? "" : "; " + t.note()));
      for (Partition p : t.partitions()) {
        boolean read = partition.isPresent() && partition.getAsInt() == p.number();
        lines.add("  " + (read ? "* " : "  ") + p.describe() + (p.kind() == Partition.Kind.VMFS_L ? " (VMFS-L is not readable yet)" : ""));
      }
    });
    partition.ifPresent(n -> lines.add("Datastore:       partition " + n));
    return lines;
  }
}
