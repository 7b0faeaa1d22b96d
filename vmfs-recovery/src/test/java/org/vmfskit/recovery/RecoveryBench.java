package org.vmfskit.recovery;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.vmfskit.fs.device.FileChannelBlockDevice;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.vmdk.DiskStore;
import org.vmfskit.fs.vmdk.VirtualDisk;
import org.vmfskit.fs.vmdk.VmfsDiskStore;
import org.vmfskit.fs.volume.FormatOptions;

/**
 * Builds the recovery benchmark image (bench/recovery-bench.sh): a sparse 1 TiB datastore with
 * ten 10 GiB zeroedthick base disks (100 GiB of allocated blocks, flagged to-be-zeroed, no data
 * written) and one VM whose vmfsSparse delta of about 2 GiB was deleted by a revert.
 * Usage: {@code RecoveryBench IMAGE [deltaMiB]}.
 */
public final class RecoveryBench {

  private RecoveryBench() {}

  /** Creates the image. */
  public static void main(String[] args) throws Exception {
    Path image = Path.of(args[0]);
    long deltaMiB = args.length > 1 ? Long.parseLong(args[1]) : 2048;
    Files.deleteIfExists(image);
    long started = System.nanoTime();
    try (Vmfs vmfs = Vmfs.format(FileChannelBlockDevice.create(image, 0), FormatOptions.builder(1L << 40).seed(1).timeSeconds(1_700_000_000).build())) {
      VmfsDiskStore store = VmfsDiskStore.of(vmfs);
      for (int i = 0; i < 10; i++) {
        vmfs.mkdir("/vm" + i);
        VirtualDisk.createBase(store, "/vm" + i + "/vm" + i + ".vmdk", 10L << 30, DiskStore.Allocation.ZEROED_THICK).close();
      }
      vmfs.mkdir("/victim");
      SplittableRandom random = new SplittableRandom(2);
      byte[] chunk = new byte[1 << 20];
      try (VirtualDisk base = VirtualDisk.createBase(store, "/victim/victim.vmdk", 16L << 30, DiskStore.Allocation.THIN);
          VirtualDisk delta = VirtualDisk.createDelta(base, "/victim/victim-000001.vmdk", VirtualDisk.DeltaFormat.VMFS_SPARSE)) {
        for (long i = 0; i < deltaMiB; i++) {
          random.nextBytes(chunk);
          delta.write(random.nextLong(16L << 10) << 20, ByteBuffer.wrap(chunk));
        }
      }
      long deltaBytes = vmfs.stat("/victim/victim-000001-delta.vmdk").size();
      vmfs.delete("/victim/victim-000001.vmdk");
      vmfs.delete("/victim/victim-000001-delta.vmdk");
      try (VirtualDisk base = VirtualDisk.open(store, "/victim/victim.vmdk", false)) {
        VirtualDisk.createDelta(base, "/victim/victim-000002.vmdk", VirtualDisk.DeltaFormat.VMFS_SPARSE).close();
      }
      System.out.printf("image %s: 1 TiB volume, 10 x 10 GiB zeroedthick disks, deleted delta of %d bytes; built in %.1f s%n", image,
          deltaBytes, (System.nanoTime() - started) / 1e9);
    }
  }
}
