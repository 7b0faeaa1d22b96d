package org.vmfskit.fs.snapshot;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.ResourceLimitException;

/**
 * The snapshot database, {@code NAME.vmsd}: the tree of snapshots and where the running state
 * is. The file is empty (0 bytes) while there is no snapshot.
 *
 * <pre>
 * key                          meaning
 * .encoding                    "UTF-8"
 * snapshot.lastUID             highest uid handed out; the next is lastUID + 1
 * snapshot.current             uid the running state descends from ("you are here"); absent when none
 * snapshot.numSnapshots        number of snapshotN blocks (N is a slot, 0..numSnapshots-1)
 * snapshot.needConsolidate     "TRUE" when the chain and this file disagree
 * snapshotN.*                  one {@link SnapshotEntry} per slot
 * </pre>
 *
 * @param lastUid highest uid handed out
 * @param current the "you are here" uid
 * @param needConsolidate whether consolidation is pending
 * @param snapshots the entries, in slot order
 */
public record SnapshotTree(int lastUid, Optional<Integer> current, boolean needConsolidate, List<SnapshotEntry> snapshots) {

  /** The most snapshots read from one file (VMware allows 32 per chain; trees may hold more). */
  public static final int MAX_SNAPSHOTS = 4096;
  /** The most disks per snapshot. */
  public static final int MAX_DISKS = 256;

  /** Copies the list. */
  public SnapshotTree {
    snapshots = List.copyOf(snapshots);
  }

  /** Returns the tree of a VM without snapshots. */
  public static SnapshotTree empty() {
    return new SnapshotTree(0, Optional.empty(), false, List.of());
  }

  /** Parses a {@code .vmsd}; an empty file is an empty tree. */
  public static SnapshotTree parse(byte[] raw, String path) throws CorruptStructureException, ResourceLimitException {
    String structure = "SnapshotTree in " + path;
    VmxDictionary d = VmxDictionary.parse(raw, structure);
    if (d.entries().isEmpty()) {
      return empty();
    }
    int count = intValue(d, structure, "snapshot.numSnapshots", 0, MAX_SNAPSHOTS, 0);
    int lastUid = intValue(d, structure, "snapshot.lastUID", 0, Integer.MAX_VALUE, 0);
    Optional<Integer> current = d.get("snapshot.current").isPresent()
        ? Optional.of(intValue(d, structure, "snapshot.current", 1, Integer.MAX_VALUE, 0)) : Optional.empty();
    boolean consolidate = d.get("snapshot.needConsolidate").orElse("FALSE").equalsIgnoreCase("TRUE");
    List<SnapshotEntry> entries = new ArrayList<>();
    Set<Integer> uids = new HashSet<>();
    for (int n = 0; n < count; n++) {
      SnapshotEntry entry = entry(d, structure, "snapshot" + n + ".");
      if (!uids.add(entry.uid())) {
        throw new CorruptStructureException(structure, 0, "snapshot" + n + ".uid", "duplicate uid", "unique", entry.uid());
      }
      if (entry.uid() > lastUid) {
        throw new CorruptStructureException(structure, 0, "snapshot" + n + ".uid", "uid above snapshot.lastUID", "<= " + lastUid, entry.uid());
      }
      entries.add(entry);
    }
    for (SnapshotEntry entry : entries) {
      if (entry.parent().isPresent() && !uids.contains(entry.parent().get())) {
        throw new CorruptStructureException(structure, 0, "parent", "parent uid of snapshot " + entry.uid() + " not in the file", "a listed uid", entry.parent().get());
      }
    }
    if (current.isPresent() && !uids.contains(current.get())) {
      throw new CorruptStructureException(structure, 0, "snapshot.current", "current uid not in the file", "a listed uid", current.get());
    }
    SnapshotTree tree = new SnapshotTree(lastUid, current, consolidate, entries);
    tree.checkAcyclic(structure);
    return tree;
  }

  private static SnapshotEntry entry(VmxDictionary d, String structure, String p) throws CorruptStructureException {
    int uid = intValue(d, structure, p + "uid", 1, Integer.MAX_VALUE, -1);
    Optional<Integer> parent = d.get(p + "parent").isPresent()
        ? Optional.of(intValue(d, structure, p + "parent", 1, Integer.MAX_VALUE, 0)) : Optional.empty();
    int numDisks = intValue(d, structure, p + "numDisks", 0, MAX_DISKS, 0);
    List<SnapshotEntry.SnapshotDisk> disks = new ArrayList<>();
    for (int m = 0; m < numDisks; m++) {
      disks.add(new SnapshotEntry.SnapshotDisk(required(d, structure, p + "disk" + m + ".node"),
          required(d, structure, p + "disk" + m + ".fileName")));
    }
    long high = intValue(d, structure, p + "createTimeHigh", Integer.MIN_VALUE, Integer.MAX_VALUE, 0);
    long low = intValue(d, structure, p + "createTimeLow", Integer.MIN_VALUE, Integer.MAX_VALUE, 0);
    return new SnapshotEntry(uid, parent, required(d, structure, p + "filename"), d.get(p + "displayName").orElse(""),
        d.get(p + "description").orElse(""), d.get(p + "type").orElse("1"), (high << 32) + (low & 0xFFFFFFFFL), disks,
        d.get(p + "vmfskit.memory").orElse("FALSE").equalsIgnoreCase("TRUE"), d.get(p + "vmfskit.digest"));
  }

  private static String required(VmxDictionary d, String structure, String key) throws CorruptStructureException {
    return d.get(key).orElseThrow(() -> new CorruptStructureException(structure, 0, key, "missing key " + key, "present", "absent"));
  }

