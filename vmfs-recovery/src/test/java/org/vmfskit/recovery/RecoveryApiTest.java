package org.vmfskit.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmfskit.fs.device.FileChannelBlockDevice;
import org.vmfskit.fs.device.SparseMemoryBlockDevice;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.vmdk.DiskFile;
import org.vmfskit.fs.vmdk.HostDiskStore;
import org.vmfskit.fs.vmdk.VirtualDisk;
import org.vmfskit.fs.volume.FormatOptions;

/**
 * The recovery API: the image read once for its hash (counted), outputs hashed as written (equal to
 * a hash of the file), the default output set, the chain and the flattened disk agreeing, and the
 * output directory appearing whole or not at all.
 */
class RecoveryApiTest {

  private static final long VOLUME = 512L << 20;

  /** Holds the pre-revert content of the shared image's VM. */
  @TempDir static Path shared;
  private static SparseMemoryBlockDevice image;

  @TempDir Path dir;

  /** One reverted datastore for the tests that only read it (recovery never writes its input). */
  @BeforeAll
  static void buildImage() throws IOException {
    image = new SparseMemoryBlockDevice(VOLUME);
    try (Vmfs vmfs = Vmfs.format(image, FormatOptions.builder(VOLUME).seed(9).timeSeconds(1_700_000_000).build())) {
      RevertFixture.build(vmfs, shared, "vm", 256L << 20, 4, 60, 64 << 10, 0, 0);
    }
  }

  private static SparseMemoryBlockDevice memoryImage() {
    return image;
  }

  private Path fileImage() throws IOException {
    Path image = dir.resolve("ds.img");
    try (Vmfs vmfs = Vmfs.format(FileChannelBlockDevice.create(image, 0), FormatOptions.builder(VOLUME).seed(9).timeSeconds(1_700_000_000).build())) {
      RevertFixture.build(vmfs, dir, "vm", 256L << 20, 4, 60, 64 << 10, 0, 0);
    }
    return image;
  }

  @Test
  void theImageIsReadOnce_forItsHash_whileTheScanRuns() throws IOException {
    SparseMemoryBlockDevice image = memoryImage();
    String expected = RecoveryReport.sha256(image);
    CountingBlockDevice counted = new CountingBlockDevice(image);

    RecoveryResult result = Recovery.scanAndRecover(counted, ScanOptions.defaults(), RecoverOptions.builder(dir.resolve("out")).build());

    assertThat(result.report().imageSha256()).isEqualTo(expected);
    assertThat(result.report().imageSha256After()).isNull();
    // One full read for the hash, plus the scan's metadata and carving and the few MiB of the VM's data the flattened
    // disk needs (the writer before this read the image twice: 2 x VOLUME and more).
    assertThat(counted.bytesRead()).isGreaterThanOrEqualTo(VOLUME).isLessThan(VOLUME + (64L << 20));
    assertThat(result.imageUnchanged()).isTrue();
  }

  @Test
  void verifyAfter_hashesTheImageASecondTime() throws IOException {
    SparseMemoryBlockDevice image = memoryImage();
    CountingBlockDevice counted = new CountingBlockDevice(image);
    RecoveryResult result = Recovery.scanAndRecover(counted, ScanOptions.defaults(),
        RecoverOptions.builder(dir.resolve("out")).verifyAfter(true).build());
    assertThat(result.report().imageSha256After()).isEqualTo(result.report().imageSha256());
    assertThat(counted.bytesRead()).isGreaterThanOrEqualTo(2 * VOLUME);
    assertThat(result.report().unchangedProof()).contains("computed again");
  }

  @Test
  void aSparseHostImage_hasItsHolesHashedUnread_andItsStatRecordedBeforeAndAfter() throws IOException {
    Path path = fileImage();
    String expected = RecoveryReport.sha256(path);
    try (FileChannelBlockDevice device = FileChannelBlockDevice.openReadOnly(path)) {
      CountingBlockDevice counted = new CountingBlockDevice(device);
      RecoveryResult result = Recovery.scanAndRecover(counted, ScanOptions.defaults(),
          RecoverOptions.builder(dir.resolve("out")).evidence(path).build());
      assertThat(result.report().imageSha256()).isEqualTo(expected);
      assertThat(counted.bytesRead()).isLessThan(VOLUME / 4);
      EvidenceStat before = result.report().evidenceBefore();
      assertThat(before).isNotNull().isEqualTo(result.report().evidenceAfter());
      assertThat(before.size()).isEqualTo(Files.size(path));
      assertThat(before.ctime()).isNotNull();
      assertThat(result.report().image()).isEqualTo(path.toString());
      assertThat(Files.readString(result.directory().resolve("report.txt"))).contains("ctime").contains("(unchanged)");
    }
  }

