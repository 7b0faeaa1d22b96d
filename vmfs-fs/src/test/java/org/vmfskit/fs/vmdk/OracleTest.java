package org.vmfskit.fs.vmdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Chains written by vmfskit, checked by qemu-img and vmdkinfo (read-only), and files written by
 * qemu-img read by vmfskit.
 */
class OracleTest {

  private static final long CAPACITY = 6L << 20;

  @TempDir Path dir;

  /** The spec's core case plus a layer-specific run: writes the runs into the disk and the model. */
  private static void writeCoreRuns(VirtualDisk disk, byte[] model, SplittableRandom random, int layer)
      throws IOException {
    long[][] runs = {
      {0, 512},
      {1000 + layer * 7, 300},
      {4097 + layer, 5000},
      {(2L << 20) - 3000, 7000},
      {CAPACITY - 512, 512},
      {(3L << 20) + layer * 65536, 33_000},
    };
    for (long[] run : runs) {
      write(disk, model, random, run[0], (int) run[1]);
    }
    byte[] zeros = new byte[1024];
    disk.write(5L << 20, ByteBuffer.wrap(zeros));
    System.arraycopy(zeros, 0, model, 5 << 20, zeros.length);
  }

  static void write(VirtualDisk disk, byte[] model, SplittableRandom random, long offset, int length)
      throws IOException {
    byte[] data = new byte[length];
    random.nextBytes(data);
    disk.write(offset, ByteBuffer.wrap(data));
    System.arraycopy(data, 0, model, (int) offset, length);
  }

  private VirtualDisk baseWithData(byte[] model, SplittableRandom random) throws IOException {
    HostDiskStore store = HostDiskStore.of(dir);
    VirtualDisk base = VirtualDisk.createBase(store, "vm.vmdk", CAPACITY, DiskStore.Allocation.THIN);
    write(base, model, random, 0, 1 << 20);
    write(base, model, random, 4L << 20, 1 << 20);
    return base;
  }

