package org.vmfskit.fs.device.container;

/**
 * One partition found in a partition table.
 *
 * @param number the partition number users give with {@code --partition}: the GPT entry index
 *     from 1, or the MBR slot 1..4 and 5 upwards for logical partitions, as Linux numbers them
 * @param startBytes the first byte in the disk
 * @param lengthBytes the length in bytes
 * @param kind what vmfskit makes of the partition type
 * @param type the partition type as recorded: a GPT type GUID or {@code 0xNN} for MBR
 * @param name the GPT partition name, or empty
 */
public record Partition(int number, long startBytes, long lengthBytes, Kind kind, String type, String name) {

  /** What a partition's type means to vmfskit. */
  public enum Kind {
    /** A VMFS datastore (GPT AA31E02A-…, MBR 0xFB). */
    VMFS("VMFS datastore"),
    /** The VMFS-L OSDATA partition of an ESXi 7+ boot disk (not readable by vmfskit yet). */
    VMFS_L("VMFS-L (ESXi OSDATA)"),
    /** An ESXi core-dump partition. */
    VMKCORE("vmkDiagnostic (ESXi core dump)"),
    /** An EFI system partition. */
    EFI_SYSTEM("EFI system"),
    /** A FAT / basic-data partition, such as an ESXi bootbank. */
    BASIC_DATA("basic data (FAT)"),
    /** Anything else. */
    OTHER("other");

    private final String description;

    Kind(String description) {
      this.description = description;
    }

    /** Returns a short human-readable description. */
    public String description() {
      return description;
    }
  }

  /** Returns one line for listings: number, kind, start and size in MiB, name. */
  public String describe() {
    return "%d: %s, start %d MiB (0x%x), size %d MiB, type %s%s".formatted(number, kind.description(), startBytes >> 20,
        startBytes, lengthBytes >> 20, type, name.isEmpty() ? "" : ", name \"" + name + "\"");
  }
}
