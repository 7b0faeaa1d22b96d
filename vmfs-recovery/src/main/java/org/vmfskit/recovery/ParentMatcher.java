package org.vmfskit.recovery;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.vmfskit.fs.file.FileStat;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.format.FileType;
import org.vmfskit.fs.format.VmfsFormatException;
import org.vmfskit.fs.vmdk.Descriptor;

/**
 * Ties an orphaned delta to the live disk it was taken of. The header carries no parent link, so
 * the evidence is circumstantial and reported as such: equal capacity (required), the disk being
 * frozen by a snapshot in its directory's {@code .vmsd}, a newer delta of the same parent with a
 * gap in the numbering (the trace a revert leaves), and a leftover descriptor naming the parent's
 * CID.
 */
final class ParentMatcher {

  private static final int MAX_FILES = 100_000;
  private static final int MAX_DEPTH = 16;
  private static final long MAX_TEXT = 64 << 10;
  private static final Pattern DELTA_NAME = Pattern.compile("(.*)-(\\d{6})\\.vmdk");
  private static final Pattern KEY_VALUE = Pattern.compile("^\\s*([A-Za-z0-9_.:]+)\\s*=\\s*\"(.*)\"\\s*$");

  /** A live descriptor on the volume. */
  record LiveDisk(String path, String directory, String name, Descriptor descriptor) {}

  private final List<LiveDisk> disks = new ArrayList<>();
  private final Map<String, Map<String, String>> vmsdByDirectory = new HashMap<>();
  private final List<Descriptor> leftovers = new ArrayList<>();

  ParentMatcher(Vmfs vmfs, List<FreeMapScanner.LeftoverDescriptor> leftoverTexts, List<Finding> findings) throws IOException {
    walk(vmfs, findings);
    for (FreeMapScanner.LeftoverDescriptor text : leftoverTexts) {
      try {
        leftovers.add(Descriptor.parse(text.text().getBytes(StandardCharsets.UTF_8), text.deviceOffset()));
      } catch (VmfsFormatException e) {
        findings.add(Finding.info(text.deviceOffset(), "leftover descriptor text does not parse: " + e.getMessage()));
      }
    }
  }

  List<LiveDisk> disks() {
    return disks;
  }

  private void walk(Vmfs vmfs, List<Finding> findings) throws IOException {
    Deque<String[]> todo = new ArrayDeque<>();
    todo.add(new String[] {"/", "0"});
    int files = 0;
    while (!todo.isEmpty() && files < MAX_FILES) {
      String[] next = todo.poll();
      String dir = next[0];
      int depth = Integer.parseInt(next[1]);
      List<FileStat> entries;
      try {
        entries = vmfs.list(dir);
      } catch (VmfsFormatException e) {
        findings.add(Finding.warning(-1, "directory " + dir + " could not be listed: " + e.getMessage()));
        continue;
      }
      for (FileStat stat : entries) {
        files++;
        String path = Vmfs.join(dir, stat.name());
        if (stat.type() == FileType.DIRECTORY && depth < MAX_DEPTH) {
          todo.add(new String[] {path, String.valueOf(depth + 1)});
        } else if (stat.type() == FileType.REGULAR && stat.size() <= MAX_TEXT) {
          readSmallFile(vmfs, dir, stat, path, findings);
        }
      }
    }
  }

  private void readSmallFile(Vmfs vmfs, String dir, FileStat stat, String path, List<Finding> findings) throws IOException {
    boolean vmdk = stat.name().endsWith(".vmdk");
    boolean vmsd = stat.name().endsWith(".vmsd");
    if (!vmdk && !vmsd) {
      return;
    }
    try {
      byte[] raw = vmfs.openFile(path).readAll(MAX_TEXT);
      if (vmsd) {
        vmsdByDirectory.put(dir, parseDictionary(new String(raw, StandardCharsets.UTF_8)));
      } else if (raw.length > 0 && raw[0] == '#' || new String(raw, 0, Math.min(raw.length, 200), StandardCharsets.ISO_8859_1).contains("version=")) {
        disks.add(new LiveDisk(path, dir, stat.name(), Descriptor.parse(raw, 0)));
      }
    } catch (VmfsFormatException e) {
      findings.add(Finding.info(-1, path + " is not a readable descriptor: " + e.getMessage()));
    }
  }

