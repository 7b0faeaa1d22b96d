package org.vmfskit.recovery;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.vmfskit.fs.device.FileChannelBlockDevice;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.vmdk.DiskStore;
import org.vmfskit.fs.vmdk.VirtualDisk;
import org.vmfskit.fs.vmdk.VmfsDiskStore;
import org.vmfskit.fs.volume.FormatOptions;

/**
 * Builds the recovery-speed benchmark image (bench/recover-speed-bench.sh): a sparse 16 GiB
 * datastore with one VM whose 1 GiB thin disk is written full, a vmfsSparse snapshot delta of
 * {@code deltaMiB} 1 MiB guest writes at distinct offsets, then the mistaken revert (the delta's
 * files deleted, a fresh delta taken). Prints the SHA-256 of the disk just before the revert, which
 * the recovered flattened disk must have. Usage: {@code RecoverSpeedBench IMAGE [deltaMiB]}.
 */
public final class RecoverSpeedBench {

  private RecoverSpeedBench() {}

  /** Creates the image. */
  public static void main(String[] args) throws Exception {
    Path image = Path.of(args[0]);
    int deltaMiB = args.length > 1 ? Integer.parseInt(args[1]) : 300;
    long capacity = 1L << 30;
    Files.deleteIfExists(image);
    SplittableRandom random = new SplittableRandom(14);
    byte[] chunk = new byte[1 << 20];
    try (Vmfs vmfs = Vmfs.format(FileChannelBlockDevice.create(image, 0), FormatOptions.builder(16L << 30).seed(14).timeSeconds(1_700_000_000).build())) {
      VmfsDiskStore store = VmfsDiskStore.of(vmfs);
      vmfs.mkdir("/vm");
      String expected;
      try (VirtualDisk base = VirtualDisk.createBase(store, "/vm/vm.vmdk", capacity, DiskStore.Allocation.THIN)) {
        for (long at = 0; at < capacity; at += chunk.length) {
          random.nextBytes(chunk);
          base.write(at, ByteBuffer.wrap(chunk));
        }
        int[] offsets = new int[(int) (capacity >> 20)];
        for (int i = 0; i < offsets.length; i++) {
          offsets[i] = i;
        }
        for (int i = offsets.length - 1; i > 0; i--) {
          int j = random.nextInt(i + 1);
          int t = offsets[i];
          offsets[i] = offsets[j];
          offsets[j] = t;
        }
        try (VirtualDisk delta = VirtualDisk.createDelta(base, "/vm/vm-000001.vmdk", VirtualDisk.DeltaFormat.VMFS_SPARSE)) {
          for (int i = 0; i < deltaMiB; i++) {
            random.nextBytes(chunk);
            delta.write((long) offsets[i] << 20, ByteBuffer.wrap(chunk));
          }
          MessageDigest digest = MessageDigest.getInstance("SHA-256");
          ByteBuffer window = ByteBuffer.allocate(8 << 20);
          for (long at = 0; at < capacity; at += window.capacity()) {
            delta.read(at, window.clear());
            digest.update(window.flip());
          }
          expected = HexFormat.of().formatHex(digest.digest());
        }
      }
      long deltaBytes = vmfs.stat("/vm/vm-000001-delta.vmdk").size();
      vmfs.delete("/vm/vm-000001.vmdk");
      vmfs.delete("/vm/vm-000001-delta.vmdk");
      try (VirtualDisk base = VirtualDisk.open(store, "/vm/vm.vmdk", false)) {
        VirtualDisk.createDelta(base, "/vm/vm-000002.vmdk", VirtualDisk.DeltaFormat.VMFS_SPARSE).close();
      }
      System.out.println("deltaBytes " + deltaBytes);
      System.out.println("expected " + expected);
    }
  }
}
