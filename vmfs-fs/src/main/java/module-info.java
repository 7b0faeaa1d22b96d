/** The VMFS5 file system, VMware virtual disks and snapshots. */
module org.vmfskit.fs {
  requires com.google.common;
  requires it.unimi.dsi.fastutil.core;

  exports org.vmfskit.fs.device;
  exports org.vmfskit.fs.device.container;
  exports org.vmfskit.fs.format;
  exports org.vmfskit.fs.format.vmfs6;
  exports org.vmfskit.fs.volume;
  exports org.vmfskit.fs.journal;
  exports org.vmfskit.fs.file;
  exports org.vmfskit.fs.check;
  exports org.vmfskit.fs.vmdk;
  exports org.vmfskit.fs.nio;
  exports org.vmfskit.fs.snapshot;

  provides java.nio.file.spi.FileSystemProvider with org.vmfskit.fs.nio.VmfsFileSystemProvider;
}
