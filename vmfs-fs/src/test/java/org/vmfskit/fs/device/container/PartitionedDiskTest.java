package org.vmfskit.fs.device.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmfskit.fs.compat.ExternalTool;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.TruncatedImageException;
import org.vmfskit.fs.format.UnsupportedFormatException;
import org.vmfskit.fs.testing.DiskImages;
import org.vmfskit.fs.testing.Images;

/** Whole-disk images with GPT and MBR partition tables around datastores, opened by content. */
class PartitionedDiskTest {

  private static final byte[] HELLO = Images.content(7, 100_000);

  @TempDir
  Path dir;

  private static void hello(Vmfs vmfs) throws IOException {
    Images.createWith(vmfs, "/hello.bin", HELLO);
  }

  private static byte[] readHello(OpenedImage opened) throws IOException {
    try (Vmfs vmfs = Vmfs.open(opened.device())) {
      return Images.readAll(vmfs.openFile("/hello.bin"));
    }
  }

  private static String label(OpenedImage opened) throws IOException {
    try (Vmfs vmfs = Vmfs.open(opened.device())) {
      return vmfs.volume().info().label();
    }
  }

  @Test
  void gpt_withOneVmfsPartition_opensIt() throws IOException {
    Path disk = dir.resolve("disk.img");
    DiskImages.gpt(disk, List.of(DiskImages.other(1, DiskImages.EFI, 4, "EFI"), DiskImages.vmfs(2, PartitionedDiskTest::hello)));
    OpenedImage opened = ImageOpener.open(disk, OptionalInt.empty());
    assertThat(opened.layout().partition()).hasValue(2);
    assertThat(opened.layout().table().orElseThrow().scheme()).isEqualTo(PartitionTable.Scheme.GPT);
    assertThat(opened.device().isReadOnly()).isTrue();
    assertThat(readHello(opened)).isEqualTo(HELLO);
    assertThat(String.join("\n", opened.layout().describe())).contains("* 2: VMFS datastore, start 5 MiB", "Partitions:      GPT, 2 partition(s)");
  }

  @Test
  void gpt_withTwoVmfsPartitions_requiresAChoice() throws IOException {
    Path disk = dir.resolve("two.img");
    DiskImages.gpt(disk, List.of(DiskImages.vmfs(1, null), DiskImages.vmfs(3, PartitionedDiskTest::hello)));
    assertThatThrownBy(() -> ImageOpener.open(disk, OptionalInt.empty()))
        .isInstanceOf(PartitionChoiceException.class)
        .hasMessageContaining("GPT disk with 2 VMFS partitions (1: VMFS datastore")
        .hasMessageContaining("3: VMFS datastore")
        .hasMessageContaining("choose one with --partition N")
        .hasMessageNotContaining("\n");
    assertThat(label(ImageOpener.open(disk, OptionalInt.of(1)))).isEqualTo("ds1");
    OpenedImage third = ImageOpener.open(disk, OptionalInt.of(3));
    assertThat(readHello(third)).isEqualTo(HELLO);
    assertThatThrownBy(() -> ImageOpener.open(disk, OptionalInt.of(2)))
        .isInstanceOf(PartitionChoiceException.class).hasMessageContaining("GPT disk has no partition 2");
  }

  @Test
  void esxi6BootDisk_opensTheDatastoreInPartition3() throws IOException {
    Path disk = dir.resolve("esxi6.img");
    DiskImages.gpt(disk, DiskImages.esxi6(PartitionedDiskTest::hello));
    OpenedImage opened = ImageOpener.open(disk, OptionalInt.empty());
    assertThat(opened.layout().partition()).hasValue(3);
    assertThat(opened.layout().table().orElseThrow().partitions()).extracting(Partition::number).containsExactly(1, 2, 3, 5, 6, 7, 8, 9);
    assertThat(opened.layout().table().orElseThrow().ofKind(Partition.Kind.VMKCORE)).extracting(Partition::number).containsExactly(7, 9);
    assertThat(readHello(opened)).isEqualTo(HELLO);
  }

  @Test
  void esxi7BootDisk_opensTheDatastoreAndListsOsdataAsUnreadableVmfsL() throws IOException {
    Path disk = dir.resolve("esxi7.img");
    DiskImages.gpt(disk, DiskImages.esxi7(PartitionedDiskTest::hello));
    OpenedImage opened = ImageOpener.open(disk, OptionalInt.empty());
    assertThat(opened.layout().partition()).hasValue(8);
    assertThat(readHello(opened)).isEqualTo(HELLO);
    assertThat(String.join("\n", opened.layout().describe()))
        .contains("7: VMFS-L (ESXi OSDATA)", "name \"OSDATA\"", "(VMFS-L is not readable yet)");
    assertThatThrownBy(() -> ImageOpener.open(disk, OptionalInt.of(7)))
        .isInstanceOf(UnsupportedFormatException.class)
        .hasMessageContaining("VMFS-L (the ESXi OSDATA partition) is not readable yet");
  }

