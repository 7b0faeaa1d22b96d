package org.vmfskit.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.vmfskit.fs.device.FileChannelBlockDevice;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.snapshot.DiskSlot;
import org.vmfskit.fs.snapshot.SnapshotEntry;
import org.vmfskit.fs.snapshot.SnapshotManager;
import org.vmfskit.fs.snapshot.SnapshotRef;
import org.vmfskit.fs.volume.FormatOptions;

/**
 * Generates the sample datastore of {@code testdata/}: a VM whose snapshot was reverted by
 * mistake, with the lost writes still on the device. The recipe, step by step:
 * <ol>
 *   <li>format a 256 MiB VMFS5 datastore labelled {@code sample} (UUIDs from {@link #SEED});
 *   <li>create VM {@code /payroll-vm} with a 64 MiB thin disk and 16 MiB of memory;
 *   <li>guest writes: 1 MiB of "installed system" records over the first 8 MiB of the disk;
 *   <li>snapshot {@code before-upgrade};
 *   <li>guest writes after the snapshot: 2 MiB of "payroll" records (the data that will be lost),
 *       scattered over the disk, some overwriting installed-system records;
 *   <li>the mistake: revert to {@code before-upgrade}, which deletes the delta holding the payroll
 *       records (its blocks are freed, not wiped);
 *   <li>guest writes after the revert: 256 KiB, which take some of the freed blocks back.
 * </ol>
 * The guest data is text, so the image compresses well; every byte comes from {@link #SEED}.
 * Run through {@code testdata/generate.sh}.
 */
public final class SampleDatastore {

  /** The seed of every UUID, offset and record. */
  public static final long SEED = 20261123L;
  /** The VM's directory on the datastore. */
  public static final String VM = "/payroll-vm";
  private static final long DISK = 64L << 20;
  private static final long TIME = 1_795_000_000L;

  private SampleDatastore() {}

  /**
   * Writes the sample image to {@code args[0]} and prints the SHA-256 of the VM's disk as it was
   * just before the mistaken revert: what a complete recovery's flattened disk must hash to.
   */
  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: SampleDatastore OUTPUT.img");
      System.exit(2);
    }
    System.out.println(generate(Path.of(args[0])));
  }

  /** Builds the sample datastore at {@code image}; returns the SHA-256 of the pre-revert disk. */
  public static String generate(Path image) throws IOException {
    Files.deleteIfExists(image);
    SplittableRandom random = new SplittableRandom(SEED);
    FormatOptions options = FormatOptions.builder(256L << 20).label("sample").seed(SEED).timeSeconds(TIME).build();
    try (Vmfs vmfs = Vmfs.format(FileChannelBlockDevice.create(image, 0), options)) {
      long[] clock = {TIME * 1_000_000L};
      SnapshotManager vm = SnapshotManager.createVm(vmfs, VM, List.of(DISK), 16L << 20).withClock(() -> clock[0] += 60_000_000L);
      writeRecords(vm, random, "installed system", 1 << 20, 0, 8L << 20);
      SnapshotEntry snapshot = vm.take("before-upgrade", "state before the payroll upgrade", false);
      writeRecords(vm, random, "payroll", 2 << 20, 0, DISK);
      String beforeRevert = diskSha256(vm);
      vm.revert(SnapshotRef.uid(snapshot.uid()));
      writeRecords(vm, random, "after the revert", 256 << 10, 0, DISK);
      return beforeRevert;
    }
  }

  private static String diskSha256(SnapshotManager vm) throws IOException {
    java.security.MessageDigest sha;
    try {
      sha = java.security.MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
    for (long offset = 0; offset < DISK; offset += buffer.capacity()) {
      vm.readDisk(DiskSlot.scsi(0, 0), offset, buffer.clear());
      sha.update(buffer.flip());
    }
    return java.util.HexFormat.of().formatHex(sha.digest());
  }

  /**
   * Writes {@code total} bytes of numbered text records in runs of 4 to 64 KiB at random
   * 512-byte-aligned offsets in {@code [from, to)}.
   */
  private static void writeRecords(SnapshotManager vm, SplittableRandom random, String kind, int total, long from, long to) throws IOException {
    int written = 0;
    int record = 0;
    while (written < total) {
      int length = Math.min(total - written, 4096 * (1 + random.nextInt(16)));
      long offset = from + random.nextLong((to - from - length) / 512) * 512;
      StringBuilder text = new StringBuilder(length + 100);
      while (text.length() < length) {
        text.append("%s record %07d at disk offset 0x%08x: employee %05d, amount %08d.%02d%n"
            .formatted(kind, record, offset + text.length(), record % 5000, record * 7919L % 100_000_000, record % 100));
        record++;
      }
      byte[] bytes = text.substring(0, length).getBytes(StandardCharsets.US_ASCII);
      vm.writeDisk(DiskSlot.scsi(0, 0), offset, ByteBuffer.wrap(bytes));
      written += length;
    }
  }
}
