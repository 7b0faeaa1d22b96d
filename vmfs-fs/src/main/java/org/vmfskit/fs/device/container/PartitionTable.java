package org.vmfskit.fs.device.container;

import java.util.List;

/**
 * The partition table of a whole-disk image.
 *
 * @param scheme GPT or MBR
 * @param partitions the used partitions, in table order
 * @param note a remark about how the table was read (such as "backup GPT used"), or empty
 */
public record PartitionTable(Scheme scheme, List<Partition> partitions, String note) {

  /** The partitioning scheme. */
  public enum Scheme {
    /** GUID partition table (behind a protective MBR). */
    GPT,
    /** Master boot record, with extended partitions. */
    MBR
  }

  /** Copies the list. */
  public PartitionTable {
    partitions = List.copyOf(partitions);
  }

  /** Returns the partitions of kind {@code kind}. */
  public List<Partition> ofKind(Partition.Kind kind) {
    return partitions.stream().filter(p -> p.kind() == kind).toList();
  }
}
