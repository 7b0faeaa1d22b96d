package org.vmfskit.fs.file;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vmfskit.fs.device.SparseMemoryBlockDevice;
import org.vmfskit.fs.format.AddressingMode;
import org.vmfskit.fs.format.BlockAddress;
import org.vmfskit.fs.format.FileBlockAddr;
import org.vmfskit.fs.format.FileDescriptor;
import org.vmfskit.fs.format.FileType;
import org.vmfskit.fs.testing.Images;
import org.vmfskit.fs.device.CopyOnWriteBlockDevice;
import org.vmfskit.fs.device.FaultInjectingBlockDevice;
import org.vmfskit.fs.testing.Patterns;
import org.vmfskit.fs.volume.ResourceKind;
import org.vmfskit.fs.volume.Volume;

/**
 * Cuts a sequence of changes at every device write and checks that the volume still opens, walks
 * and never refers to a resource its bitmaps call free (leaks are allowed, dangling references
 * are not).
 */
class CrashConsistencyTest {

  private static SparseMemoryBlockDevice template;

  @BeforeAll
  static void format() throws IOException {
    template = new SparseMemoryBlockDevice(0);
    Vmfs vmfs = Vmfs.format(template, Images.options(Images.GIB));
    vmfs.mkdir("/old");
    Images.createWith(vmfs, "/old/kept", Patterns.of(1, 0, 3 << 20));
    vmfs.mkdir("/full");
    for (int i = 0; i < 56; i++) {
      vmfs.createFile("/full/f" + i);
    }
    Images.createWith(vmfs, "/small", Patterns.of(3, 0, 5000));
    vmfs.createFile("/thin").write(200L << 30, ByteBuffer.wrap(Patterns.of(4, 0, 100)));
  }

  /** Promotions: a directory past one sub-block, SB to FB, PB to double-indirect, TBZ preallocation. */
  private static void promotions(Vmfs vmfs) throws IOException {
    vmfs.createFile("/full/f56");
    vmfs.createFile("/full/f57");
    vmfs.openFile("/small").write(9000, ByteBuffer.wrap(Patterns.of(5, 0, 100)));
    vmfs.openFile("/thin").write(300L << 30, ByteBuffer.wrap(Patterns.of(6, 0, 100)));
    vmfs.openFile("/full/f3").preallocate(3 << 20, VmfsFile.Preallocation.TO_BE_ZEROED);
    vmfs.delete("/full/f0");
  }

  @Test
  void everyCutPoint_duringPromotions_leavesNoDanglingReference() throws IOException {
    FaultInjectingBlockDevice counter = new FaultInjectingBlockDevice(new CopyOnWriteBlockDevice(template));
    promotions(Vmfs.open(counter));
    long total = counter.writes();
    List<String> failures = new ArrayList<>();
    for (long cut = 0; cut <= total; cut++) {
      CopyOnWriteBlockDevice disk = new CopyOnWriteBlockDevice(template);
      try {
        promotions(Vmfs.open(new FaultInjectingBlockDevice(disk, cut + 1, FaultInjectingBlockDevice.Mode.DROP, 0)));
      } catch (IOException expected) {
        // The crash.
      }
      try {
        Vmfs after = Vmfs.open(disk);
        checkReferences(after, "/", failures, cut);
        assertThat(Images.read(after.openFile("/small"), 0, 5000)).as("cut %d", cut).isEqualTo(Patterns.of(3, 0, 5000));
        assertThat(Images.read(after.openFile("/thin"), 200L << 30, 100)).as("cut %d", cut).isEqualTo(Patterns.of(4, 0, 100));
      } catch (IOException e) {
        failures.add("cut %d: %s".formatted(cut, e));
      }
    }
    assertThat(failures).isEmpty();
  }

  private static void changes(Vmfs vmfs) throws IOException {
    vmfs.mkdir("/vm");
    VmfsFile disk = vmfs.createFile("/vm/disk-flat.vmdk");
    disk.write(0, ByteBuffer.wrap(Patterns.of(2, 0, 5000)));
    disk.write(10 << 20, ByteBuffer.wrap(Patterns.of(2, 10 << 20, 3 << 20)));
    disk.write(300L << 20, ByteBuffer.wrap(Patterns.of(2, 300L << 20, 4096)));
    disk.truncate(11 << 20);
    vmfs.symlink("/vm/disk-flat.vmdk", "/link");
    vmfs.rename("/old/kept", "/vm/kept");
    vmfs.delete("/old");
    vmfs.delete("/link");
  }