  private static int chainLength(String infoOutput) {
    Matcher m = Pattern.compile("(?m)^image: ").matcher(infoOutput);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3})
  void cowdChain_readByQemuAndLibvmdk(int deltas) throws Exception {
    assumeTrue(Oracles.toolAvailable("qemu-img"), "qemu-img not installed");
    SplittableRandom random = new SplittableRandom(42 + deltas);
    byte[] model = new byte[(int) CAPACITY];
    VirtualDisk disk = baseWithData(model, random);
    for (int d = 1; d <= deltas; d++) {
      VirtualDisk child = VirtualDisk.createDelta(disk, "vm-00000" + d + ".vmdk", VirtualDisk.DeltaFormat.VMFS_SPARSE);
      disk.close();
      disk = child;
      writeCoreRuns(disk, model, random, d);
    }
    String top = disk.path();
    try (DiskFile out = HostDiskStore.of(dir).create("export.raw")) {
      disk.exportRaw(out);
    }
    disk.close();
    assertThat(Files.readAllBytes(dir.resolve("export.raw"))).isEqualTo(model);

    Oracles.Result info = Oracles.run(dir, "qemu-img", "info", "-f", "vmdk", "--backing-chain", top);
    assertThat(info.exit()).as(info.output()).isZero();
    assertThat(chainLength(info.output())).as(info.output()).isEqualTo(deltas + 1);
    Oracles.Result compare = Oracles.run(dir, "qemu-img", "compare", "-f", "vmdk", "-F", "raw", top, "export.raw");
    assertThat(compare.exit()).as(compare.output()).isZero();
    Oracles.Result check = Oracles.run(dir, "qemu-img", "check", "-f", "vmdk", top);
    assertThat(check.exit()).as(check.output()).isZero();
    if (Oracles.toolAvailable("vmdkinfo")) {
      Oracles.Result vmdkinfo = Oracles.run(dir, "vmdkinfo", top);
      assertThat(vmdkinfo.exit()).as(vmdkinfo.output()).isZero();
      assertThat(vmdkinfo.output()).contains("VMFS sparse");
    }
  }

  @Test
  void seSparseChild_readByQemu() throws Exception {
    assumeTrue(Oracles.toolAvailable("qemu-img"), "qemu-img not installed");
    SplittableRandom random = new SplittableRandom(7);
    byte[] model = new byte[(int) CAPACITY];
    VirtualDisk base = baseWithData(model, random);
    VirtualDisk cowd = VirtualDisk.createDelta(base, "vm-000001.vmdk", VirtualDisk.DeltaFormat.VMFS_SPARSE);
    base.close();
    writeCoreRuns(cowd, model, random, 1);
    VirtualDisk se = VirtualDisk.createDelta(cowd, "vm-000002.vmdk", VirtualDisk.DeltaFormat.SE_SPARSE);
    cowd.close();
    writeCoreRuns(se, model, random, 2);
    try (DiskFile out = HostDiskStore.of(dir).create("export.raw")) {
      se.exportRaw(out);
    }
    se.close();
    assertThat(Files.readAllBytes(dir.resolve("export.raw"))).isEqualTo(model);
    Oracles.Result info = Oracles.run(dir, "qemu-img", "info", "-f", "vmdk", "--backing-chain", "vm-000002.vmdk");
    assertThat(info.exit()).as(info.output()).isZero();
    assertThat(chainLength(info.output())).isEqualTo(3);
    Oracles.Result compare =
        Oracles.run(dir, "qemu-img", "compare", "-f", "vmdk", "-F", "raw", "vm-000002.vmdk", "export.raw");
    assertThat(compare.exit()).as(compare.output()).isZero();
    if (Oracles.toolAvailable("vmdkinfo")) {
      // libvmdk 20200926 cannot read seSparse (spec 1.3); a change here means the oracle grew up.
      assertThat(Oracles.run(dir, "vmdkinfo", "vm-000002.vmdk").exit()).isNotZero();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"monolithicSparse", "streamOptimized", "monolithicFlat", "twoGbMaxExtentSparse",
      "twoGbMaxExtentFlat"})
  void qemuMadeVmdk_readsLikeQemuRaw(String subformat) throws Exception {
    assumeTrue(Oracles.toolAvailable("qemu-img"), "qemu-img not installed");
    SplittableRandom random = new SplittableRandom(3);
    byte[] raw = new byte[(int) CAPACITY];
    for (int at = 0; at < raw.length; at += 1 << 20) {
      if ((at >> 20) % 2 == 0) {
        byte[] chunk = new byte[300_000];
        random.nextBytes(chunk);
        System.arraycopy(chunk, 0, raw, at + 1000, chunk.length);
      }
    }
    Files.write(dir.resolve("src.raw"), raw);
    Oracles.Result convert = Oracles.run(dir, "qemu-img", "convert", "-f", "raw", "-O", "vmdk", "-o",
        "subformat=" + subformat, "src.raw", "kdmv.vmdk");
    assertThat(convert.exit()).as(convert.output()).isZero();
    Oracles.Result back = Oracles.run(dir, "qemu-img", "convert", "-f", "vmdk", "-O", "raw", "kdmv.vmdk", "back.raw");
    assertThat(back.exit()).as(back.output()).isZero();
    try (VirtualDisk disk = VirtualDisk.open(HostDiskStore.readOnly(dir), "kdmv.vmdk", false)) {
      assertThat(disk.capacity()).isEqualTo(CAPACITY);
      ByteBuffer all = ByteBuffer.allocate((int) CAPACITY);
      disk.read(0, all);
      assertThat(all.array()).isEqualTo(Files.readAllBytes(dir.resolve("back.raw")));
    }
  }

  @Test
  void monolithicSparseAndStreamOptimizedExports_readByQemuAndLibvmdk() throws Exception {
    assumeTrue(Oracles.toolAvailable("qemu-img"), "qemu-img not installed");
    SplittableRandom random = new SplittableRandom(11);
    byte[] model = new byte[(int) CAPACITY];
    VirtualDisk base = baseWithData(model, random);
    VirtualDisk child = VirtualDisk.createDelta(base, "vm-000001.vmdk", VirtualDisk.DeltaFormat.VMFS_SPARSE);
    base.close();
    writeCoreRuns(child, model, random, 1);
    try (DiskFile out = HostDiskStore.of(dir).create("mono.vmdk")) {
      child.exportMonolithicSparse(out);
    }
    try (DiskFile out = HostDiskStore.of(dir).create("stream.vmdk")) {
      child.exportStreamOptimized(out);
    }
    try (VirtualDisk flat = child.exportFlat(HostDiskStore.of(dir), "flat.vmdk")) {
      assertThat(flat.info().chain()).hasSize(1);
    }
    child.close();
    Files.write(dir.resolve("model.raw"), model);
    for (String image : new String[] {"mono.vmdk", "flat.vmdk", "stream.vmdk"}) {
      Oracles.Result compare = Oracles.run(dir, "qemu-img", "compare", "-f", "vmdk", "-F", "raw", image, "model.raw");
      assertThat(compare.exit()).as(image + ": " + compare.output()).isZero();
    }
    assertThat(Oracles.run(dir, "qemu-img", "info", "stream.vmdk").output()).contains("create type: streamOptimized");
    // A true stream: the GD is found through the footer, grains are compressed, and the file is
    // much smaller than the data it holds (the model is half random, half zeros).
    assertThat(Files.size(dir.resolve("stream.vmdk"))).isLessThan(Files.size(dir.resolve("mono.vmdk")) + (1 << 20));
    for (String image : new String[] {"mono.vmdk", "stream.vmdk"}) {
      try (VirtualDisk exported = VirtualDisk.open(HostDiskStore.readOnly(dir), image, false)) {
        ByteBuffer all = ByteBuffer.allocate((int) CAPACITY);
        exported.read(0, all);
        assertThat(all.array()).as(image).isEqualTo(model);
      }
      if (Oracles.toolAvailable("vmdkinfo")) {
        Oracles.Result vmdkinfo = Oracles.run(dir, "vmdkinfo", image);
        assertThat(vmdkinfo.exit()).as(image + ": " + vmdkinfo.output()).isZero();
      }
    }
  }

  @Test
  void qemuMadeKdmvChild_ofOurBase_readsLikeTheImageItWasMadeFrom() throws Exception {
    assumeTrue(Oracles.toolAvailable("qemu-img"), "qemu-img not installed");
    SplittableRandom random = new SplittableRandom(13);
    byte[] model = new byte[(int) CAPACITY];
    try (VirtualDisk base = baseWithData(model, random)) {
      assertThat(base.depth()).isEqualTo(1);
    }
    byte[] changed = model.clone();
    byte[] patch = new byte[200_000];
    random.nextBytes(patch);
    System.arraycopy(patch, 0, changed, 3_000_000, patch.length);
    Files.write(dir.resolve("changed.raw"), changed);
    // qemu writes only its own new file: a delta-only KDMV child whose parent is our vmfs base.
    Oracles.Result convert = Oracles.run(dir, "qemu-img", "convert", "-f", "raw", "-O", "vmdk", "-B", "vm.vmdk",
        "-o", "backing_fmt=vmdk", "changed.raw", "child.vmdk");
    assertThat(convert.exit()).as(convert.output()).isZero();
    try (VirtualDisk child = VirtualDisk.open(HostDiskStore.readOnly(dir), "child.vmdk", false)) {
      assertThat(child.depth()).isEqualTo(2);
      assertThat(child.info().chain()).extracting(VirtualDisk.LayerInfo::createType)
          .containsExactly("monolithicSparse", "vmfs");
      ByteBuffer all = ByteBuffer.allocate((int) CAPACITY);
      child.read(0, all);
      assertThat(all.array()).isEqualTo(changed);
    }
  }

  @Test
  void seSparseUnmappedAndZeroGrains_readAsZerosNotParentData() throws Exception {
    SplittableRandom random = new SplittableRandom(17);
    byte[] model = new byte[(int) CAPACITY];
    VirtualDisk base = baseWithData(model, random);
    VirtualDisk se = VirtualDisk.createDelta(base, "vm-000001.vmdk", VirtualDisk.DeltaFormat.SE_SPARSE);
    base.close();
    write(se, model, random, 0, 3 * 4096);
    se.close();
    // GT 0 sits at sector 9 of a 6 MiB delta (GD at 8, one sector); grains 0..2 are allocated.
    // Turn grain 1 into "unmapped" (state 1) and grain 2 into "zero" (state 2).
    Path delta = dir.resolve("vm-000001-sesparse.vmdk");
    byte[] bytes = Files.readAllBytes(delta);
    ByteBuffer gt = ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    assertThat(gt.getLong(9 * 512 + 8) >>> 60).isEqualTo(3);
    gt.putLong(9 * 512 + 8, 0x1000000000000000L);
    gt.putLong(9 * 512 + 16, 0x2000000000000000L);
    Files.write(delta, bytes);
    java.util.Arrays.fill(model, 4096, 3 * 4096, (byte) 0);
    try (VirtualDisk reopened = VirtualDisk.open(HostDiskStore.readOnly(dir), "vm-000001.vmdk", false)) {
      ByteBuffer all = ByteBuffer.allocate((int) CAPACITY);
      reopened.read(0, all);
      assertThat(all.array()).isEqualTo(model);
      assertThat(reopened.info().chain().getFirst().allocatedBytes()).isEqualTo(4096);
    }
    assumeTrue(Oracles.toolAvailable("qemu-img"), "qemu-img not installed");
    Files.write(dir.resolve("model.raw"), model);
    Oracles.Result compare =
        Oracles.run(dir, "qemu-img", "compare", "-f", "vmdk", "-F", "raw", "vm-000001.vmdk", "model.raw");
    assertThat(compare.exit()).as(compare.output()).isZero();
  }

  @Test
  void zeroRangeAndUnmap_onSeSparse_setGrainStates_andOnCowd_writeZeros_readByQemuAsZeros() throws Exception {
    SplittableRandom random = new SplittableRandom(19);
    byte[] model = new byte[(int) CAPACITY];
    VirtualDisk base = baseWithData(model, random);
    VirtualDisk cowd = VirtualDisk.createDelta(base, "vm-000001.vmdk", VirtualDisk.DeltaFormat.VMFS_SPARSE);
    base.close();
    write(cowd, model, random, 3L << 20, 64 << 10);
    // COWD has no zero state: the range is written with zeros (over base data and a hole).
    cowd.zeroRange(700_000, 100_000, false);
    java.util.Arrays.fill(model, 700_000, 800_000, (byte) 0);
    VirtualDisk se = VirtualDisk.createDelta(cowd, "vm-000002.vmdk", VirtualDisk.DeltaFormat.SE_SPARSE);
    cowd.close();
    write(se, model, random, 4L << 20, 40 << 10);
    long allocatedBefore = se.info().chain().getFirst().allocatedBytes();
    // Unaligned ends: partial grains are written with zeros, whole grains only change state. The
    // unmapped range covers base data (1 MiB at 0), delta data, and the COWD's own grains.
    se.zeroRange(1000, (4L << 20) + 20_000 - 1000, true);
    java.util.Arrays.fill(model, 1000, (4 << 20) + 20_000, (byte) 0);
    se.zeroRange(3L << 20 | 5, 10_000, false);
    java.util.Arrays.fill(model, (3 << 20) | 5, ((3 << 20) | 5) + 10_000, (byte) 0);
    ByteBuffer live = ByteBuffer.allocate((int) CAPACITY);
    se.read(0, live);
    assertThat(live.array()).isEqualTo(model);
    // At most the four edge grains got data; the rest are states.
    assertThat(se.info().chain().getFirst().allocatedBytes()).isLessThanOrEqualTo(allocatedBefore + 4 * 4096);
    se.close();
    try (VirtualDisk reopened = VirtualDisk.open(HostDiskStore.readOnly(dir), "vm-000002.vmdk", false)) {
      ByteBuffer all = ByteBuffer.allocate((int) CAPACITY);
      reopened.read(0, all);
      assertThat(all.array()).isEqualTo(model);
    }
    assumeTrue(Oracles.toolAvailable("qemu-img"), "qemu-img not installed");
    Files.write(dir.resolve("model.raw"), model);
    for (String top : new String[] {"vm-000002.vmdk"}) {
      Oracles.Result compare = Oracles.run(dir, "qemu-img", "compare", "-f", "vmdk", "-F", "raw", top, "model.raw");
      assertThat(compare.exit()).as(compare.output()).isZero();
    }
  }
}
