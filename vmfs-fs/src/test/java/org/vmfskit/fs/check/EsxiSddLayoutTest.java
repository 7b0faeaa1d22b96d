package org.vmfskit.fs.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmfskit.fs.device.FileChannelBlockDevice;
import org.vmfskit.fs.file.FileStat;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.format.AddressingMode;
import org.vmfskit.fs.format.FileBlockAddr;
import org.vmfskit.fs.format.FileDescriptor;
import org.vmfskit.fs.format.FileDescriptorAddr;
import org.vmfskit.fs.format.FileType;
import org.vmfskit.fs.testing.EsxiLayout;
import org.vmfskit.fs.testing.Images;
import org.vmfskit.fs.testing.WriteRecorder;
import org.vmfskit.fs.volume.FormatOptions;
import org.vmfskit.fs.volume.ResourceKind;

/**
 * A VMFS5 volume laid out as ESXi lays it out ({@code .sdd.sf} a type-5 FD with S_IFDIR in its
 * mode, nlink 2, one block of "." and ".."; the root's nlink counting it) checks clean, a repair
 * writes nothing to it, and {@code .sdd.sf} is a directory to every layer. Also: our own mkfs
 * writes this layout, and a repair leaves alone what it does not understand.
 */
class EsxiSddLayoutTest {

  @TempDir Path dir;

  /** A fresh image with one user directory, rewritten to ESXi's layout (root nlink 4). */
  private Path esxiVolume() throws IOException {
    Path image = EsxiLayout.formatImage(dir.resolve("esxi.img"));
    try (Vmfs vmfs = Vmfs.open(FileChannelBlockDevice.openReadOnly(image))) {
      assertThat(vmfs.volume().readFd(FileDescriptorAddr.ROOT).nlink()).isEqualTo(4);
    }
    return image;
  }

  @Test
  void esxiLayout_checksClean() throws IOException {
    try (Vmfs vmfs = Vmfs.open(FileChannelBlockDevice.openReadOnly(esxiVolume()))) {
      CheckReport report = VolumeChecker.check(vmfs);
      assertThat(report.problems()).isEmpty();
    }
  }

  @Test
  void repairOfEsxiLayout_writesNothing() throws IOException {
    WriteRecorder recorder = new WriteRecorder(FileChannelBlockDevice.openWritable(esxiVolume()));
    try (Vmfs vmfs = Vmfs.open(recorder)) {
      VolumeRepairer.RepairReport repair = VolumeRepairer.repair(vmfs);
      assertThat(repair.before().problems()).isEmpty();
      assertThat(repair.changes()).isEmpty();
      assertThat(vmfs.volume().readFd(FileDescriptorAddr.ROOT).nlink()).isEqualTo(4);
    }
    assertThat(recorder.offsets().toLongArray()).as("device writes of open, repair and close").isEmpty();
  }

  @Test
  void sddSf_isADirectoryToStatListAndNio() throws IOException {
    Path image = esxiVolume();
    try (Vmfs vmfs = Vmfs.open(FileChannelBlockDevice.openReadOnly(image))) {
      FileStat stat = vmfs.stat("/.sdd.sf");
      assertThat(stat.type()).isEqualTo(FileType.SYSTEM);
      assertThat(stat.isDirectory()).isTrue();
      assertThat(stat.modeString()).isEqualTo("drwx------");
      assertThat(stat.nlink()).isEqualTo(2);
      assertThat(vmfs.list("/.sdd.sf")).isEmpty();
      assertThat(vmfs.exists("/.sdd.sf/nothing")).isFalse();
    }
    try (FileSystem fs = FileSystems.newFileSystem(image)) {
      BasicFileAttributes attributes = Files.readAttributes(fs.getPath("/.sdd.sf"), BasicFileAttributes.class);
      assertThat(attributes.isDirectory()).isTrue();
      assertThat(attributes.isRegularFile()).isFalse();
      try (var entries = Files.list(fs.getPath("/.sdd.sf"))) {
        assertThat(entries).isEmpty();
      }
    }
  }