  @Test
  void byDefault_onlyTheFlattenedDisk_isWritten_andEveryOutputsHashIsThatOfTheFile() throws IOException {
    RecoveryResult result = Recovery.scanAndRecover(memoryImage(), ScanOptions.defaults(), RecoverOptions.builder(dir.resolve("out")).build());

    RecoveryReport.Recovered r = result.recovered().getFirst();
    assertThat(r.outputs()).extracting(RecoveryReport.OutputFile::name)
        .containsExactly("vm-000001-recovered-full-flat.vmdk", "vm-000001-recovered-full.vmdk");
    assertThat(r.deltaDescriptor()).isNull();
    assertThat(listing(result.directory())).containsExactlyInAnyOrder("report.json", "report.txt", "vm-000001-recovered-full-flat.vmdk",
        "vm-000001-recovered-full.vmdk");
    assertHashesMatchFiles(result);
    RecoveryEndToEndTest.assertMatchesExceptReported(vm(), result.report().scan().candidates().getFirst(),
        result.directory().resolve("vm-000001-recovered-full-flat.vmdk"));
  }

  @Test
  void chainAndFull_agree_andAreHashedAsWritten() throws IOException {
    RecoveryResult result = Recovery.scanAndRecover(memoryImage(), ScanOptions.defaults(),
        RecoverOptions.builder(dir.resolve("out")).outputs(RecoverOptions.Output.CHAIN, RecoverOptions.Output.FULL).build());

    assertHashesMatchFiles(result);
    assertThat(listing(result.directory())).contains("vm.vmdk", "vm-flat.vmdk", "vm-000001-recovered.vmdk",
        "vm-000001-recovered-delta.vmdk", "vm-000001-recovered-full.vmdk", "vm-000001-recovered-full-flat.vmdk");
    // The chain written to the host, flattened by the disk code, equals the flattened disk read from the image.
    Path raw = dir.resolve("chain.raw");
    try (VirtualDisk chain = VirtualDisk.open(HostDiskStore.readOnly(result.directory()), "vm-000001-recovered.vmdk", false);
        DiskFile out = HostDiskStore.of(dir).create("chain.raw")) {
      chain.exportRaw(out);
    }
    assertThat(RecoveryReport.sha256(raw)).isEqualTo(RecoveryReport.sha256(result.directory().resolve("vm-000001-recovered-full-flat.vmdk")));
  }

  @Test
  void chainAlone_writesNoFlattenedDisk() throws IOException {
    RecoveryResult result = Recovery.recover(RecoveryScan.scan(memoryImage(), ScanOptions.defaults()),
        RecoverOptions.builder(dir.resolve("out")).outputs(RecoverOptions.Output.CHAIN).build());
    assertThat(listing(result.directory())).containsExactlyInAnyOrder("report.json", "report.txt", "vm.vmdk", "vm-flat.vmdk",
        "vm-000001-recovered.vmdk", "vm-000001-recovered-delta.vmdk");
    assertHashesMatchFiles(result);
  }

  @Test
  void aFailureMidWrite_leavesNoOutput_andTheRetrySucceeds() throws IOException {
    SparseMemoryBlockDevice image = memoryImage();
    Path out = dir.resolve("out");
    RecoveryWriter.Progress failing = (phase, done, total) -> {
      if (phase.startsWith("writing") && done > (8L << 20)) {
        throw new IllegalStateException("killed");
      }
    };
    assertThatThrownBy(() -> Recovery.scanAndRecover(image, ScanOptions.defaults(), RecoverOptions.builder(out).progress(failing).build()))
        .hasMessage("killed");
    assertThat(out).doesNotExist();
    assertThat(listing(dir)).noneMatch(name -> name.contains(".partial"));

    RecoveryResult retry = Recovery.scanAndRecover(image, ScanOptions.defaults(), RecoverOptions.builder(out).build());
    assertThat(retry.directory()).isEqualTo(out.toAbsolutePath());
    assertHashesMatchFiles(retry);
  }

