package org.vmfskit.fs.volume;

/** The VMFS version of an opened volume, as {@code vmfs info} and the nio file store name it. */
public enum VmfsVersion {
  /** VMFS3 (LVM major 3): read, never written. */
  VMFS3,
  /** VMFS5 (LVM major 5, FS major 14). */
  VMFS5,
  /** VMFS6 (LVM major 6, FS major 24), as ESXi 6.5 and later make by default. */
  VMFS6;

  /** Returns the lower-case name ("vmfs5"), as the CLI's {@code --type} option spells it. */
  public String id() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
