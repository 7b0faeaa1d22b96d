package org.vmfskit.fs.crash;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.vmfskit.fs.check.CheckReport;
import org.vmfskit.fs.check.Problem;
import org.vmfskit.fs.check.VolumeChecker;
import org.vmfskit.fs.check.VolumeRepairer;
import org.vmfskit.fs.device.FaultInjectingBlockDevice;
import org.vmfskit.fs.testing.WriteRecorder;
import org.vmfskit.fs.device.FaultInjectingBlockDevice.Mode;
import org.vmfskit.fs.device.FaultInjectingBlockDevice.PowerCutException;
import org.vmfskit.fs.device.SparseMemoryBlockDevice;
import org.vmfskit.fs.file.FileStat;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.file.VmfsFile;
import org.vmfskit.fs.format.FileType;
import org.vmfskit.fs.volume.FormatOptions;

/**
 * Runs {@link Workload} through a {@link FaultInjectingBlockDevice} that cuts the power at every
 * write index in turn (and, separately, tears that write at its last sector boundary), then
 * reopens what reached the device (which replays the metadata journal) and requires: the volume
 * opens (once mkfs has finished), the checker finds nothing at all (not even leaked blocks), every
 * operation that completed before the cut is intact, and the one in flight is either done or not
 * begun (only the bytes of an in-place data write may be a mix, as data is not journaled).
 */
@Tag("slow") // minutes on 2 cores: left out by the fast tier (-Pfast), run by ./build verify and CI
class CrashConsistencyTest {

  static final List<Workload.Op> OPS = Workload.ops();
  /** Model after {@code i} completed ops (index 0 = right after mkfs). */
  static final List<Map<String, Workload.Node>> MODELS = new ArrayList<>();
  static long totalWrites;
  static long mkfsWrites;
  /** Write indices (1-based) whose range crosses a 512-byte boundary: the only ones a tear changes. */
  static final java.util.BitSet TEARABLE = new java.util.BitSet();

  @BeforeAll
  static void countWrites() throws IOException {
    Map<String, Workload.Node> model = new TreeMap<>();
    model.put("/", Workload.Node.dir());
    MODELS.add(new TreeMap<>(model));
    for (Workload.Op op : OPS) {
      op.apply(model);
      MODELS.add(new TreeMap<>(model));
    }
    WriteRecorder recorder = new WriteRecorder(device());
    FaultInjectingBlockDevice counting = new FaultInjectingBlockDevice(recorder);
    try (Vmfs fs = Workload.format(counting)) {
      mkfsWrites = counting.writes();
      for (Workload.Op op : OPS) {
        op.run(fs);
      }
      assertThat(verify(fs, MODELS.getLast(), null, null)).isEmpty();
      assertThat(VolumeChecker.check(fs).problems()).isEmpty();
      totalWrites = counting.writes();
    }
    TEARABLE.or(recorder.tearable());
  }

  static SparseMemoryBlockDevice device() {
    return new SparseMemoryBlockDevice(FormatOptions.builder(Workload.VOLUME_BYTES).build().imageBytes());
  }

  /** What one cut left behind. */
  record Outcome(long cut, int inFlight, boolean opened, List<Problem> before, List<String> repairs, List<Problem> after, List<String> mismatches) {}

  static Outcome replay(long cut, Mode mode) throws IOException {
    SparseMemoryBlockDevice memory = device();
    FaultInjectingBlockDevice faulty = new FaultInjectingBlockDevice(memory, cut, mode, 0);
    int completed = -1;
    try {
      Vmfs fs = Workload.format(faulty);
      completed = 0;
      for (Workload.Op op : OPS) {
        op.run(fs);
        completed++;
      }
    } catch (PowerCutException e) {
      // The power went; what reached the device is all there is.
    }
    if (completed < 0) {
      // mkfs never finished: there is no volume to open, only a half-written image.
      try (Vmfs fs = Vmfs.open(memory)) {
        return new Outcome(cut, -1, true, List.of(), List.of(), List.of(), List.of());
      } catch (IOException e) {
        return new Outcome(cut, -1, false, List.of(), List.of(), List.of(), List.of());
      }
    }
    Workload.Op inFlight = completed < OPS.size() ? OPS.get(completed) : null;
    Map<String, Workload.Node> before = MODELS.get(completed);
    Map<String, Workload.Node> after = inFlight == null ? null : MODELS.get(completed + 1);
    Vmfs fs = Vmfs.open(memory);
    List<String> mismatches = new ArrayList<>(verify(fs, before, inFlight, after));
    CheckReport first = VolumeChecker.check(fs);
    List<String> repairs = List.of();
    List<Problem> second = List.of();
    if (!first.isClean()) {
      repairs = VolumeRepairer.repair(fs).changes();
      fs = Vmfs.open(memory);
      second = VolumeChecker.check(fs).problems();
      for (String m : verify(fs, before, inFlight, after)) {
        mismatches.add("after repair: " + m);
      }
    }
    return new Outcome(cut, completed, true, first.problems(), repairs, second, mismatches);
  }

