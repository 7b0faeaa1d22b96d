package org.vmfskit.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import it.unimi.dsi.fastutil.longs.LongOpenHashSet;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmfskit.fs.compat.ExternalTool;
import org.vmfskit.fs.device.FileChannelBlockDevice;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.volume.FormatOptions;

/**
 * Datastore, VM, snapshot, guest writes, mistaken revert, reuse of some freed blocks, then scan and
 * recover: the flattened disk equals the pre-revert content except exactly the grains the report
 * lists as overwritten or missing.
 */
@Tag("slow") // minutes on 2 cores: left out by the fast tier (-Pfast), run by ./build verify and CI
class RecoveryEndToEndTest {

  @TempDir Path dir;

  private Path image(long volumeBytes) throws IOException {
    Path image = dir.resolve("ds.img");
    try (Vmfs vmfs = Vmfs.format(FileChannelBlockDevice.create(image, 0), FormatOptions.builder(volumeBytes).seed(7).timeSeconds(1_700_000_000).build())) {
      // formatted
    }
    return image;
  }

  @Test
  void deltaOverOneGiB_spanningTwoMaps_isRebuiltFromItsOwnGrainTables() throws Exception {
    Path image = image(4L << 30);
    RevertFixture.Vm vm;
    try (Vmfs vmfs = Vmfs.open(FileChannelBlockDevice.openWritable(image))) {
      vm = RevertFixture.build(vmfs, dir, "big", 4L << 30, 11, 5600, 256 << 10, 64, 3);
    }
    RecoveryReport report = recover(image, RecoveryWriter.FlatFormat.FLAT);
    ScanReport.Candidate c = only(report, "big");
    assertThat(c.source()).isEqualTo("free-map");
    assertThat(c.fileBlocks()).isGreaterThan(1024);
    assertThat(c.maps()).hasSize(2).allSatisfy(m -> assertThat(m.pointerBlockIndex()).isNotNegative());
    assertThat(c.grainsOverwritten()).as(vm.layout() + "\n" + RecoveryReport.describe(report.scan())).isPositive();
    assertThat(c.match().confidence()).isEqualTo("high");
    assertThat(c.match().deltaName()).isEqualTo("big-000001.vmdk");
    assertMatchesExceptReported(vm, c, dir.resolve("out").resolve("big-000001-recovered-full-flat.vmdk"));
    assertThat(report.imageUnchanged()).isTrue();
    qemuCompare(dir.resolve("out").resolve("big-000001-recovered.vmdk"), vm, c);
  }

  @Test
  void smallDelta_withoutMap_isCarvedAndFollowedRunByRun() throws Exception {
    Path image = image(2L << 30);
    RevertFixture.Vm vm;
    try (Vmfs vmfs = Vmfs.open(FileChannelBlockDevice.openWritable(image))) {
      vm = RevertFixture.build(vmfs, dir, "small", 1L << 30, 12, 600, 64 << 10, 100, 2);
    }
    RecoveryReport report = recover(image, RecoveryWriter.FlatFormat.FLAT);
    ScanReport.Candidate c = only(report, "small");
    assertThat(c.source()).isEqualTo("carved");
    assertThat(c.fileBlocks()).isLessThanOrEqualTo(256);
    assertThat(c.maps()).isEmpty();
    assertThat(c.grainsOverwritten()).as(vm.layout() + "\n" + RecoveryReport.describe(report.scan())).isPositive();
    assertThat(c.fileBlocksFound()).isEqualTo(c.fileBlocks());
    assertMatchesExceptReported(vm, c, dir.resolve("out").resolve("small-000001-recovered-full-flat.vmdk"));
    qemuCompare(dir.resolve("out").resolve("small-000001-recovered.vmdk"), vm, c);
  }

  @Test
  void twoVmsReverted_onOneDatastore_areBothRecoveredAndMatched() throws Exception {
    Path image = image(3L << 30);
    RevertFixture.Vm a;
    RevertFixture.Vm b;
    try (Vmfs vmfs = Vmfs.open(FileChannelBlockDevice.openWritable(image))) {
      a = RevertFixture.build(vmfs, dir, "alpha", 1L << 30, 21, 300, 64 << 10, 100, 1);
      b = RevertFixture.build(vmfs, dir, "beta", 2L << 30, 22, 300, 64 << 10, 0, 0);
    }
    RecoveryReport report = recover(image, RecoveryWriter.FlatFormat.FLAT);
    assertThat(report.scan().candidates()).hasSize(2);
    ScanReport.Candidate ca = only(report, "alpha");
    ScanReport.Candidate cb = only(report, "beta");
    assertThat(ca.match().parentDescriptor()).isEqualTo("/alpha/alpha.vmdk");
    assertThat(cb.match().parentDescriptor()).isEqualTo("/beta/beta.vmdk");
    assertThat(report.recovered()).hasSize(2);
    Path outA = Path.of(report.recovered().get(0).directory());
    Path outB = Path.of(report.recovered().get(1).directory());
    assertMatchesExceptReported(a, ca, outA.resolve("alpha-000001-recovered-full-flat.vmdk"));
    assertMatchesExceptReported(b, cb, outB.resolve("beta-000001-recovered-full-flat.vmdk"));
    assertThat(ca.grainsIntact()).isPositive();
    assertThat(cb.grainsIntact()).isPositive();
    qemuCompare(outB.resolve("beta-000001-recovered.vmdk"), b, cb);
  }