  private static int intValue(VmxDictionary d, String structure, String key, long min, long max, int missing)
      throws CorruptStructureException {
    Optional<String> text = d.get(key);
    if (text.isEmpty()) {
      if (missing < 0) {
        throw new CorruptStructureException(structure, 0, key, "missing key " + key, "present", "absent");
      }
      return missing;
    }
    try {
      long value = Long.parseLong(text.get());
      if (value < min || value > max) {
        throw new NumberFormatException();
      }
      return (int) value;
    } catch (NumberFormatException e) {
      throw new CorruptStructureException(structure, 0, key, key + " out of range", min + ".." + max, text.get());
    }
  }

  /** Walks every entry's parent links with a bound, failing on a loop. */
  private void checkAcyclic(String structure) throws CorruptStructureException {
    for (SnapshotEntry entry : snapshots) {
      ancestors(entry.uid(), structure);
    }
  }

  /** Returns {@code uid} and its ancestors, nearest first (a bounded walk that fails on a loop). */
  public List<SnapshotEntry> ancestors(int uid) {
    try {
      return ancestors(uid, "SnapshotTree");
    } catch (CorruptStructureException e) {
      throw new IllegalStateException(e);
    }
  }

  private List<SnapshotEntry> ancestors(int uid, String structure) throws CorruptStructureException {
    List<SnapshotEntry> out = new ArrayList<>();
    Set<Integer> seen = new HashSet<>();
    Optional<SnapshotEntry> at = find(uid);
    while (at.isPresent()) {
      if (!seen.add(at.get().uid()) || out.size() > snapshots.size()) {
        throw new CorruptStructureException(structure, 0, "parent", "snapshot parents form a loop", "a tree", "a loop through uid " + at.get().uid());
      }
      out.add(at.get());
      at = at.get().parent().flatMap(this::find);
    }
    return out;
  }

  /** Returns the entry with {@code uid}. */
  public Optional<SnapshotEntry> find(int uid) {
    return snapshots.stream().filter(s -> s.uid() == uid).findFirst();
  }

  /** Returns the entries whose display name is {@code name}. */
  public List<SnapshotEntry> named(String name) {
    return snapshots.stream().filter(s -> s.displayName().equals(name)).toList();
  }

  /** Returns the direct children of {@code uid}. */
  public List<SnapshotEntry> children(int uid) {
    return snapshots.stream().filter(s -> s.parent().isPresent() && s.parent().get() == uid).toList();
  }

  /** Returns a copy with {@code entry} added or replaced (by uid). */
  public SnapshotTree with(SnapshotEntry entry) {
    List<SnapshotEntry> out = new ArrayList<>(snapshots);
    for (int i = 0; i < out.size(); i++) {
      if (out.get(i).uid() == entry.uid()) {
        out.set(i, entry);
        return new SnapshotTree(Math.max(lastUid, entry.uid()), current, needConsolidate, out);
      }
    }
    out.add(entry);
    return new SnapshotTree(Math.max(lastUid, entry.uid()), current, needConsolidate, out);
  }

  /** Returns a copy without the entry {@code uid}. */
  public SnapshotTree without(int uid) {
    return new SnapshotTree(lastUid, current, needConsolidate, snapshots.stream().filter(s -> s.uid() != uid).toList());
  }

  /** Returns a copy with another current uid. */
  public SnapshotTree withCurrent(Optional<Integer> uid) {
    return new SnapshotTree(lastUid, uid, needConsolidate, snapshots);
  }

  /** Returns a copy with the consolidation flag set or cleared. */
  public SnapshotTree withNeedConsolidate(boolean flag) {
    return new SnapshotTree(lastUid, current, flag, snapshots);
  }

  /**
   * Returns the file's text; empty (0 bytes) only before the first snapshot. Once uids were
   * handed out, {@code snapshot.lastUID} stays so that uids are never reused.
   */
  public byte[] toBytes() {
    if (snapshots.isEmpty() && !needConsolidate && lastUid == 0) {
      return new byte[0];
    }
    List<VmxDictionary.Entry> d = new ArrayList<>();
    add(d, ".encoding", "UTF-8");
    add(d, "snapshot.lastUID", Integer.toString(lastUid));
    current.ifPresent(uid -> add(d, "snapshot.current", uid.toString()));
    add(d, "snapshot.numSnapshots", Integer.toString(snapshots.size()));
    if (needConsolidate) {
      add(d, "snapshot.needConsolidate", "TRUE");
    }
    for (int n = 0; n < snapshots.size(); n++) {
      SnapshotEntry s = snapshots.get(n);
      String p = "snapshot" + n + ".";
      add(d, p + "uid", Integer.toString(s.uid()));
      s.parent().ifPresent(parent -> add(d, p + "parent", parent.toString()));
      add(d, p + "filename", s.fileName());
      add(d, p + "displayName", s.displayName());
      add(d, p + "description", s.description());
      add(d, p + "type", s.type());
      add(d, p + "createTimeHigh", Integer.toString(s.createTimeHigh()));
      add(d, p + "createTimeLow", Integer.toString(s.createTimeLow()));
      add(d, p + "numDisks", Integer.toString(s.disks().size()));
      for (int m = 0; m < s.disks().size(); m++) {
        add(d, p + "disk" + m + ".fileName", s.disks().get(m).fileName());
        add(d, p + "disk" + m + ".node", s.disks().get(m).node());
      }
      add(d, p + "vmfskit.memory", s.memory() ? "TRUE" : "FALSE");
      s.digest().ifPresent(digest -> add(d, p + "vmfskit.digest", digest));
    }
    return new VmxDictionary("SnapshotTree", d).toBytes();
  }

  private static void add(List<VmxDictionary.Entry> entries, String key, String value) {
    entries.add(new VmxDictionary.Entry(key, value));
  }
}