  /**
   * Compares the tree with the model: paths the in-flight op does not touch must be exactly as
   * before; paths it touches may be in the state before or after it (any content for in-place
   * writes).
   */
  static List<String> verify(Vmfs fs, Map<String, Workload.Node> before, Workload.Op inFlight, Map<String, Workload.Node> after) throws IOException {
    Map<String, Workload.Node> actual = new TreeMap<>();
    List<String> problems = new ArrayList<>();
    walk(fs, "/", actual, problems);
    java.util.Set<String> paths = new java.util.TreeSet<>(before.keySet());
    paths.addAll(actual.keySet());
    if (after != null) {
      paths.addAll(after.keySet());
    }
    for (String path : paths) {
      Workload.Node was = before.get(path);
      Workload.Node is = actual.get(path);
      Workload.Node will = after == null ? null : after.get(path);
      boolean ok;
      if (is == null) {
        ok = was == null || (after != null && will == null);
      } else if (is.sameAs(was) || is.sameAs(will)) {
        ok = true;
      } else {
        boolean touched = after != null && (was == null ? will != null : !was.sameAs(will));
        ok = touched && inFlight.contentIndeterminate() && (was != null || will != null) && !is.directory();
      }
      if (!ok) {
        problems.add(path + ": " + describe(is) + ", expected " + describe(was) + (after != null ? " or " + describe(will) : ""));
      }
    }
    return problems;
  }

