package org.vmfskit.fs.vmdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmfskit.fs.device.FileChannelBlockDevice;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.nio.VmfsFileAttributes;
import org.vmfskit.fs.testing.Images;
import org.vmfskit.fs.volume.FormatOptions;

/**
 * The storage a disk holds, as {@code disk info} and the nio attributes report it: the blocks
 * actually allocated, to-be-zeroed blocks included (ESXi and du count them), thin holes not.
 */
class AllocatedBytesTest {

  private static final long CAPACITY = 8 * Images.MIB;

  @TempDir Path dir;

  /** A 1 MiB-block volume with a thin, a zeroedthick (TBZ) and an eagerzeroedthick disk; the thin one holds one written byte. */
  private Path image() throws IOException {
    Path image = dir.resolve("ds.img");
    FormatOptions options = Images.options(256 * Images.MIB);
    try (Vmfs vmfs = Vmfs.format(FileChannelBlockDevice.create(image, options.imageBytes()), options)) {
      VmfsDiskStore store = VmfsDiskStore.of(vmfs);
      VirtualDisk.createBase(store, "empty.vmdk", CAPACITY, DiskStore.Allocation.THIN).close();
      try (VirtualDisk thin = VirtualDisk.createBase(store, "thin.vmdk", CAPACITY, DiskStore.Allocation.THIN)) {
        thin.write(3 * Images.MIB + 5, ByteBuffer.wrap(new byte[] {1}));
      }
      VirtualDisk.createBase(store, "tbz.vmdk", CAPACITY, DiskStore.Allocation.ZEROED_THICK).close();
      VirtualDisk.createBase(store, "ezt.vmdk", CAPACITY, DiskStore.Allocation.EAGER_ZEROED_THICK).close();
    }
    return image;
  }

  private static long allocated(Vmfs vmfs, String disk) throws IOException {
    try (VirtualDisk opened = VirtualDisk.open(VmfsDiskStore.of(vmfs), disk, false)) {
      return opened.info().chain().getFirst().allocatedBytes();
    }
  }

  @Test
  void diskInfo_countsAllocatedBlocks_tbzIncluded_holesNot() throws IOException {
    try (Vmfs vmfs = Vmfs.open(FileChannelBlockDevice.openReadOnly(image()))) {
      assertThat(allocated(vmfs, "empty.vmdk")).isZero();
      assertThat(allocated(vmfs, "thin.vmdk")).isEqualTo(Images.MIB);
      assertThat(allocated(vmfs, "tbz.vmdk")).isEqualTo(CAPACITY);
      assertThat(allocated(vmfs, "ezt.vmdk")).isEqualTo(CAPACITY);
    }
  }

  @Test
  void nioAttributes_allocatedSize_matchesTheBlocks() throws IOException {
    try (FileSystem fs = FileSystems.newFileSystem(image())) {
      assertThat(Files.getAttribute(fs.getPath("/empty-flat.vmdk"), "vmfs:allocatedSize")).isEqualTo(0L);
      assertThat(Files.getAttribute(fs.getPath("/thin-flat.vmdk"), "vmfs:allocatedSize")).isEqualTo(Images.MIB);
      assertThat(Files.getAttribute(fs.getPath("/tbz-flat.vmdk"), "vmfs:allocatedSize")).isEqualTo(CAPACITY);
      VmfsFileAttributes ezt = Files.readAttributes(fs.getPath("/ezt-flat.vmdk"), VmfsFileAttributes.class);
      assertThat(ezt.allocatedSize()).isEqualTo(CAPACITY);
      assertThat(ezt.size()).isEqualTo(CAPACITY);
      // A resident descriptor holds no blocks, and a small file is counted in whole sub-blocks.
      assertThat(Files.getAttribute(fs.getPath("/thin.vmdk"), "vmfs:allocatedSize")).isIn(0L, 8192L);
      assertThat(Files.readAttributes(fs.getPath("/"), "vmfs:*")).containsKey("allocatedSize");
    }
  }

  @Test
  void hostDisk_thinWithoutData_holdsNothing() throws IOException {
    Path host = Files.createDirectory(dir.resolve("host"));
    HostDiskStore store = HostDiskStore.of(host);
    try (VirtualDisk thin = VirtualDisk.createBase(store, "h.vmdk", CAPACITY, DiskStore.Allocation.THIN)) {
      long allocated = thin.info().chain().getFirst().allocatedBytes();
      // SEEK_DATA answers on Linux (the length is set by writing its last byte: one host page);
      // elsewhere the length stands in.
      if (System.getProperty("os.name").startsWith("Linux")) {
        assertThat(allocated).isLessThanOrEqualTo(64 << 10);
      } else {
        assertThat(allocated).isLessThanOrEqualTo(CAPACITY);
      }
    }
  }
}
