package org.vmfskit.fs.device.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmfskit.fs.compat.ExternalTool;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.device.FileChannelBlockDevice;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.UnsupportedFormatException;
import org.vmfskit.fs.testing.Images;
import org.vmfskit.fs.vmdk.DiskStore;
import org.vmfskit.fs.vmdk.HostDiskStore;
import org.vmfskit.fs.vmdk.VirtualDisk;

/**
 * A datastore inside the guest disk of a nested ESXi VM: a vmfsSparse delta over a flat base,
 * made with vmfskit's own VMDK code and cross-checked with qemu-img.
 */
class VmdkContainerTest {

  private static final byte[] BEFORE = Images.content(21, 200_000);
  private static final byte[] AFTER = Images.content(22, 300_000);

  @TempDir
  static Path dir;
  static Path top;

  @BeforeAll
  static void build() throws IOException {
    long capacity = Images.options(256L << 20).imageBytes();
    HostDiskStore store = HostDiskStore.of(dir);
    try (VirtualDisk base = VirtualDisk.createBase(store, "esx.vmdk", capacity, DiskStore.Allocation.THIN)) {
      try (Vmfs vmfs = Vmfs.format(new GuestDisk(base), Images.options(256L << 20))) {
        Images.createWith(vmfs, "/before-snapshot.bin", BEFORE);
      }
      try (VirtualDisk delta = VirtualDisk.createDelta(base, "esx-000001.vmdk", VirtualDisk.DeltaFormat.VMFS_SPARSE);
          Vmfs vmfs = Vmfs.open(new GuestDisk(delta))) {
        Images.createWith(vmfs, "/after-snapshot.bin", AFTER);
      }
    }
    top = dir.resolve("esx-000001.vmdk");
  }

  @Test
  void deltaOverFlat_opensTheDatastoreOfTheWholeChain() throws IOException {
    try (OpenedImage opened = ImageOpener.open(top, OptionalInt.empty()); Vmfs vmfs = Vmfs.open(opened.device())) {
      assertThat(opened.layout().container()).isEqualTo(ImageLayout.Container.VMDK);
      assertThat(opened.layout().detail()).contains("esx-000001.vmdk (vmfsSparse) -> esx.vmdk (vmfs)");
      assertThat(opened.device().isReadOnly()).isTrue();
      assertThat(Images.readAll(vmfs.openFile("/before-snapshot.bin"))).isEqualTo(BEFORE);
      assertThat(Images.readAll(vmfs.openFile("/after-snapshot.bin"))).isEqualTo(AFTER);
    }
  }

  @Test
  void guestBytes_matchQemuImg() throws Exception {
    assumeTrue(ExternalTool.available("qemu-img"), "qemu-img not installed");
    Path converted = dir.resolve("qemu.raw");
    ExternalTool.Result result = ExternalTool.run(300, "qemu-img", "convert", "-f", "vmdk", "-O", "raw", top.toString(), converted.toString());
    assertThat(result.exitCode()).as(result.stderr()).isZero();
    try (BlockDevice ours = VmdkBlockDevice.open(top); BlockDevice theirs = FileChannelBlockDevice.openReadOnly(converted)) {
      assertThat(ours.size()).isEqualTo(theirs.size());
      for (long at = 0; at < ours.size(); at += 1 << 20) {
        int n = (int) Math.min(1 << 20, ours.size() - at);
        assertThat(Arrays.equals(Images.raw(ours, at, n), Images.raw(theirs, at, n))).as("MiB at 0x%x", at).isTrue();
      }
    }
  }

  @Test
  void flatVmdkOfAnEsxiBootDisk_opensTheDatastorePartitionInside() throws IOException {
    Path nested = Files.createDirectories(dir.resolve("nested"));
    Path disk = nested.resolve("esxi-flat.vmdk");
    org.vmfskit.fs.testing.DiskImages.gpt(disk, org.vmfskit.fs.testing.DiskImages.esxi7(vmfs -> Images.createWith(vmfs, "/before-snapshot.bin", BEFORE)));
    Files.writeString(nested.resolve("esxi.vmdk"), """
        # Disk DescriptorFile
        version=1
        CID=fffffffe
        parentCID=ffffffff
        createType="monolithicFlat"

        RW %d FLAT "esxi-flat.vmdk" 0
        """.formatted(Files.size(disk) / 512));
    try (OpenedImage opened = ImageOpener.open(nested.resolve("esxi.vmdk"), OptionalInt.empty()); Vmfs vmfs = Vmfs.open(opened.device())) {
      assertThat(opened.layout().container()).isEqualTo(ImageLayout.Container.VMDK);
      assertThat(opened.layout().partition()).hasValue(8);
      assertThat(Images.readAll(vmfs.openFile("/before-snapshot.bin"))).isEqualTo(BEFORE);
    }
  }

  @Test
  void missingParent_failsWithOneLine() throws IOException {
    Path copy = Files.createDirectories(dir.resolve("orphan"));
    Files.copy(top, copy.resolve(top.getFileName()));
    Files.copy(dir.resolve("esx-000001-delta.vmdk"), copy.resolve("esx-000001-delta.vmdk"));
    assertThatThrownBy(() -> ImageOpener.open(copy.resolve(top.getFileName()), OptionalInt.empty()))
        .isInstanceOf(CorruptStructureException.class)
        .hasMessageContaining("parent disk not found")
        .hasMessageNotContaining("\n");
  }

  @Test
  void bareDeltaExtent_isRefusedWithAHint() {
    assertThatThrownBy(() -> ImageOpener.open(dir.resolve("esx-000001-delta.vmdk"), OptionalInt.empty()))
        .isInstanceOf(UnsupportedFormatException.class)
        .hasMessageContaining("open the descriptor .vmdk that names it");
  }

  /** A writable block device over a virtual disk, to format and fill the guest's datastore. */
  private record GuestDisk(VirtualDisk disk) implements BlockDevice {
    public long size() {
      return disk.capacity();
    }

    public void readFully(long offset, ByteBuffer dst) throws IOException {
      disk.read(offset, dst);
    }

    public void write(long offset, ByteBuffer src) throws IOException {
      disk.write(offset, src);
    }

    public boolean isReadOnly() {
      return false;
    }

    public void flush() throws IOException {
      disk.flush();
    }

    public String name() {
      return disk.path();
    }

    public void resize(long newSize) {
      assertThat(newSize).isEqualTo(disk.capacity());
    }

    public void close() {}
  }
}
