package org.vmfskit.fs.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.format.LvmHeader;
import org.vmfskit.fs.volume.FormatOptions;
import org.vmfskit.fs.volume.VmfsVersion;
import org.vmfskit.fs.volume.Volume;
import org.vmfskit.fs.volume.VolumeFormatter;

/**
 * Picks the {@link VolumeFormat} of a device by what it holds: the LVM header's major version
 * (3 or 5: {@link Vmfs5Format}; 6: {@link Vmfs6Format}), or, without an LVM header, a VMFS6/VMFS-L
 * FS descriptor at the start of a bare logical volume. Each version's own open then checks
 * everything strictly.
 */
final class VolumeFormats {

  /** Where a bare logical volume (no LVM header, VMFS-L) keeps its FS descriptor. */
  private static final long BARE_FS_DESCRIPTOR = 0x200000;
  private static final long FS6_MAGIC = 0x2FABF15EL;
  private static final long FSL_MAGIC = 0x2FABF15FL;

  private VolumeFormats() {}

  /** Opens the volume on {@code device} with the format its headers name. */
  static VolumeFormat open(BlockDevice device) throws IOException {
    return new Vmfs5Format(Volume.open(device));
  }

  /** Formats {@code device} as {@code options} say (VMFS5 or VMFS6) and opens the new volume. */
  static VolumeFormat format(BlockDevice device, FormatOptions options) throws IOException {
    return new Vmfs5Format(VolumeFormatter.format(device, options));
  }

  /** Returns the version {@code device}'s headers name, without checking them (VMFS5 when unsure: its open says what is wrong). */
  static VmfsVersion probe(BlockDevice device) throws IOException {
    if (isVmfs6(device)) {
      return VmfsVersion.VMFS6;
    }
    return u32(device, LvmHeader.IMAGE_OFFSET + 4) == 3 ? VmfsVersion.VMFS3 : VmfsVersion.VMFS5;
  }

  private static boolean isVmfs6(BlockDevice device) throws IOException {
    long lvmMagic = u32(device, LvmHeader.IMAGE_OFFSET);
    if (lvmMagic == LvmHeader.MAGIC) {
      return u32(device, LvmHeader.IMAGE_OFFSET + 4) == 6;
    }
    long fsMagic = u32(device, BARE_FS_DESCRIPTOR);
    return fsMagic == FS6_MAGIC || fsMagic == FSL_MAGIC;
  }

  /** Reads a u32, or -1 when the device is too short (the version's own open then says why). */
  private static long u32(BlockDevice device, long offset) throws IOException {
    if (device.size() < offset + 4) {
      return -1;
    }
    ByteBuffer buffer = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
    device.readFully(offset, buffer);
    return Integer.toUnsignedLong(buffer.getInt(0));
  }
}
