package org.vmfskit.fs.vmdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmfskit.fs.device.SparseMemoryBlockDevice;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.format.AddressingMode;
import org.vmfskit.fs.format.TruncatedImageException;
import org.vmfskit.fs.volume.FormatOptions;

/**
 * The raw export's kernel-copy path ({@link DiskExport#copyBaseByKernel}) against the model and
 * against the window copy: same bytes, base holes kept as holes, deltas of any depth laid over the
 * base, and the window copy taken wherever the fast path cannot be sure.
 */
class KernelCopyExportTest {

  private static final long CAPACITY = 64L << 20;
  private static final long MIB = 1L << 20;

  @TempDir Path dir;

  @Test
  void thinHostBase_keepsItsHoles_andMatchesTheWindowCopy() throws Exception {
    assumeHolesVisible();
    HostDiskStore store = HostDiskStore.of(dir);
    SplittableRandom random = new SplittableRandom(1);
    byte[] model = new byte[(int) CAPACITY];
    VirtualDisk base = VirtualDisk.createBase(store, "vm.vmdk", CAPACITY, DiskStore.Allocation.THIN);
    OracleTest.write(base, model, random, 0, 1 << 20);
    OracleTest.write(base, model, random, 8 * MIB, 300_000);
    OracleTest.write(base, model, random, 30 * MIB + 3 * 4096, 2 << 20);
    VirtualDisk cowd = VirtualDisk.createDelta(base, "vm-000001.vmdk", VirtualDisk.DeltaFormat.VMFS_SPARSE);
    base.close();
    OracleTest.write(cowd, model, random, 1000, 5000);
    // Zeros over base data must replace it; zeros over a base hole must not allocate it.
    writeZeros(cowd, model, 8 * MIB + 4096, 64 << 10);
    writeZeros(cowd, model, 50 * MIB, 64 << 10);
    // A delta-only region: data where the base has a hole.
    OracleTest.write(cowd, model, random, 44 * MIB, 4096);
    VirtualDisk top = VirtualDisk.createDelta(cowd, "vm-000002.vmdk", VirtualDisk.DeltaFormat.SE_SPARSE);
    cowd.close();
    OracleTest.write(top, model, random, 30 * MIB + 1000, 33_000);
    OracleTest.write(top, model, random, 44 * MIB + 2048, 8192);
    OracleTest.write(top, model, random, CAPACITY - 512, 512);
    try (top) {
      assertThat(exportFast(top, store, "fast.raw")).isTrue();
      exportByWindows(top, store, "slow.raw");
    }
    assertThat(Files.readAllBytes(dir.resolve("fast.raw"))).isEqualTo(model);
    assertThat(Files.readAllBytes(dir.resolve("slow.raw"))).isEqualTo(model);
    long fast = allocatedBytes(dir.resolve("fast.raw"));
    long slow = allocatedBytes(dir.resolve("slow.raw"));
    // The fast copy also writes the 64 KiB of zeros laid over base data; filled holes would cost 60 MiB.
    assertThat(fast).isLessThanOrEqualTo(slow + (256 << 10));
    assertThat(slow).isLessThan(8 * MIB);
    assertThat(SeekDataRanges.of(dir.resolve("fast.raw"), 40 * MIB, 44 * MIB)).contains(List.of());
    assertThat(SeekDataRanges.of(dir.resolve("fast.raw"), 50 * MIB, 50 * MIB + (64 << 10))).contains(List.of());
  }

  @Test
  void thickBaseUnderFourDeltas_exportsTheTopOfEachRun() throws Exception {
    HostDiskStore store = HostDiskStore.of(dir);
    SplittableRandom random = new SplittableRandom(2);
    byte[] model = new byte[(int) CAPACITY];
    VirtualDisk disk = VirtualDisk.createBase(store, "t.vmdk", CAPACITY, DiskStore.Allocation.EAGER_ZEROED_THICK);
    for (long at = 0; at < CAPACITY; at += 4 * MIB) {
      OracleTest.write(disk, model, random, at + random.nextInt(1 << 20), 1 << 20);
    }
    for (int d = 1; d <= 4; d++) {
      VirtualDisk child = VirtualDisk.createDelta(disk, "t-00000" + d + ".vmdk",
          d % 2 == 0 ? VirtualDisk.DeltaFormat.SE_SPARSE : VirtualDisk.DeltaFormat.VMFS_SPARSE);
      disk.close();
      disk = child;
      for (int i = 0; i < 200; i++) {
        int length = 1 + random.nextInt(20_000);
        OracleTest.write(disk, model, random, random.nextLong(CAPACITY - length), length);
      }
      writeZeros(disk, model, random.nextLong(CAPACITY - MIB), 100_000);
    }
    try (VirtualDisk top = disk) {
      assertThat(exportFast(top, store, "fast.raw")).isTrue();
      exportByWindows(top, store, "slow.raw");
    }
    assertThat(Files.readAllBytes(dir.resolve("fast.raw"))).isEqualTo(model);
    assertThat(Files.readAllBytes(dir.resolve("slow.raw"))).isEqualTo(model);
  }

