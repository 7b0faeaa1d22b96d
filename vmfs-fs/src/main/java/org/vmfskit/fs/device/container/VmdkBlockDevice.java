package org.vmfskit.fs.device.container;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.vmdk.HostDiskStore;
import org.vmfskit.fs.vmdk.VirtualDisk;

/**
 * The guest disk of a VMware virtual disk on the host (any format {@link VirtualDisk} reads,
 * snapshot chains included) as a read-only block device: for a nested ESXi whose datastore
 * lives inside a VMDK.
 */
public final class VmdkBlockDevice implements ReadOnlyMedia {

  private final VirtualDisk disk;
  private final String name;

  private VmdkBlockDevice(VirtualDisk disk, String name) {
    this.disk = disk;
    this.name = name;
  }

  /** Opens the disk whose descriptor (or monolithic sparse file) is {@code vmdk}, and its parents, read-only. */
  public static VmdkBlockDevice open(Path vmdk) throws IOException {
    Path absolute = vmdk.toAbsolutePath();
    HostDiskStore store = HostDiskStore.readOnly(absolute.getParent());
    return new VmdkBlockDevice(VirtualDisk.open(store, absolute.getFileName().toString(), false), vmdk.toString());
  }

  /** Returns the chain, top layer first, as "path (createType)" items. */
  public String chain() throws IOException {
    return String.join(" -> ", disk.info().chain().stream().map(l -> l.path() + " (" + l.createType() + ")").toList());
  }

  @Override
  public long size() {
    return disk.capacity();
  }

  @Override
  public void readFully(long deviceOffset, ByteBuffer dst) throws IOException {
    if (deviceOffset < 0 || dst.remaining() > disk.capacity() - deviceOffset) {
      throw new EOFException("%s: read of %d bytes at 0x%x passes the end of the virtual disk (0x%x)"
          .formatted(name, dst.remaining(), deviceOffset, disk.capacity()));
    }
    disk.read(deviceOffset, dst);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void close() throws IOException {
    disk.close();
  }
}
