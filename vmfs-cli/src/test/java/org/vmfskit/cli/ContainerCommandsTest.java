package org.vmfskit.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmfskit.fs.compat.ExternalTool;
import org.vmfskit.fs.device.FileChannelBlockDevice;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.testing.DiskImages;
import org.vmfskit.fs.testing.Images;
import org.vmfskit.fs.volume.FormatOptions;
import org.vmfskit.fs.vmdk.DiskStore;
import org.vmfskit.fs.vmdk.VirtualDisk;
import org.vmfskit.fs.vmdk.VmfsDiskStore;
import org.vmfskit.recovery.RecoveryReport;

/** Commands on images whose datastore sits in a container: GPT disks, EWF sets. */
class ContainerCommandsTest {

  private static final byte[] HELLO = Images.content(3, 50_000);

  @TempDir
  Path dir;

  private static void hello(Vmfs vmfs) throws IOException {
    vmfs.mkdir("/vm");
    Images.createWith(vmfs, "/vm/hello.bin", HELLO);
  }

  @Test
  void infoAndLs_onAnEsxi7BootDiskImage_showThePartitionTableAndReadTheDatastore() throws IOException {
    Path disk = dir.resolve("esxi.img");
    DiskImages.gpt(disk, DiskImages.esxi7(ContainerCommandsTest::hello));
    CliRunner.Run info = CliRunner.run("info", disk.toString());
    assertThat(info.exitCode()).as(info.stderr()).isZero();
    assertThat(info.out()).contains("Label:           ds8", "Container:       raw image", "Partitions:      GPT, 5 partition(s)",
        "* 8: VMFS datastore", "7: VMFS-L (ESXi OSDATA)", "(VMFS-L is not readable yet)", "Datastore:       partition 8");
    CliRunner.Run json = CliRunner.run("info", disk.toString(), "--json");
    assertThat(json.out()).contains("\"label\" : \"ds8\"", "\"partitionTable\" : \"GPT\"", "\"partition\" : 8", "\"kind\" : \"VMFS_L\"");
    CliRunner.Run ls = CliRunner.run("ls", disk.toString(), "/vm");
    assertThat(ls.exitCode()).as(ls.stderr()).isZero();
    assertThat(ls.out()).isEqualTo("hello.bin\n");
    CliRunner.Run cat = CliRunner.run("cat", disk.toString(), "/vm/hello.bin");
    assertThat(cat.stdout()).isEqualTo(HELLO);
  }

  @Test
  void ls_onADiskWithTwoDatastores_asksForAPartition() throws IOException {
    Path disk = dir.resolve("two.img");
    DiskImages.gpt(disk, List.of(DiskImages.vmfs(1, null), DiskImages.vmfs(2, ContainerCommandsTest::hello)));
    CliRunner.Run ambiguous = CliRunner.run("ls", disk.toString());
    assertThat(ambiguous.exitCode()).isEqualTo(1);
    assertThat(ambiguous.stderr()).startsWith("vmfs: " + disk + ": GPT disk with 2 VMFS partitions").contains("--partition N");
    assertThat(ambiguous.stderr().lines().count()).isEqualTo(1);
    CliRunner.Run second = CliRunner.run("ls", disk.toString(), "/vm", "--partition", "2");
    assertThat(second.exitCode()).as(second.stderr()).isZero();
    assertThat(second.out()).isEqualTo("hello.bin\n");
    assertThat(CliRunner.run("ls", disk.toString(), "--partition", "zero").exitCode()).isEqualTo(2);
  }

  @Test
  void writeCommand_onAGptDisk_writesInsideThePartitionOnly() throws IOException {
    Path disk = dir.resolve("rw.img");
    long[] starts = DiskImages.gpt(disk, List.of(DiskImages.other(1, DiskImages.EFI, 4, "EFI"), DiskImages.vmfs(2, null)));
    byte[] efiBefore;
    try (FileChannelBlockDevice device = FileChannelBlockDevice.openReadOnly(disk)) {
      efiBefore = Images.raw(device, 0, (int) starts[1]);
    }
    CliRunner.Run mkdir = CliRunner.run("mkdir", disk.toString(), "/made-here");
    assertThat(mkdir.exitCode()).as(mkdir.stderr()).isZero();
    assertThat(CliRunner.run("ls", disk.toString()).out()).contains("made-here");
    try (FileChannelBlockDevice device = FileChannelBlockDevice.openReadOnly(disk)) {
      assertThat(Images.raw(device, 0, (int) starts[1])).isEqualTo(efiBefore);
    }
  }