  @Test
  void jimfsStore_takesTheWindowCopy() throws Exception {
    try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
      Files.createDirectory(fs.getPath("/ds"));
      HostDiskStore store = HostDiskStore.of(fs.getPath("/ds"));
      byte[] model = new byte[(int) CAPACITY];
      try (VirtualDisk disk = baseAndDelta(store, model, 100)) {
        assertWindowCopy(disk, store, model);
      }
    }
  }

  @Test
  void deltaHoldingHalfTheDisk_takesTheWindowCopy() throws Exception {
    HostDiskStore store = HostDiskStore.of(dir);
    byte[] model = new byte[(int) CAPACITY];
    try (VirtualDisk disk = baseAndDelta(store, model, 0)) {
      OracleTest.write(disk, model, new SplittableRandom(3), 0, (int) (CAPACITY / 2));
      assertWindowCopy(disk, store, model);
    }
  }

  @Test
  void truncatedFlatExtent_isReportedNotCopiedAsZeros() throws Exception {
    HostDiskStore store = HostDiskStore.of(dir);
    try (VirtualDisk disk = baseAndDelta(store, new byte[(int) CAPACITY], 10)) {
      try (FileChannel flat = FileChannel.open(dir.resolve("b-flat.vmdk"), java.nio.file.StandardOpenOption.WRITE)) {
        flat.truncate(CAPACITY / 2);
      }
      try (DiskFile out = store.create("export.raw")) {
        assertThatThrownBy(() -> disk.exportRaw(out)).isInstanceOf(TruncatedImageException.class);
      }
    }
  }

  @Test
  void vmfsBase_isCopiedByTheVolume_keepingItsHoles() throws Exception {
    assumeHolesVisible();
    byte[] model = new byte[(int) CAPACITY];
    try (Vmfs vmfs = Vmfs.format(new SparseMemoryBlockDevice(2L << 30),
        FormatOptions.builder(1L << 30).seed(5).timeSeconds(1_700_000_000).build())) {
      VmfsDiskStore store = VmfsDiskStore.of(vmfs);
      HostDiskStore host = HostDiskStore.of(dir);
      try (VirtualDisk disk = baseAndDelta(store, model, 100)) {
        assertThat(exportFast(disk, host, "fast.raw")).isTrue();
        exportByWindows(disk, host, "slow.raw");
      }
      byte[] tiny = new byte[1024];
      try (VirtualDisk disk = VirtualDisk.createBase(store, "tiny.vmdk", tiny.length, DiskStore.Allocation.THIN)) {
        OracleTest.write(disk, tiny, new SplittableRandom(6), 100, 700);
        assertThat(vmfs.openFile("/tiny-flat.vmdk").descriptor().zla()).isEqualTo(AddressingMode.RESIDENT);
        try (DiskFile out = host.create("tiny.raw")) {
          disk.exportRaw(out);
        }
      }
      assertThat(Files.readAllBytes(dir.resolve("tiny.raw"))).isEqualTo(tiny);
    }
    assertThat(Files.readAllBytes(dir.resolve("fast.raw"))).isEqualTo(model);
    assertThat(allocatedBytes(dir.resolve("fast.raw"))).isLessThanOrEqualTo(allocatedBytes(dir.resolve("slow.raw")) + MIB);
  }

  /** A thin base with 2 MiB of data at 1 MiB and a vmfsSparse delta with {@code writes} random writes. */
  private static VirtualDisk baseAndDelta(DiskStore store, byte[] model, int writes) throws IOException {
    SplittableRandom random = new SplittableRandom(writes);
    VirtualDisk base = VirtualDisk.createBase(store, "b.vmdk", CAPACITY, DiskStore.Allocation.THIN);
    OracleTest.write(base, model, random, MIB, 2 << 20);
    VirtualDisk delta = VirtualDisk.createDelta(base, "b-000001.vmdk", VirtualDisk.DeltaFormat.VMFS_SPARSE);
    base.close();
    for (int i = 0; i < writes; i++) {
      int length = 1 + random.nextInt(10_000);
      OracleTest.write(delta, model, random, random.nextLong(CAPACITY - length), length);
    }
    return delta;
  }

  private static void writeZeros(VirtualDisk disk, byte[] model, long offset, int length) throws IOException {
    disk.write(offset, ByteBuffer.allocate(length));
    java.util.Arrays.fill(model, (int) offset, (int) offset + length, (byte) 0);
  }

  private static boolean exportFast(VirtualDisk disk, HostDiskStore store, String name) throws IOException {
    try (DiskFile out = store.create(name)) {
      out.setSize(disk.capacity());
      return DiskExport.copyBaseByKernel(disk, out);
    }
  }

  /** Asserts that the fast path declines the disk and that {@code exportRaw} still writes the model. */
  private static void assertWindowCopy(VirtualDisk disk, HostDiskStore store, byte[] model) throws IOException {
    assertThat(exportFast(disk, store, "fast.raw")).isFalse();
    try (DiskFile out = store.create("export.raw")) {
      disk.exportRaw(out);
    }
    assertThat(Files.readAllBytes(store.hostPath("export.raw"))).isEqualTo(model);
  }

  private static void exportByWindows(VirtualDisk disk, HostDiskStore store, String name) throws IOException {
    try (DiskFile out = store.create(name)) {
      out.setSize(disk.capacity());
      DiskExport.rawByWindows(disk, out);
    }
  }

  /** The allocated size as {@code stat} reports it: Java has no st_blocks. */
  private long allocatedBytes(Path file) throws Exception {
    Oracles.Result stat = Oracles.run(dir, "stat", "-c", "%b %B", file.toString());
    assertThat(stat.exit()).as(stat.output()).isZero();
    String[] fields = stat.output().trim().split(" ");
    return Long.parseLong(fields[0]) * Long.parseLong(fields[1]);
  }

  /** Skips where hole queries do not work (not Linux, or a file system that reports no holes). */
  private void assumeHolesVisible() throws IOException {
    Path probe = dir.resolve("probe");
    try (FileChannel channel = FileChannel.open(probe, java.nio.file.StandardOpenOption.CREATE_NEW,
        java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.SPARSE)) {
      channel.write(ByteBuffer.allocate(1), 4 * MIB);
    }
    assumeTrue(SeekDataRanges.of(probe, 0, MIB).equals(java.util.Optional.of(List.of())),
        "this file system reports no holes");
    Files.delete(probe);
  }
}