  static Map<String, String> parseDictionary(String text) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String line : text.split("\\R")) {
      Matcher m = KEY_VALUE.matcher(line);
      if (m.matches()) {
        out.put(m.group(1), m.group(2));
      }
    }
    return out;
  }

  /** Returns the best-supported parent of a delta of {@code capacitySectors}, or null when no disk fits. */
  ScanReport.Match match(long capacitySectors) {
    record Scored(LiveDisk disk, int score, List<String> reasons, String deltaName) {}
    List<Scored> scored = new ArrayList<>();
    for (LiveDisk disk : disks) {
      if (disk.descriptor().capacitySectors() != capacitySectors) {
        continue;
      }
      List<String> reasons = new ArrayList<>();
      reasons.add("capacity " + capacitySectors + " sectors equals that of " + disk.path());
      int score = 1;
      String deltaName = null;
      Map<String, String> vmsd = vmsdByDirectory.getOrDefault(disk.directory(), Map.of());
      String snapshot = snapshotFreezing(vmsd, disk.name());
      if (snapshot != null) {
        score += 2;
        reasons.add("the .vmsd in " + disk.directory() + " names it as the disk of snapshot " + snapshot);
      }
      String cid = Descriptor.cidText(disk.descriptor().cid());
      for (LiveDisk other : disks) {
        if (other.directory().equals(disk.directory()) && other != disk && other.descriptor().parentCid() == disk.descriptor().cid()) {
          String gap = numberingGap(disk, other);
          if (gap != null) {
            score += 2;
            deltaName = gap;
            reasons.add("a newer delta " + other.name() + " has the same parent while " + gap + " is missing: the trace of a revert");
          } else {
            reasons.add("live delta " + other.name() + " is also a child of it");
          }
        }
      }
      for (Descriptor leftover : leftovers) {
        if (leftover.parentCid() == disk.descriptor().cid() && leftover.capacitySectors() == capacitySectors) {
          score += 4;
          reasons.add("a deleted descriptor left in a free FD names parentCID=" + cid);
        }
      }
      scored.add(new Scored(disk, score, reasons, deltaName));
    }
    if (scored.isEmpty()) {
      return null;
    }
    scored.sort(Comparator.comparingInt(Scored::score).reversed().thenComparing(s -> s.disk().path()));
    Scored best = scored.getFirst();
    boolean tie = scored.size() > 1 && scored.get(1).score() == best.score();
    String confidence = tie || best.score() <= 1 ? "low" : best.score() >= 5 ? "high" : "medium";
    List<String> reasons = new ArrayList<>(best.reasons());
    if (tie) {
      reasons.add("another disk has equally strong evidence; the choice is arbitrary");
    }
    reasons.add("the COWD header names no parent; parentCID cannot be read from the delta itself");
    String deltaName = best.deltaName() != null ? best.deltaName() : stem(best.disk().name()) + "-recovered.vmdk";
    return new ScanReport.Match(best.disk().path(), Descriptor.cidText(best.disk().descriptor().cid()), best.disk().directory(),
        deltaName, confidence, List.copyOf(reasons), scored.stream().skip(1).map(s -> s.disk().path()).toList());
  }

  private static String snapshotFreezing(Map<String, String> vmsd, String diskName) {
    for (Map.Entry<String, String> e : vmsd.entrySet()) {
      if (e.getKey().matches("snapshot\\d+\\.disk\\d+\\.fileName") && baseName(e.getValue()).equals(diskName)) {
        String slot = e.getKey().substring(0, e.getKey().indexOf('.'));
        return "\"" + vmsd.getOrDefault(slot + ".displayName", slot) + "\" (uid " + vmsd.getOrDefault(slot + ".uid", "?") + ")";
      }
    }
    return null;
  }

  /** Returns the name of a lower-numbered sibling delta that no longer exists, or null. */
  private String numberingGap(LiveDisk parent, LiveDisk newer) {
    Matcher m = DELTA_NAME.matcher(newer.name());
    if (!m.matches()) {
      return null;
    }
    int number = Integer.parseInt(m.group(2));
    for (int n = 1; n < number; n++) {
      String name = "%s-%06d.vmdk".formatted(m.group(1), n);
      boolean exists = disks.stream().anyMatch(d -> d.directory().equals(parent.directory()) && d.name().equals(name));
      if (!exists && !name.equals(parent.name())) {
        return name;
      }
    }
    return null;
  }

  private static String baseName(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  static String stem(String name) {
    return name.endsWith(".vmdk") ? name.substring(0, name.length() - 5) : name;
  }
}