  @Test
  void ourMkfs_writesSddAsEsxiDoes() throws IOException {
    try (Vmfs vmfs = Images.format(Images.GIB)) {
      FileDescriptor sdd = vmfs.volume().readFd(EsxiLayout.SDD);
      assertThat(sdd.type()).isEqualTo(FileType.SYSTEM);
      assertThat(sdd.mode()).isEqualTo(EsxiLayout.SDD_MODE);
      assertThat(sdd.nlink()).isEqualTo(2);
      assertThat(sdd.numBlocks()).isEqualTo(1);
      assertThat(vmfs.entries(EsxiLayout.SDD)).extracting(e -> e.name()).containsExactly(".", "..");
      assertThat(vmfs.volume().readFd(FileDescriptorAddr.ROOT).nlink()).isEqualTo(3);
      vmfs.mkdir("/vm");
      assertThat(vmfs.volume().readFd(FileDescriptorAddr.ROOT).nlink()).isEqualTo(4);
      assertThat(VolumeChecker.check(vmfs).problems()).isEmpty();
    }
  }

  /**
   * vmfskit before issue 11 wrote {@code .sdd.sf} as an empty type-5 FD with S_IFDIR | 0500,
   * nlink 1 and no block, and the root with nlink 2 (testdata/sample-datastore.img.gz has it):
   * such images still check clean, and a repair leaves them alone.
   */
  @Test
  void preIssue11Layout_stillChecksClean_andRepairWritesNothing() throws IOException {
    Path image = dir.resolve("old.img");
    FormatOptions options = Images.options(256 * Images.MIB);
    try (Vmfs vmfs = Vmfs.format(FileChannelBlockDevice.create(image, options.imageBytes()), options)) {
      var volume = vmfs.volume();
      var lock = volume.lock().writeLock();
      lock.lock();
      try {
        var txn = volume.begin();
        FileDescriptor sdd = volume.readFd(EsxiLayout.SDD);
        txn.free(ResourceKind.FILE_BLOCK, FileBlockAddr.blockOf(sdd.address(0)));
        volume.writeFd(txn, sdd.withLayout(0, sdd.blockSize(), AddressingMode.RESIDENT, 0, 0, new byte[FileDescriptor.DATA_SIZE])
            .withNlink(1).withMode(FileDescriptor.S_IFDIR | 0500));
        volume.writeFd(txn, volume.readFd(FileDescriptorAddr.ROOT).withNlink(2));
        txn.commit();
      } finally {
        volume.afterCommit();
        lock.unlock();
      }
      volume.flush();
      assertThat(VolumeChecker.check(vmfs).problems()).isEmpty();
      assertThat(vmfs.list("/.sdd.sf")).isEmpty();
    }
    WriteRecorder recorder = new WriteRecorder(FileChannelBlockDevice.openWritable(image));
    try (Vmfs vmfs = Vmfs.open(recorder)) {
      assertThat(VolumeRepairer.repair(vmfs).changes()).isEmpty();
    }
    assertThat(recorder.offsets().toLongArray()).isEmpty();
  }

  @Test
  void repair_leavesAnFdItDoesNotUnderstandAndTheLinkCountNamingIt() throws IOException {
    Path image = esxiVolume();
    try (Vmfs vmfs = Vmfs.open(FileChannelBlockDevice.openWritable(image))) {
      // A system file whose mode carries type bits vmfskit does not know (S_IFSOCK), and a root
      // link count that is off only if that file is not a directory.
      var volume = vmfs.volume();
      var lock = volume.lock().writeLock();
      lock.lock();
      try {
        var txn = volume.begin();
        volume.writeFd(txn, volume.readFd(EsxiLayout.SDD).withMode(0140700));
        txn.commit();
      } finally {
        volume.afterCommit();
        lock.unlock();
      }
      volume.flush();
    }
    WriteRecorder recorder = new WriteRecorder(FileChannelBlockDevice.openWritable(image));
    try (Vmfs vmfs = Vmfs.open(recorder)) {
      VolumeRepairer.RepairReport repair = VolumeRepairer.repair(vmfs);
      assertThat(repair.before().problems()).anySatisfy(p -> assertThat(p.message()).contains("does not fully understand"));
      assertThat(repair.changes()).isEmpty();
      assertThat(repair.refused()).anySatisfy(r -> assertThat(r).contains("link count 4 of directory"));
      assertThat(vmfs.volume().readFd(FileDescriptorAddr.ROOT).nlink()).isEqualTo(4);
    }
  }
}