  private RecoveryReport recover(Path image, RecoveryWriter.FlatFormat format) throws IOException {
    try (FileChannelBlockDevice device = FileChannelBlockDevice.openReadOnly(image)) {
      return Recovery.scanAndRecover(device, ScanOptions.defaults(), RecoverOptions.builder(dir.resolve("out")).evidence(image).format(format)
          .outputs(RecoverOptions.Output.CHAIN, RecoverOptions.Output.FULL).build()).report();
    }
  }

  private static ScanReport.Candidate only(RecoveryReport report, String vm) {
    List<ScanReport.Candidate> found = report.scan().candidates().stream()
        .filter(c -> c.match() != null && c.match().parentDescriptor().equals("/" + vm + "/" + vm + ".vmdk")).toList();
    assertThat(found).as("candidates for %s in %s", vm, RecoveryReport.describe(report.scan())).hasSize(1);
    return found.getFirst();
  }

  /**
   * Compares sector by sector: every overwritten grain differs, and every differing sector is
   * reported (overwritten, missing, or suspect: kept although its block was reused or its carved
   * position could not be confirmed).
   */
  static void assertMatchesExceptReported(RevertFixture.Vm vm, ScanReport.Candidate c, Path flat) throws IOException {
    LongOpenHashSet overwritten = sectors(c.overwrittenRanges());
    LongOpenHashSet missing = sectors(c.missingRanges());
    missing.addAll(sectors(c.suspectRanges()));
    LongOpenHashSet differing = new LongOpenHashSet();
    try (FileChannel expected = FileChannel.open(vm.expectedRaw()); FileChannel actual = FileChannel.open(flat, StandardOpenOption.READ)) {
      ByteBuffer e = ByteBuffer.allocate(1 << 20);
      ByteBuffer a = ByteBuffer.allocate(1 << 20);
      for (long at = 0; at < vm.capacity(); at += e.capacity()) {
        e.clear();
        a.clear();
        readFully(expected, e, at);
        readFully(actual, a, at);
        if (e.equals(a)) {
          continue;
        }
        for (int s = 0; s < e.capacity(); s += 512) {
          if (!e.slice(s, 512).equals(a.slice(s, 512))) {
            differing.add((at + s) / 512);
          }
        }
      }
    }
    for (long s : differing) {
      assertThat(overwritten.contains(s) || missing.contains(s)).as("sector %s differs but is not reported in %s / %s", s, c, vm.layout()).isTrue();
    }
    for (long s : overwritten) {
      assertThat(differing.contains(s)).as("sector %s reported overwritten but equal", s).isTrue();
    }
  }

  private static void readFully(FileChannel ch, ByteBuffer b, long at) throws IOException {
    while (b.hasRemaining()) {
      if (ch.read(b, at + b.position()) < 0) {
        break;
      }
    }
    b.position(0).limit(b.capacity());
  }

  private static LongOpenHashSet sectors(List<ScanReport.SectorRange> ranges) {
    LongOpenHashSet out = new LongOpenHashSet();
    for (ScanReport.SectorRange r : ranges) {
      for (long s = r.firstSector(); s < r.firstSector() + r.sectors(); s++) {
        out.add(s);
      }
    }
    return out;
  }

  /** qemu-img compare of the recovered chain against the expected content, where the report says nothing is lost. */
  static void qemuCompare(Path descriptor, RevertFixture.Vm vm, ScanReport.Candidate c) throws Exception {
    assumeTrue(ExternalTool.available("qemu-img"), "qemu-img not installed");
    ExternalTool.Result info = ExternalTool.run(120, "qemu-img", "info", "-f", "vmdk", "--backing-chain", descriptor.toString());
    assertThat(info.exitCode()).as(info.stderr()).isZero();
    ExternalTool.Result compare = ExternalTool.run(600, "qemu-img", "compare", "-f", "vmdk", "-F", "raw", descriptor.toString(),
        vm.expectedRaw().toString());
    if (c.overwrittenRanges().isEmpty() && c.missingRanges().isEmpty()) {
      assertThat(compare.exitCode()).as(compare.stdout() + compare.stderr()).isZero();
    } else {
      // Differences are expected exactly where grains were lost; qemu reports the first one.
      assertThat(compare.exitCode()).as(compare.stdout() + compare.stderr()).isEqualTo(1);
      long first = Long.parseLong(compare.stdout().replaceAll("(?s).*offset (\\d+).*", "$1").trim()) / 512;
      LongOpenHashSet lost = sectors(c.overwrittenRanges());
      lost.addAll(sectors(c.missingRanges()));
      assertThat(lost.contains(first)).as("first difference at sector %s is reported", first).isTrue();
    }
  }
}