  @Test
  void esxi7BootDisk_withoutDatastore_saysVmfsLIsNotReadable() throws IOException {
    Path disk = dir.resolve("osdata-only.img");
    DiskImages.gpt(disk, DiskImages.esxi7(null).subList(0, 4));
    assertThatThrownBy(() -> ImageOpener.open(disk, OptionalInt.empty()))
        .isInstanceOf(PartitionChoiceException.class)
        .hasMessageContaining("GPT disk without a VMFS partition")
        .hasMessageContaining("VMFS-L (ESXi OSDATA) is not readable yet");
  }

  @Test
  void mbr_withOnePrimaryVmfsPartition_opensIt() throws IOException {
    Path disk = dir.resolve("mbr.img");
    DiskImages.mbr(disk, List.of(new DiskImages.Part(1, "0xFB", 0, "", PartitionedDiskTest::hello)), List.of());
    OpenedImage opened = ImageOpener.open(disk, OptionalInt.empty());
    assertThat(opened.layout().table().orElseThrow().scheme()).isEqualTo(PartitionTable.Scheme.MBR);
    assertThat(opened.layout().partition()).hasValue(1);
    assertThat(readHello(opened)).isEqualTo(HELLO);
  }

  @Test
  void mbr_withVmfsInALogicalPartition_followsTheExtendedChain() throws IOException {
    Path disk = dir.resolve("extended.img");
    DiskImages.mbr(disk, List.of(DiskImages.other(1, "0x83", 2, "")),
        List.of(DiskImages.other(5, "0x07", 2, ""), new DiskImages.Part(6, "0xFB", 0, "", PartitionedDiskTest::hello)));
    OpenedImage opened = ImageOpener.open(disk, OptionalInt.empty());
    assertThat(opened.layout().table().orElseThrow().partitions()).extracting(Partition::number, Partition::type)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(1, "0x83"), org.assertj.core.groups.Tuple.tuple(5, "0x07"),
            org.assertj.core.groups.Tuple.tuple(6, "0xFB"));
    assertThat(opened.layout().partition()).hasValue(6);
    assertThat(readHello(opened)).isEqualTo(HELLO);
  }

  @Test
  void plainDatastore_isOpenedWhole_andRefusesAPartitionNumber() throws IOException {
    Path image = dir.resolve("plain.img");
    try (Vmfs vmfs = Vmfs.format(org.vmfskit.fs.device.FileChannelBlockDevice.create(image, 0), Images.options(256L << 20))) {
      hello(vmfs);
    }
    OpenedImage opened = ImageOpener.open(image, OptionalInt.empty());
    assertThat(opened.layout().isPlain()).isTrue();
    assertThat(readHello(opened)).isEqualTo(HELLO);
    assertThatThrownBy(() -> ImageOpener.open(image, OptionalInt.of(1)))
        .isInstanceOf(PartitionChoiceException.class).hasMessageContaining("without a partition table; drop --partition");
  }

  @Test
  void gpt_withDamagedPrimaryHeader_usesTheBackup() throws IOException {
    Path disk = dir.resolve("backup.img");
    DiskImages.gpt(disk, List.of(DiskImages.vmfs(1, PartitionedDiskTest::hello)));
    DiskImages.flip(disk, 0x200 + 0x28);
    OpenedImage opened = ImageOpener.open(disk, OptionalInt.empty());
    assertThat(opened.layout().table().orElseThrow().note()).contains("primary GPT damaged", "GptHeader at 0x200: header checksum mismatch");
    assertThat(readHello(opened)).isEqualTo(HELLO);
  }

  @Test
  void gpt_withBothHeadersDamaged_failsNamingThePrimaryHeaderOffset() throws IOException {
    Path disk = dir.resolve("broken.img");
    DiskImages.gpt(disk, List.of(DiskImages.vmfs(1, null)));
    DiskImages.flip(disk, 0x200 + 0x28);
    DiskImages.flip(disk, java.nio.file.Files.size(disk) - 512 + 0x28);
    assertThatThrownBy(() -> ImageOpener.open(disk, OptionalInt.empty()))
        .isInstanceOf(CorruptStructureException.class)
        .hasMessageStartingWith("GptHeader at 0x200: header checksum mismatch (expected 0x")
        .hasMessageNotContaining("\n");
  }

  @Test
  void gpt_withDamagedEntryArrays_failsWithTheArrayOffset() throws IOException {
    Path disk = dir.resolve("entries.img");
    DiskImages.gpt(disk, List.of(DiskImages.vmfs(1, null)));
    DiskImages.flip(disk, 0x400 + 0x30);
    DiskImages.flip(disk, java.nio.file.Files.size(disk) - 512 - 128 * 128 + 0x30);
    assertThatThrownBy(() -> ImageOpener.open(disk, OptionalInt.empty()))
        .isInstanceOf(CorruptStructureException.class)
        .hasMessageStartingWith("GPT entry array at 0x400: entry array checksum mismatch");
  }

  @Test
  void gpt_truncatedInsideTheDatastore_failsAsTruncated() throws IOException {
    Path disk = dir.resolve("cut.img");
    DiskImages.gpt(disk, List.of(DiskImages.vmfs(1, null)));
    try (FileChannel channel = FileChannel.open(disk, StandardOpenOption.WRITE)) {
      channel.truncate(200L << 20);
    }
    assertThatThrownBy(() -> ImageOpener.open(disk, OptionalInt.empty()))
        .isInstanceOf(TruncatedImageException.class)
        .hasMessageStartingWith("Partition 1 of " + disk + " at 0x100000: image ends before the structure");
  }

  @Test
  void gptEntry_roundTripsAndEncodesTheVmfsTypeMixedEndian() throws IOException {
    GptEntry entry = new GptEntry(GptEntry.TYPE_VMFS, "01020304-0506-0708-090A-0B0C0D0E0F10", 2048, 4095, 1, "datastore1");
    ByteBuffer buffer = ByteBuffer.allocate(GptEntry.SIZE).order(ByteOrder.LITTLE_ENDIAN);
    entry.encode(buffer, 0);
    assertThat(HexFormat.of().formatHex(buffer.array(), 0, 16)).isEqualTo("2ae031aa0f40db119590000c2911d1b8");
    assertThat(GptEntry.decode(buffer, 0, 0)).isEqualTo(entry);
    GptHeader header = new GptHeader(1, 999, 34, 900, "DEADBEEF-0000-4000-8000-00000000CAFE", 2, 128, 128, 0x1234);
    ByteBuffer sector = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
    header.encode(sector);
    assertThat(GptHeader.decode(sector, 0x200)).isEqualTo(header);
  }

  @Test
  void gptWrittenBySgdisk_isReadAndItsVmfsPartitionOpened() throws Exception {
    assumeTrue(ExternalTool.available("sgdisk"), "sgdisk not installed");
    Path disk = dir.resolve("by-sgdisk.img");
    try (var file = org.vmfskit.fs.device.FileChannelBlockDevice.create(disk, DiskImages.VMFS_BYTES + (8L << 20))) {
      // An empty sparse file for sgdisk to partition.
    }
    ExternalTool.Result made = ExternalTool.run(60, "sgdisk", "-n", "1:2048:+4M", "-t", "1:EF00", "-c", "1:EFI",
        "-n", "2:0:+" + (DiskImages.VMFS_BYTES >> 20) + "M", "-t", "2:" + GptEntry.TYPE_VMFS, "-c", "2:datastore1", disk.toString());
    assertThat(made.exitCode()).as(made.stdout() + made.stderr()).isZero();
    Partition datastore;
    try (var device = org.vmfskit.fs.device.FileChannelBlockDevice.openWritable(disk)) {
      PartitionTable table = PartitionTables.read(device).orElseThrow();
      assertThat(table.partitions()).extracting(Partition::number, Partition::kind, Partition::name).containsExactly(
          org.assertj.core.groups.Tuple.tuple(1, Partition.Kind.EFI_SYSTEM, "EFI"), org.assertj.core.groups.Tuple.tuple(2, Partition.Kind.VMFS, "datastore1"));
      datastore = table.partitions().get(1);
      assertThat(datastore.startBytes()).isEqualTo(2048L * 512 + (4L << 20));
      assertThat(datastore.lengthBytes()).isEqualTo(DiskImages.VMFS_BYTES);
    }
    try (Vmfs vmfs = Vmfs.format(new org.vmfskit.fs.device.PartitionBlockDevice(org.vmfskit.fs.device.FileChannelBlockDevice.openWritable(disk),
        datastore.startBytes(), datastore.lengthBytes(), "p2"), Images.options(256L << 20))) {
      hello(vmfs);
    }
    assertThat(readHello(ImageOpener.open(disk, OptionalInt.empty()))).isEqualTo(HELLO);
  }

  @Test
  void gptBuiltHere_isAcceptedBySgdisk() throws Exception {
    assumeTrue(ExternalTool.available("sgdisk"), "sgdisk not installed");
    Path disk = dir.resolve("sg.img");
    DiskImages.gpt(disk, DiskImages.esxi7(null));
    ExternalTool.Result verify = ExternalTool.run(60, "sgdisk", "-v", disk.toString());
    assertThat(verify.stdout()).contains("No problems found");
    ExternalTool.Result info = ExternalTool.run(60, "sgdisk", "-i", "8", disk.toString());
    List<Partition> ours = PartitionTables.read(org.vmfskit.fs.device.FileChannelBlockDevice.openReadOnly(disk)).orElseThrow().partitions();
    Partition datastore = ours.getLast();
    assertThat(info.stdout()).contains("Partition GUID code: " + GptEntry.TYPE_VMFS)
        .contains("First sector: " + datastore.startBytes() / 512 + " ")
        .contains("Last sector: " + ((datastore.startBytes() + datastore.lengthBytes()) / 512 - 1) + " ");
  }
}
