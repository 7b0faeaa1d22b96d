package org.vmfskit.fs.snapshot;

import com.google.common.base.Preconditions;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a virtual disk is attached to a VM: a bus, a controller on it and a unit on that
 * controller, written {@code scsi0:0} in a {@code .vmx} (the "device node").
 *
 * @param bus the kind of controller
 * @param controller the controller number, 0 to 3
 * @param unit the unit on the controller, 0 to 63
 */
public record DiskSlot(Bus bus, int controller, int unit) {

  private static final Pattern NODE = Pattern.compile("(scsi|sata|nvme|ide)(\\d{1,2}):(\\d{1,2})", Pattern.CASE_INSENSITIVE);

  /** The controller kinds a {@code .vmx} names. */
  public enum Bus {
    /** {@code scsiN:U}. */
    SCSI,
    /** {@code sataN:U}. */
    SATA,
    /** {@code nvmeN:U}. */
    NVME,
    /** {@code ideN:U}. */
    IDE;

    /** Returns the name as a {@code .vmx} writes it. */
    String key() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Checks the numbers. */
  public DiskSlot {
    Preconditions.checkNotNull(bus, "bus");
    Preconditions.checkArgument(controller >= 0 && controller <= 3, "controller %s outside 0..3", controller);
    Preconditions.checkArgument(unit >= 0 && unit <= 63, "unit %s outside 0..63", unit);
  }

  /** Returns SCSI controller {@code controller}, unit {@code unit} ({@code scsi0:0} is the usual first disk). */
  public static DiskSlot scsi(int controller, int unit) {
    return new DiskSlot(Bus.SCSI, controller, unit);
  }

  /** Returns SATA controller {@code controller}, unit {@code unit}. */
  public static DiskSlot sata(int controller, int unit) {
    return new DiskSlot(Bus.SATA, controller, unit);
  }

  /** Returns NVMe controller {@code controller}, unit {@code unit}. */
  public static DiskSlot nvme(int controller, int unit) {
    return new DiskSlot(Bus.NVME, controller, unit);
  }

  /** Returns IDE controller {@code controller}, unit {@code unit}. */
  public static DiskSlot ide(int controller, int unit) {
    return new DiskSlot(Bus.IDE, controller, unit);
  }

  /**
   * Parses a device node as a {@code .vmx} or the command line writes it, such as {@code scsi0:1}.
   *
   * @throws IllegalArgumentException when {@code node} is not one
   */
  public static DiskSlot parse(String node) {
    Matcher m = NODE.matcher(node.trim());
    Preconditions.checkArgument(m.matches(), "'%s' is not a disk node such as scsi0:0", node);
    return new DiskSlot(Bus.valueOf(m.group(1).toUpperCase(Locale.ROOT)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
  }

  /** Returns the node as a {@code .vmx} writes it: {@code scsi0:0}. */
  @Override
  public String toString() {
    return bus.key() + controller + ":" + unit;
  }
}
