package org.vmfskit.fs.snapshot;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.vmfskit.fs.format.CorruptStructureException;

/**
 * A VM's configuration, the {@code NAME.vmx} file: a {@link VmxDictionary} with typed access to
 * the keys snapshots touch. Unknown keys are kept on rewrite.
 *
 * <pre>
 * key                      example               meaning
 * .encoding                "UTF-8"
 * config.version           "8"
 * virtualHW.version        "13"
 * displayName              "vm"
 * memSize                  "64"                   guest RAM in MiB (1..1048576)
 * scsi0.present            "TRUE"                 controller present
 * scsi0:0.present          "TRUE"                 disk slot present
 * scsi0:0.fileName         "vm-000001.vmdk"       the live leaf of the disk, relative to the VM dir
 * </pre>
 *
 * @param dictionary the entries
 */
public record VmConfig(VmxDictionary dictionary) {

  private static final Pattern DISK_KEY = Pattern.compile("((?:scsi|sata|nvme|ide)\\d+:\\d+)\\.fileName", Pattern.CASE_INSENSITIVE);

  /**
   * One disk of the VM: its node ({@code scsi0:0}) and descriptor file name.
   *
   * @param node the device node as the {@code .vmx} writes it, lower case
   * @param fileName the descriptor, relative to the VM directory
   */
  public record Disk(String node, String fileName) {
    /** Returns the node as a {@link DiskSlot}. */
    public DiskSlot slot() {
      return DiskSlot.parse(node);
    }
  }

  /** Returns the configuration of a new VM with one SCSI disk per entry of {@code diskFiles}. */
  public static VmConfig create(String displayName, long memSizeMiB, List<String> diskFiles) {
    VmxDictionary d = VmxDictionary.empty("VmConfig")
        .with(".encoding", "UTF-8")
        .with("config.version", "8")
        .with("virtualHW.version", "13")
        .with("displayName", displayName)
        .with("memSize", Long.toString(memSizeMiB))
        .with("guestOS", "other-64")
        .with("scsi0.present", "TRUE")
        .with("scsi0.virtualDev", "lsilogic");
    for (int i = 0; i < diskFiles.size(); i++) {
      d = d.with("scsi0:" + i + ".present", "TRUE").with("scsi0:" + i + ".fileName", diskFiles.get(i));
    }
    return new VmConfig(d);
  }

  /** Parses the {@code .vmx} text. */
  public static VmConfig parse(byte[] raw, String path) throws CorruptStructureException, org.vmfskit.fs.format.ResourceLimitException {
    return new VmConfig(VmxDictionary.parse(raw, "VmConfig in " + path));
  }

  /** Returns the guest RAM size in bytes (0 when memSize is absent). */
  public long memSizeBytes() throws CorruptStructureException {
    String text = dictionary.get("memSize").orElse("0");
    try {
      long mib = Long.parseLong(text);
      if (mib < 0 || mib > (1 << 20)) {
        throw new NumberFormatException();
      }
      return mib << 20;
    } catch (NumberFormatException e) {
      throw new CorruptStructureException(dictionary.structure(), 0, "memSize", "memSize out of range", "0..1048576 MiB", text);
    }
  }

  /** Returns the present disks in file order. */
  public List<Disk> disks() {
    List<Disk> out = new ArrayList<>();
    for (VmxDictionary.Entry entry : dictionary.entries()) {
      Matcher m = DISK_KEY.matcher(entry.key());
      if (m.matches() && entry.value().toLowerCase(Locale.ROOT).endsWith(".vmdk")) {
        String node = m.group(1).toLowerCase(Locale.ROOT);
        boolean present = !dictionary.get(node + ".present").orElse("TRUE").equalsIgnoreCase("FALSE");
        if (present) {
          out.add(new Disk(node, entry.value()));
        }
      }
    }
    return out;
  }

  /** Returns a copy with {@code node}'s disk pointing at {@code fileName}. */
  public VmConfig withDisk(String node, String fileName) {
    return new VmConfig(dictionary.with(node + ".fileName", fileName));
  }

  /** Returns a copy with another display name. */
  public VmConfig withDisplayName(String name) {
    return new VmConfig(dictionary.with("displayName", name));
  }

  /** Returns the text. */
  public byte[] toBytes() {
    return dictionary.toBytes();
  }
}