  @Test
  void aLeftoverPartialDirectory_fromAKilledRun_doesNotBlockTheRetry() throws IOException {
    Path out = dir.resolve("out");
    Files.createDirectories(dir.resolve(".out.partial"));
    Files.writeString(dir.resolve(".out.partial").resolve("vm-000001-recovered-full-flat.vmdk"), "half");
    RecoveryResult result = Recovery.scanAndRecover(memoryImage(), ScanOptions.defaults(), RecoverOptions.builder(out).build());
    assertHashesMatchFiles(result);
    assertThat(dir.resolve(".out.partial")).doesNotExist();
  }

  @Test
  void anExistingOutput_isRefusedWithoutForce_andReplacedWithIt() throws IOException {
    SparseMemoryBlockDevice image = memoryImage();
    Path out = dir.resolve("out");
    Files.createDirectories(out);
    Files.writeString(out.resolve("old.txt"), "old");
    assertThatThrownBy(() -> Recovery.scanAndRecover(image, ScanOptions.defaults(), RecoverOptions.builder(out).build()))
        .isInstanceOf(RecoveryOutputException.class).hasMessageContaining(out.toAbsolutePath().toString()).hasMessageContaining("--force");
    assertThat(out.resolve("old.txt")).exists();

    RecoveryResult result = Recovery.scanAndRecover(image, ScanOptions.defaults(), RecoverOptions.builder(out).force(true).build());
    assertThat(out.resolve("old.txt")).doesNotExist();
    assertHashesMatchFiles(result);
    assertThat(listing(dir)).noneMatch(name -> name.startsWith(".out."));
  }

  @Test
  void aFullOutputDisk_namesTheOutput_andLeavesNothing() throws IOException {
    SparseMemoryBlockDevice image = memoryImage();
    try (FileSystem small = Jimfs.newFileSystem(Configuration.unix().toBuilder().setMaxSize(1L << 20).build())) {
      Path out = small.getPath("/cases/out");
      assertThatThrownBy(() -> Recovery.scanAndRecover(image, ScanOptions.defaults(), RecoverOptions.builder(out).build()))
          .isInstanceOf(RecoveryOutputException.class).hasMessageContaining("/cases/.out.partial/vm-000001-recovered-full-flat.vmdk");
      try (Stream<Path> left = Files.list(small.getPath("/cases"))) {
        assertThat(left.toList()).isEmpty();
      }
    }
  }

  @Test
  void aVolumeWithNothingDeleted_saysWhatWasExamined() throws IOException {
    SparseMemoryBlockDevice image = new SparseMemoryBlockDevice(VOLUME);
    Vmfs.format(image, FormatOptions.builder(VOLUME).seed(1).build()).close();
    assertThatThrownBy(() -> Recovery.scanAndRecover(image, ScanOptions.defaults(), RecoverOptions.builder(dir.resolve("out")).build()))
        .isInstanceOf(NothingToRecoverException.class)
        .hasMessageMatching("no orphaned delta found: \\d+ free MAPs \\(\\d+ empty\\), \\d+ free FDs and \\d+ free blocks examined");
    assertThat(dir.resolve("out")).doesNotExist();
  }

  private RevertFixture.Vm vm() {
    return new RevertFixture.Vm("/vm", "vm", 256L << 20, shared.resolve("vm-expected.raw"), "");
  }

  private static void assertHashesMatchFiles(RecoveryResult result) throws IOException {
    int files = 0;
    for (RecoveryReport.Recovered r : result.recovered()) {
      for (RecoveryReport.OutputFile f : r.outputs()) {
        Path file = result.path(f);
        assertThat(Files.size(file)).as(f.name()).isEqualTo(f.bytes());
        assertThat(RecoveryReport.sha256(file)).as(f.name()).isEqualTo(f.sha256());
        files++;
      }
    }
    assertThat(files).isPositive();
  }

  private static List<String> listing(Path directory) throws IOException {
    try (Stream<Path> entries = Files.list(directory)) {
      return entries.map(p -> p.getFileName().toString()).toList();
    }
  }
}
