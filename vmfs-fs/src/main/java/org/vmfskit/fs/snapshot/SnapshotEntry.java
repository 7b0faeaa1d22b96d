package org.vmfskit.fs.snapshot;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.List;
import java.util.Optional;

/**
 * One {@code snapshotN.*} block of a {@code .vmsd}.
 *
 * <pre>
 * key                          type    meaning
 * snapshotN.uid                int     unique id, 1..2^31-1, never reused
 * snapshotN.parent             int     parent snapshot's uid; absent for a root
 * snapshotN.filename           string  the .vmsn checkpoint file
 * snapshotN.displayName        string  name shown to users
 * snapshotN.description        string  user text
 * snapshotN.type               int     opaque; vmfskit writes "1"
 * snapshotN.createTimeHigh     int32   upper half of µs since 1970-01-01 UTC
 * snapshotN.createTimeLow      int32   lower half (often negative): us = (high &lt;&lt; 32) + (low &amp; 0xffffffff)
 * snapshotN.numDisks           int     number of diskM entries
 * snapshotN.diskM.fileName     string  the leaf that was live when the snapshot was taken, frozen since
 * snapshotN.diskM.node         string  controller slot, e.g. scsi0:0
 * snapshotN.vmfskit.digest     string  vmfskit only: "sha256:" + hex over the frozen disks and memory
 * snapshotN.vmfskit.memory     bool    vmfskit only: whether the .vmsn holds memory
 * </pre>
 *
 * @param uid unique id
 * @param parent the parent's uid, empty for a root
 * @param fileName the {@code .vmsn} file, relative to the VM directory
 * @param displayName the user's name for it
 * @param description the user's text
 * @param type opaque VMware type, kept as read
 * @param createTimeMicros µs since the epoch
 * @param disks the frozen disks
 * @param memory whether the checkpoint holds memory
 * @param digest {@code sha256:<hex>} of the frozen state, when recorded
 */
public record SnapshotEntry(
    int uid,
    Optional<Integer> parent,
    String fileName,
    String displayName,
    String description,
    String type,
    long createTimeMicros,
    List<SnapshotDisk> disks,
    boolean memory,
    Optional<String> digest) {

  /** One frozen disk of a snapshot. */
  public record SnapshotDisk(String node, String fileName) {}

  /** Checks the uid and copies the disk list. */
  public SnapshotEntry {
    checkArgument(uid > 0, "uid %s", uid);
    disks = List.copyOf(disks);
  }

  /** Returns the signed upper half of the creation time, as stored. */
  public int createTimeHigh() {
    return (int) (createTimeMicros >> 32);
  }

  /** Returns the signed lower half of the creation time, as stored. */
  public int createTimeLow() {
    return (int) createTimeMicros;
  }

  /** Returns a copy with another parent. */
  public SnapshotEntry withParent(Optional<Integer> newParent) {
    return new SnapshotEntry(uid, newParent, fileName, displayName, description, type, createTimeMicros, disks, memory, digest);
  }

  /** Returns a copy with other frozen disks. */
  public SnapshotEntry withDisks(List<SnapshotDisk> newDisks) {
    return new SnapshotEntry(uid, parent, fileName, displayName, description, type, createTimeMicros, newDisks, memory, digest);
  }

  /** Returns the disk at {@code node}, if the snapshot has one. */
  public Optional<SnapshotDisk> disk(String node) {
    return disks.stream().filter(d -> d.node().equalsIgnoreCase(node)).findFirst();
  }
}