  @Test
  void lsAndInfo_onAnE01Set_readTheDatastore_andWritesAreRefused() throws Exception {
    assumeTrue(ExternalTool.available("ewfacquire"), "ewfacquire (ewf-tools) not installed");
    Path raw = dir.resolve("ds.img");
    try (Vmfs vmfs = Vmfs.format(FileChannelBlockDevice.create(raw, 0), FormatOptions.builder(256L << 20).seed(1).timeSeconds(1_700_000_000L).label("testvol").build())) {
      hello(vmfs);
    }
    ExternalTool.Result acquired = ExternalTool.run(300, "ewfacquire", "-u", "-q", "-t", dir.resolve("evidence").toString(),
        "-c", "deflate:fast", "-S", "1M", "-d", "sha1", raw.toString());
    assertThat(acquired.exitCode()).as(acquired.stderr()).isZero();
    String e01 = dir.resolve("evidence.E01").toString();
    CliRunner.Run info = CliRunner.run("info", e01);
    assertThat(info.exitCode()).as(info.stderr()).isZero();
    assertThat(info.out()).contains("Container:       EWF (EnCase .E01) segment set", "Acquired MD5:    " + md5(raw), "Acquired SHA1:   ");
    CliRunner.Run ls = CliRunner.run("ls", e01, "/vm");
    assertThat(ls.exitCode()).as(ls.stderr()).isZero();
    assertThat(ls.out()).isEqualTo("hello.bin\n");
    CliRunner.Run mkdir = CliRunner.run("mkdir", e01, "/nope");
    assertThat(mkdir.exitCode()).isEqualTo(1);
    assertThat(mkdir.stderr()).isEqualTo("vmfs: " + e01 + ": is an EWF (EnCase .E01) segment set; containers open read-only"
        + " (write commands need a plain or partitioned raw image)\n");
  }

  @Test
  void scanAndRecover_insideAGptDiskAndItsE01Set_rebuildTheRevertedDiskByteExact() throws Exception {
    Path disk = dir.resolve("reverted.img");
    Path expected = dir.resolve("expected.raw");
    DiskImages.gpt(disk, List.of(DiskImages.other(1, DiskImages.EFI, 4, "EFI"), DiskImages.vmfs(2, vmfs -> revert(vmfs, expected))));
    String before = RecoveryReport.sha256(disk);
    CliRunner.Run scan = CliRunner.run("scan", disk.toString(), "--json");
    assertThat(scan.exitCode()).as(scan.stderr()).isZero();
    assertThat(scan.out()).contains("\"format\" : \"vmfsSparse\"");
    Path out = dir.resolve("out");
    CliRunner.Run recover = CliRunner.run("recover", disk.toString(), "--out", out.toString(), "--quiet");
    assertThat(recover.exitCode()).as(recover.stderr()).isZero();
    Path flat = out.resolve("vm-recovered-recovered-full-flat.vmdk");
    try (var files = java.nio.file.Files.list(out)) {
      assertThat(flat).as(recover.out() + files.toList()).exists();
    }
    assertThat(RecoveryReport.sha256(flat)).isEqualTo(RecoveryReport.sha256(expected));
    assertThat(RecoveryReport.sha256(disk)).isEqualTo(before);

    assumeTrue(ExternalTool.available("ewfacquire"), "ewfacquire (ewf-tools) not installed");
    ExternalTool.Result acquired = ExternalTool.run(300, "ewfacquire", "-u", "-q", "-t", dir.resolve("reverted").toString(),
        "-c", "deflate:fast", "-S", "64M", disk.toString());
    assertThat(acquired.exitCode()).as(acquired.stderr()).isZero();
    Path fromE01 = dir.resolve("out-e01");
    CliRunner.Run e01 = CliRunner.run("recover", dir.resolve("reverted.E01").toString(), "--out", fromE01.toString(), "--quiet");
    assertThat(e01.exitCode()).as(e01.stderr()).isZero();
    assertThat(RecoveryReport.sha256(fromE01.resolve("vm-recovered-recovered-full-flat.vmdk"))).isEqualTo(RecoveryReport.sha256(expected));
  }

  /**
   * A VM whose snapshot delta was deleted by a revert (the emulation RecoveryCommandsTest uses,
   * without writes after the revert); the disk content before the revert goes to {@code expected}.
   */
  private static void revert(Vmfs vmfs, Path expected) throws IOException {
    vmfs.mkdir("/vm");
    VmfsDiskStore store = VmfsDiskStore.of(vmfs);
    SplittableRandom random = new SplittableRandom(3);
    try (VirtualDisk base = VirtualDisk.createBase(store, "/vm/vm.vmdk", 64L << 20, DiskStore.Allocation.THIN)) {
      base.write(0, random(random, 1 << 20));
      try (VirtualDisk delta = VirtualDisk.createDelta(base, "/vm/vm-000001.vmdk", VirtualDisk.DeltaFormat.VMFS_SPARSE)) {
        for (int i = 0; i < 40; i++) {
          delta.write(random.nextLong(1024) * 65536, random(random, 65536));
        }
      }
    }
    try (VirtualDisk chain = VirtualDisk.open(store, "/vm/vm-000001.vmdk", false);
        org.vmfskit.fs.vmdk.DiskFile raw = org.vmfskit.fs.vmdk.HostDiskStore.of(expected.getParent()).create(expected.getFileName().toString())) {
      chain.exportRaw(raw);
    }
    vmfs.delete("/vm/vm-000001.vmdk");
    vmfs.delete("/vm/vm-000001-delta.vmdk");
  }

  private static String md5(Path file) throws Exception {
    java.security.MessageDigest md5 = java.security.MessageDigest.getInstance("MD5");
    md5.update(java.nio.file.Files.readAllBytes(file));
    return java.util.HexFormat.of().formatHex(md5.digest());
  }

  private static ByteBuffer random(SplittableRandom random, int bytes) {
    byte[] data = new byte[bytes];
    random.nextBytes(data);
    return ByteBuffer.wrap(data);
  }
}
