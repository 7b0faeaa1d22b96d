package org.vmfskit.examples;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.device.ImageFiles;
import org.vmfskit.fs.file.CreateOptions;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.snapshot.DiskSlot;
import org.vmfskit.fs.snapshot.SnapshotEntry;
import org.vmfskit.fs.snapshot.SnapshotManager;
import org.vmfskit.fs.snapshot.SnapshotRef;
import org.vmfskit.fs.vmdk.HostDiskStore;
import org.vmfskit.fs.vmdk.VirtualDisk;
import org.vmfskit.recovery.RecoverOptions;
import org.vmfskit.recovery.Recovery;
import org.vmfskit.recovery.RecoveryReport;
import org.vmfskit.recovery.RecoveryResult;
import org.vmfskit.recovery.RecoveryScan;
import org.vmfskit.recovery.ScanOptions;

/**
 * The mistake recovery exists for: a VM writes data after a snapshot, the snapshot is reverted by
 * mistake (which deletes the delta holding that data), and vmfskit's recovery rebuilds the lost
 * delta from the free blocks of the datastore, reading the image without writing it.
 */
public final class RevertAndRecover {

  private static final long DISK = 16L << 20;
  private static final DiskSlot FIRST_DISK = DiskSlot.scsi(0, 0);

  private RevertAndRecover() {}

  /** What the example saw: SHA-256 of the guest disk at each step, and of the recovered disk. */
  public record Result(String beforeRevert, String afterRevert, String recovered, boolean imageUnchanged, List<String> outputs) {}

  /** Runs the story on a datastore on jimfs and recovers into {@code outDir} (a host directory). */
  public static Result run(Path outDir) throws IOException {
    try (FileSystem host = Jimfs.newFileSystem(Configuration.unix())) {
      Path image = host.getPath("/ds.img");
      String beforeRevert;
      String afterRevert;
      try (Vmfs ds = Vmfs.create(image, CreateOptions.builder(256L << 20).label("prod").build())) {
        SnapshotManager vm = SnapshotManager.createVm(ds, "/payroll", List.of(DISK), 0);
        write(vm, 0, "installed system");
        SnapshotEntry snapshot = vm.take("before-upgrade", "before the payroll run", false);
        write(vm, 4L << 20, "payroll records written after the snapshot");
        beforeRevert = sha256(vm);
        vm.revert(SnapshotRef.named(snapshot.displayName())); // the mistake
        afterRevert = sha256(vm);
      }

      // Evidence opens read-only; the scan finds the deleted delta, and recovery rebuilds it from
      // that scan and reports with hashes (the flattened disk by default).
      try (BlockDevice evidence = ImageFiles.open(image, ImageFiles.Access.READ_ONLY)) {
        RecoveryScan scan = RecoveryScan.scan(evidence, ScanOptions.defaults());
        RecoveryResult result = Recovery.recover(scan, RecoverOptions.builder(outDir).imageName(image.toString()).build());
        RecoveryReport report = result.report();
        RecoveryReport.Recovered disk = report.recovered().getFirst();
        String recovered;
        try (VirtualDisk flat = VirtualDisk.open(HostDiskStore.of(Path.of(disk.directory())), disk.flattened(), false)) {
          recovered = sha256(flat);
        }
        return new Result(beforeRevert, afterRevert, recovered, report.imageUnchanged(),
            report.recovered().getFirst().outputs().stream().map(RecoveryReport.OutputFile::name).toList());
      }
    }
  }

  private static void write(SnapshotManager vm, long offset, String text) throws IOException {
    vm.writeDisk(FIRST_DISK, offset, ByteBuffer.wrap(text.repeat(20_000).getBytes(StandardCharsets.US_ASCII)));
  }

  private static String sha256(SnapshotManager vm) throws IOException {
    MessageDigest sha = sha256();
    ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
    for (long offset = 0; offset < DISK; offset += buffer.capacity()) {
      vm.readDisk(FIRST_DISK, offset, buffer.clear());
      sha.update(buffer.flip());
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  private static String sha256(VirtualDisk disk) throws IOException {
    MessageDigest sha = sha256();
    ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
    for (long offset = 0; offset < disk.capacity(); offset += buffer.capacity()) {
      disk.read(offset, buffer.clear());
      sha.update(buffer.flip());
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Recovers into the directory {@code args[0]} and prints what was seen. */
  public static void main(String[] args) throws IOException {
    System.out.println(run(Path.of(args[0])));
  }
}