  static String hash(VmfsFile file, long size) throws IOException {
    try {
      java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
      ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
      for (long at = 0; at < size; ) {
        buffer.clear().limit((int) Math.min(buffer.capacity(), size - at));
        file.readFully(at, buffer);
        md.update(buffer.array(), 0, buffer.limit());
        at += buffer.limit();
      }
      return java.util.HexFormat.of().formatHex(md.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private static String describe(Workload.Node node) {
    if (node == null) {
      return "absent";
    }
    return node.directory() ? "directory" : "file of " + node.length() + " bytes (sha256 " + node.sha256().substring(0, 12) + ")";
  }

  private static void walk(Vmfs fs, String dir, Map<String, Workload.Node> out, List<String> problems) throws IOException {
    out.put(dir, Workload.Node.dir());
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (FileStat stat : fs.list(dir)) {
      if (stat.type() == FileType.SYSTEM) {
        continue;
      }
      String path = Vmfs.join(dir, stat.name());
      if (!seen.add(stat.name())) {
        problems.add(path + ": listed twice");
        continue;
      }
      if (stat.isDirectory()) {
        walk(fs, path, out, problems);
      } else {
        VmfsFile file = fs.openFile(path);
        out.put(path, new Workload.Node(false, null, stat.size(), hash(file, stat.size())));
      }
    }
  }

  /** Image of the device at a cut, as fsck.vmfs needs a file: a sparse copy of its non-zero MiBs. */
  static SparseMemoryBlockDevice cutImage(long cut) throws IOException {
    SparseMemoryBlockDevice memory = device();
    FaultInjectingBlockDevice faulty = new FaultInjectingBlockDevice(memory, cut, Mode.DROP, 0);
    try {
      Vmfs fs = Workload.format(faulty);
      for (Workload.Op op : OPS) {
        op.run(fs);
      }
    } catch (PowerCutException e) {
      // expected
    }
    return memory;
  }

  @Test
  void fsckVmfs_onASampleOfCutPoints_opensTheRawImageAndFindsNothingOnceTheJournalIsReplayed(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(org.vmfskit.fs.compat.ExternalTool.available("fsck.vmfs"), "fsck.vmfs not installed");
    List<String> failures = new ArrayList<>();
    List<String> lines = new ArrayList<>();
    int samples = 0;
    int rawWithFindings = 0;
    for (long cut = mkfsWrites + 1; cut <= totalWrites; cut += Math.max(1, (totalWrites - mkfsWrites) / 12)) {
      SparseMemoryBlockDevice memory = cutImage(cut);
      // vmfs-tools know nothing of vmfskit's journal: they must open the image as the cut left it
      // (a change may be half written in place), and find nothing once our open has replayed it.
      FsckResult raw = fsckVmfs(memory, tmp.resolve("cut.img"));
      try (Vmfs fs = Vmfs.open(memory)) {
        assertThat(fs.list("/")).isNotEmpty();
      }
      FsckResult replayed = fsckVmfs(memory, tmp.resolve("cut.img"));
      samples++;
      lines.add("cut " + cut + ": as cut " + raw + "; after vmfskit's journal replay " + replayed);
      if (replayed.undefined() != 0 || replayed.directoryErrors() != 0 || replayed.realOrphans() != 0 || replayed.lost() != 0
          || replayed.unallocated() > replayed.residentFiles()) {
        failures.add(lines.getLast());
      }
      if (raw.undefined() != 0 || raw.directoryErrors() != 0 || raw.realOrphans() != 0 || raw.lost() != 0) {
        rawWithFindings++;
      }
    }
    Path dir = Path.of("target", "reliability");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("crash-fsck-vmfs.txt"), "samples=" + samples + "\nsamples_with_fsck_vmfs_findings_before_replay=" + rawWithFindings
        + "\nfailures_after_replay=" + failures.size() + "\n" + String.join("\n", lines) + "\n");
    assertThat(failures).isEmpty();
  }

  /** fsck.vmfs counters, orphans that are live FDs, and the resident files that cause noise. */
  record FsckResult(long unallocated, long lost, long undefined, long realOrphans, long directoryErrors, int residentFiles) {}

  static FsckResult fsckVmfs(SparseMemoryBlockDevice memory, Path image) throws Exception {
    try (java.nio.channels.FileChannel out = java.nio.channels.FileChannel.open(image, java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer chunk = ByteBuffer.allocate(1 << 20);
      byte[] zeros = new byte[chunk.capacity()];
      for (long at = 0; at < memory.size(); at += chunk.capacity()) {
        memory.readFully(at, chunk.clear());
        if (!java.util.Arrays.equals(chunk.array(), zeros)) {
          out.write(chunk.flip(), at);
        }
      }
      if (out.size() < memory.size()) {
        out.write(ByteBuffer.allocate(1), memory.size() - 1);
      }
    }
    int residentFiles;
    java.util.Set<Long> liveFds = new java.util.HashSet<>();
    try (Vmfs fs = Vmfs.open(memory)) {
      residentFiles = countResident(fs, "/");
      var volume = fs.volume();
      for (long i = 0; i < volume.fdCount(); i++) {
        if (org.vmfskit.fs.format.FileDescriptor.isLiveSlot(volume.readFdSlot(volume.fdAddressOf(i)), 0)) {
          liveFds.add(volume.fdAddressOf(i).raw() & 0xFFFFFFFFL);
        }
      }
    }
    var result = org.vmfskit.fs.compat.ExternalTool.run(120, "fsck.vmfs", image.toString());
    Map<String, Long> counters = fsckCounters(result.stdout());
    // fsck.vmfs also takes resident (ZLA 4305) content for block lists and then reports
    // "Orphaned inode 0x00000000" and the like: count only orphans that are real live FDs.
    long realOrphans = 0;
    java.util.regex.Matcher orphan = java.util.regex.Pattern.compile("Orphaned inode 0x([0-9a-fA-F]+)").matcher(result.stdout());
    while (orphan.find()) {
      if (liveFds.contains(Long.parseLong(orphan.group(1), 16))) {
        realOrphans++;
      }
    }
    return new FsckResult(counters.get("Unallocated blocks"), counters.get("Lost blocks"), counters.get("Undefined inodes"), realOrphans,
        counters.get("Directory errors"), residentFiles);
  }

  private static Map<String, Long> fsckCounters(String text) {
    Map<String, Long> out = new java.util.LinkedHashMap<>();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^(Unallocated blocks|Lost blocks|Undefined inodes|Orphaned inodes|Directory errors)\\s*:\\s*(\\d+)").matcher(text);
    while (m.find()) {
      out.put(m.group(1), Long.parseLong(m.group(2)));
    }
    assertThat(out).as("fsck.vmfs output:%n%s", text).hasSize(5);
    return out;
  }

  private static int countResident(Vmfs fs, String dir) throws IOException {
    int n = 0;
    for (FileStat stat : fs.list(dir)) {
      if (stat.isDirectory()) {
        n += countResident(fs, Vmfs.join(dir, stat.name()));
      } else if (stat.addressing() == org.vmfskit.fs.format.AddressingMode.RESIDENT && stat.size() > 0) {
        n++;
      }
    }
    return n;
  }

  @Test
  void everyCutPoint_leavesAVolumeThatOpensChecksAndRepairsClean() throws IOException {
    runAll(Mode.DROP, "crash-cuts.txt");
  }

  @Test
  void everyTornWrite_leavesAVolumeThatOpensChecksAndRepairsClean() throws IOException {
    runAll(Mode.TEAR, "crash-torn.txt");
  }

  private void runAll(Mode mode, String reportName) throws IOException {
    List<String> failures = new ArrayList<>();
    Map<Problem.Kind, Integer> kindsBeforeRepair = new EnumMap<>(Problem.Kind.class);
    int mkfsCuts = 0;
    int mkfsUnopenable = 0;
    int survived = 0;
    int needingRepair = 0;
    int onlyLeaks = 0;
    int tried = 0;
    for (long cut = 1; cut <= totalWrites; cut++) {
      if (mode == Mode.TEAR && !TEARABLE.get((int) cut)) {
        continue; // a write inside one sector cannot tear: the same as the DROP run's cut
      }
      tried++;
      Outcome o;
      try {
        o = replay(cut, mode);
      } catch (IOException | RuntimeException e) {
        failures.add("cut " + cut + ": " + e);
        continue;
      }
      if (o.inFlight() < 0) {
        mkfsCuts++;
        mkfsUnopenable += o.opened() ? 0 : 1;
        continue;
      }
      String op = o.inFlight() < OPS.size() ? OPS.get(o.inFlight()).describe() : "(after the last op)";
      for (Problem p : o.before()) {
        kindsBeforeRepair.merge(p.kind(), 1, Integer::sum);
      }
      if (!o.before().isEmpty()) {
        needingRepair++;
        if (o.before().stream().allMatch(p -> p.kind() == Problem.Kind.LOST)) {
          onlyLeaks++;
        }
      }
      // With the journal every change is atomic: not even a leak may be left for repair.
      if (!o.before().isEmpty() || !o.after().isEmpty() || !o.mismatches().isEmpty()) {
        failures.add("cut " + cut + " during " + op + ": before " + o.before() + " repairs " + o.repairs() + " after " + o.after() + " mismatches " + o.mismatches());
      } else {
        survived++;
      }
    }
    Path dir = Path.of("target", "reliability");
    Files.createDirectories(dir);
    StringBuilder report = new StringBuilder();
    report.append("mode=").append(mode).append('\n');
    report.append("operations=").append(OPS.size()).append('\n');
    report.append("writes_total=").append(totalWrites).append('\n');
    report.append("writes_mkfs=").append(mkfsWrites).append('\n');
    report.append("cut_points_tried=").append(tried).append('\n');
    report.append("cut_points_in_mkfs=").append(mkfsCuts).append(" (unopenable: ").append(mkfsUnopenable).append(")\n");
    report.append("cut_points_after_mkfs_survived=").append(survived).append('\n');
    report.append("cut_points_needing_repair=").append(needingRepair).append(" (only leaks: ").append(onlyLeaks).append(")\n");
    report.append("findings_before_repair=").append(kindsBeforeRepair).append('\n');
    report.append("failures=").append(failures.size()).append('\n');
    for (String f : failures) {
      report.append("  ").append(f).append('\n');
    }
    Files.writeString(dir.resolve(reportName), report);
    assertThat(failures).isEmpty();
  }
}
