package org.vmfskit.fs.vmdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmfskit.fs.check.VolumeChecker;
import org.vmfskit.fs.compat.ExternalTool;
import org.vmfskit.fs.device.SparseMemoryBlockDevice;
import org.vmfskit.fs.format.AddressingMode;
import org.vmfskit.fs.format.FileBlockAddr;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.file.VmfsFile;
import org.vmfskit.fs.volume.FormatOptions;

/**
 * Virtual disks whose files live inside a VMFS volume: the same chain reads the same bytes as on
 * the host, a vmfsSparse delta grows in 16 MiB steps of contiguous file blocks, and the chain
 * copied out of the volume is read identically by qemu-img.
 */
class VmfsDiskStoreTest {

  @TempDir Path dir;

  @Test
  void chainOnVmfs_readsLikeTheModel_andDeltaGrowsIn16MiBRuns() throws Exception {
    try (Vmfs vmfs = Vmfs.format(new SparseMemoryBlockDevice(2L << 30), FormatOptions.builder(1L << 30).seed(2).timeSeconds(1_700_000_000).build())) {
      vmfs.mkdir("/vm");
      VmfsDiskStore store = VmfsDiskStore.of(vmfs);
      long capacity = 64L << 20;
      byte[] model = new byte[(int) capacity];
      SplittableRandom random = new SplittableRandom(9);
      try (VirtualDisk base = VirtualDisk.createBase(store, "vm/vm.vmdk", capacity, DiskStore.Allocation.THIN)) {
        write(base, model, random, 20);
        try (VirtualDisk delta = VirtualDisk.createDelta(base, "vm/vm-000001.vmdk", VirtualDisk.DeltaFormat.VMFS_SPARSE)) {
          write(delta, model, random, 200);
        }
      }
      try (VirtualDisk chain = VirtualDisk.open(store, "/vmfs/volumes/whatever/vm/vm-000001.vmdk", false)) {
        ByteBuffer all = ByteBuffer.allocate((int) capacity);
        chain.read(0, all);
        assertThat(all.array()).isEqualTo(model);
      }
      VmfsFile delta = vmfs.openFile("/vm/vm-000001-delta.vmdk");
      assertThat(delta.size() % (16 << 20)).as("delta length is a multiple of 16 MiB").isZero();
      // Each 16 MiB growth step is one run of 16 contiguous file blocks (TBZ until written).
      int[] slots = delta.descriptor().addresses();
      int blocks = (int) (delta.size() >> 20);
      assertThat(delta.descriptor().zla()).isEqualTo(AddressingMode.FILE_BLOCKS);
      for (int i = 0; i < blocks; i++) {
        assertThat(slots[i]).as("block %d allocated", i).isNotZero();
        if (i % 16 != 0) {
          assertThat(FileBlockAddr.blockOf(slots[i])).as("block %d follows block %d", i, i - 1).isEqualTo(FileBlockAddr.blockOf(slots[i - 1]) + 1);
        }
      }
      assertThat(VolumeChecker.check(vmfs).problems()).isEmpty();
    }
  }

  @Test
  void chainCopiedOutOfVmfs_isReadIdenticallyByQemu() throws Exception {
    assumeTrue(ExternalTool.available("qemu-img"), "qemu-img not installed (apt-get install qemu-utils)");
    byte[] model = new byte[32 << 20];
    try (Vmfs vmfs = Vmfs.format(new SparseMemoryBlockDevice(2L << 30), FormatOptions.builder(1L << 30).seed(3).timeSeconds(1_700_000_000).build())) {
      VmfsDiskStore store = VmfsDiskStore.of(vmfs);
      SplittableRandom random = new SplittableRandom(4);
      try (VirtualDisk base = VirtualDisk.createBase(store, "d.vmdk", model.length, DiskStore.Allocation.ZEROED_THICK)) {
        write(base, model, random, 10);
        try (VirtualDisk delta = VirtualDisk.createDelta(base, "d-000001.vmdk", VirtualDisk.DeltaFormat.VMFS_SPARSE)) {
          write(delta, model, random, 50);
        }
      }
      for (String name : List.of("d.vmdk", "d-flat.vmdk", "d-000001.vmdk", "d-000001-delta.vmdk")) {
        VmfsFile file = vmfs.openFile("/" + name);
        try (FileChannel out = FileChannel.open(dir.resolve(name), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.SPARSE)) {
          ByteBuffer buffer = ByteBuffer.allocate((int) file.size());
          file.readFully(0, buffer);
          out.write(buffer.flip());
        }
      }
    }
    Files.write(dir.resolve("expected.raw"), model);
    ExternalTool.Result compare = ExternalTool.run(120, "qemu-img", "compare", "-f", "vmdk", "-F", "raw",
        dir.resolve("d-000001.vmdk").toString(), dir.resolve("expected.raw").toString());
    assertThat(compare.exitCode()).as(compare.stdout() + compare.stderr()).isZero();
  }

  private static void write(VirtualDisk disk, byte[] model, SplittableRandom random, int count) throws Exception {
    for (int i = 0; i < count; i++) {
      int length = 1 + random.nextInt(64 * 1024);
      int offset = random.nextInt(model.length - length);
      byte[] data = new byte[length];
      random.nextBytes(data);
      disk.write(offset, ByteBuffer.wrap(data));
      System.arraycopy(data, 0, model, offset, length);
    }
  }
}