  @Test
  void everyCutPoint_leavesAVolumeThatOpensAndHasNoDanglingReference() throws IOException {
    FaultInjectingBlockDevice counter = new FaultInjectingBlockDevice(new CopyOnWriteBlockDevice(template));
    changes(Vmfs.open(counter));
    long total = counter.writes();
    assertThat(total).isGreaterThan(20);
    List<String> failures = new ArrayList<>();
    for (long cut = 0; cut <= total; cut++) {
      CopyOnWriteBlockDevice disk = new CopyOnWriteBlockDevice(template);
      try {
        changes(Vmfs.open(new FaultInjectingBlockDevice(disk, cut + 1, FaultInjectingBlockDevice.Mode.DROP, 0)));
      } catch (IOException expected) {
        // The crash.
      }
      try {
        Vmfs after = Vmfs.open(disk);
        checkReferences(after, "/", failures, cut);
        assertThat(Images.readAll(after.openFile(after.exists("/old/kept") ? "/old/kept" : "/vm/kept"))).isEqualTo(Patterns.of(1, 0, 3 << 20));
      } catch (IOException e) {
        failures.add("cut %d: %s".formatted(cut, e));
      }
    }
    assertThat(failures).isEmpty();
  }

  private static void checkReferences(Vmfs vmfs, String dir, List<String> failures, long cut) throws IOException {
    Volume volume = vmfs.volume();
    for (FileStat stat : vmfs.list(dir)) {
      String path = Vmfs.join(dir, stat.name());
      if (stat.type() == FileType.SYSTEM) {
        continue;
      }
      if (volume.isFree(ResourceKind.FILE_DESCRIPTOR, volume.fdIndexOf(stat.address()))) {
        failures.add("cut %d: %s names free FD %s".formatted(cut, path, stat.address()));
      }
      FileDescriptor fd = volume.readFd(stat.address());
      if (fd.zla() != AddressingMode.RESIDENT) {
        for (int raw : fd.addresses()) {
          checkAddress(volume, raw, path, failures, cut, fd.zla() == AddressingMode.POINTER_BLOCKS ? 1 : fd.zla() == AddressingMode.DOUBLE_INDIRECT ? 2 : 0);
        }
      }
      if (stat.type() == FileType.DIRECTORY) {
        checkReferences(vmfs, path, failures, cut);
      } else if (stat.type() == FileType.REGULAR) {
        VmfsFile file = vmfs.openFile(stat.address());
        for (Extent extent : file.extents(0, stat.size())) {
          Images.read(file, extent.fileOffset(), (int) Math.min(4096, extent.length()));
        }
      }
    }
  }

  private static void checkAddress(Volume volume, int raw, String path, List<String> failures, long cut, int levels) throws IOException {
    switch (BlockAddress.typeOf(raw)) {
      case BlockAddress.TYPE_FB -> {
        if (volume.isFree(ResourceKind.FILE_BLOCK, FileBlockAddr.blockOf(raw))) {
          failures.add("cut %d: %s names free FB %d".formatted(cut, path, FileBlockAddr.blockOf(raw)));
        }
      }
      case BlockAddress.TYPE_SB -> {
        if (volume.isFree(ResourceKind.SUB_BLOCK, volume.subBlockIndex(raw, "check", 0))) {
          failures.add("cut %d: %s names a free SB".formatted(cut, path));
        }
      }
      case BlockAddress.TYPE_PB -> {
        if (volume.isFree(ResourceKind.POINTER_BLOCK, volume.pointerBlockIndex(raw, "check", 0))) {
          failures.add("cut %d: %s names a free MAP".formatted(cut, path));
        }
        if (levels > 0) {
          for (int entry : volume.readPointerBlock(raw, "check", 0)) {
            checkAddress(volume, entry, path, failures, cut, levels - 1);
          }
        }
      }
      default -> { }
    }
  }
}
