/**
 * The VMFS5 file system, VMware virtual disks and snapshots.
 *
 * <p>The API is {@code org.vmfskit.fs.file} (the front door {@code Vmfs}: create and open
 * datastores over image files or any block device, files, directories, links),
 * {@code org.vmfskit.fs.device} (block devices, the image-file opener and its writer lock),
 * {@code org.vmfskit.fs.nio} (the {@code vmfs} file system provider; its {@code env} properties
 * are listed in {@code VmfsFileSystemProvider}), {@code org.vmfskit.fs.vmdk} (virtual disks) and
 * {@code org.vmfskit.fs.snapshot} (VMs and their snapshots). The on-disk records, the volume's
 * allocation and journal, and the checker are internals, open only to vmfskit's recovery and
 * command modules. Failures reading an image are {@link java.io.IOException}s whose message names
 * the structure, its offset in the image, what was expected and what was found.
 *
 * @provides java.nio.file.spi.FileSystemProvider the {@code vmfs} scheme
 */
module org.vmfskit.fs {
  requires com.google.common;
  requires it.unimi.dsi.fastutil.core;

  exports org.vmfskit.fs.device;
  exports org.vmfskit.fs.device.container;
  exports org.vmfskit.fs.file;
  exports org.vmfskit.fs.nio;
  exports org.vmfskit.fs.vmdk;
  exports org.vmfskit.fs.snapshot;

  // Internals: the on-disk records and the volume's allocation for recovery's scanners and the
  // command's fsck and info; the journal's state and the checker for the command only.
  exports org.vmfskit.fs.format to org.vmfskit.recovery, org.vmfskit.cli;
  exports org.vmfskit.fs.format.vmfs6 to org.vmfskit.recovery, org.vmfskit.cli;
  exports org.vmfskit.fs.volume to org.vmfskit.recovery, org.vmfskit.cli;
  exports org.vmfskit.fs.journal to org.vmfskit.cli;
  exports org.vmfskit.fs.check to org.vmfskit.cli;

  provides java.nio.file.spi.FileSystemProvider with org.vmfskit.fs.nio.VmfsFileSystemProvider;
}
