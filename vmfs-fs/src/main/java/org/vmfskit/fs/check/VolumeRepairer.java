package org.vmfskit.fs.check;

import it.unimi.dsi.fastutil.ints.Int2IntOpenHashMap;
import it.unimi.dsi.fastutil.ints.IntOpenHashSet;
import java.io.IOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Lock;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.format.DirEntry;
import org.vmfskit.fs.format.FileDescriptor;
import org.vmfskit.fs.format.FileDescriptorAddr;
import org.vmfskit.fs.format.FileType;
import org.vmfskit.fs.format.VmfsFormatException;
import org.vmfskit.fs.volume.MetadataTransaction;
import org.vmfskit.fs.volume.ResourceKind;
import org.vmfskit.fs.volume.Volume;

/**
 * Repairs what a crash can leave behind and what is safe to repair, reporting every change:
 * duplicate directory entries (an interrupted compaction or cross-directory rename), unnamed FDs
 * (an interrupted create or delete: empty ones are freed, ones holding data are reconnected in
 * {@code /lost+found}, never deleted), directory link counts, leaked FDs, blocks, sub-blocks and
 * MAPs, and cluster headers whose counters disagree with their bitmaps.
 *
 * <p>It does not touch damage it cannot undo safely (references to free resources, resources
 * used twice, undecodable structures): those stay in the report of the next check. Nor does it
 * touch what it does not fully understand: an FD the checker could not make sense of is never
 * freed, moved or relinked, the link count of a directory naming one is left as it is (it may be a
 * directory of a kind vmfskit does not know), and while any exists no leaked resource is freed (it
 * may be what that FD uses). Each such refusal is reported.
 */
public final class VolumeRepairer {

  /** The directory unnamed FDs that hold data are reconnected in. */
  public static final String LOST_AND_FOUND = "/lost+found";

  /**
   * What a repair did.
   *
   * @param before the check the repair started from
   * @param changes one line per change made, in order
   * @param refused one line per repair not made because it would touch a structure vmfskit does not fully understand
   */
  public record RepairReport(CheckReport before, List<String> changes, List<String> refused) {
    /** Copies the lists. */
    public RepairReport {
      changes = List.copyOf(changes);
      refused = List.copyOf(refused);
    }
  }

  private final Vmfs vmfs;
  private final Volume volume;
  private final List<String> changes = new ArrayList<>();
  private final List<String> refused = new ArrayList<>();
  private final IntOpenHashSet notUnderstood;

  private VolumeRepairer(Vmfs vmfs, IntOpenHashSet notUnderstood) {
    this.vmfs = vmfs;
    this.volume = vmfs.volume();
    this.notUnderstood = notUnderstood;
  }

  /** Checks the volume, repairs what is safe to repair and returns the changes made. */
  public static RepairReport repair(Vmfs vmfs) throws IOException {
    if (vmfs.version() == org.vmfskit.fs.volume.VmfsVersion.VMFS6) {
      throw new org.vmfskit.fs.format.UnsupportedFormatException("Vmfs", -1, "repairing VMFS6 volumes is not implemented yet (vmfskit checks VMFS5 and VMFS3)");
    }
    VolumeChecker first = VolumeChecker.analyze(vmfs);
    CheckReport before = first.report();
    if (before.isClean()) {
      return new RepairReport(before, List.of(), List.of());
    }
    VolumeRepairer repairer = new VolumeRepairer(vmfs, first.notUnderstood());
    repairer.removeDuplicateEntries();
    repairer.fixParents();
    repairer.reconnectOrFreeUnnamed(VolumeChecker.analyze(vmfs));
    repairer.fixDirectoryLinks(VolumeChecker.analyze(vmfs));
    repairer.freeLeaks(VolumeChecker.analyze(vmfs));
    repairer.rewriteCounters(before);
    vmfs.flush();
    return new RepairReport(before, repairer.changes, repairer.refused);
  }

  /**
   * Removes every entry that repeats an FD already named elsewhere (keeping, for a directory,
   * the entry in the directory its ".." points to) and every second entry of the same name.
   */
  private void removeDuplicateEntries() throws IOException {
    Map<Integer, List<Ref>> refs = new HashMap<>();
    List<FileDescriptorAddr> dirs = new ArrayList<>();
    collect(FileDescriptorAddr.ROOT, dirs, refs);
    for (List<Ref> named : refs.values()) {
      if (named.size() < 2) {
        continue;
      }
      Ref keep = named.getFirst();
      FileDescriptorAddr target = FileDescriptorAddr.decodeFd(keep.entry().rawAddress(), "DirEntry", -1);
      FileDescriptor fd = readLiveFd(target);
      if (fd == null) {
        continue;
      }
      if (notUnderstood.contains(target.raw())) {
        refused.add("kept the " + named.size() + " entries naming FD " + target + ", which vmfskit does not fully understand");
        continue;
      }
      if (VolumeChecker.isWalkedDirectory(fd)) {
        FileDescriptorAddr parent = dotdotOf(target);
        for (Ref ref : named) {
          if (ref.directory().equals(parent)) {
            keep = ref;
          }
        }
      } else if (fd.nlink() >= named.size()) {
        continue; // hard links the FD counts
      }
      for (Ref ref : named) {
        if (ref != keep) {
          removeEntry(ref, "it repeats the entry \"" + keep.entry().name() + "\" in directory " + keep.directory());
        }
      }
    }
  }

  /** Points each directory's ".." at the one directory that names it (an interrupted move). */
  private void fixParents() throws IOException {
    Map<Integer, List<Ref>> refs = new HashMap<>();
    collect(FileDescriptorAddr.ROOT, new ArrayList<>(), refs);
    for (List<Ref> named : refs.values()) {
      Ref ref = named.getFirst();
      if (named.size() != 1 || !namesDirectory(ref.entry())) {
        continue;
      }
      FileDescriptorAddr dir = FileDescriptorAddr.decodeFd(ref.entry().rawAddress(), "DirEntry", -1);
      if (notUnderstood.contains(dir.raw())) {
        continue;
      }
      FileDescriptorAddr parent = dotdotOf(dir);
      if (parent != null && !parent.equals(ref.directory())) {
        vmfs.setParent(dir, ref.directory());
        changes.add("pointed \"..\" of directory " + dir + " (\"" + ref.entry().name() + "\") at " + ref.directory() + ", the directory that names it, instead of " + parent);
      }
    }
  }

  /** One directory entry naming an FD. */
  private record Ref(FileDescriptorAddr directory, DirEntry entry) {}

  private void collect(FileDescriptorAddr root, List<FileDescriptorAddr> dirs, Map<Integer, List<Ref>> refs) throws IOException {
    IntOpenHashSet visited = new IntOpenHashSet();
    List<FileDescriptorAddr> queue = new ArrayList<>(List.of(root));
    while (!queue.isEmpty()) {
      FileDescriptorAddr dir = queue.removeLast();
      if (!visited.add(dir.raw())) {
        continue;
      }
      dirs.add(dir);
      List<DirEntry> slots;
      try {
        slots = vmfs.slots(dir);
      } catch (VmfsFormatException e) {
        continue;
      }
      for (DirEntry entry : slots) {
        if (entry == null || entry.name().equals(".") || entry.name().equals("..")) {
          continue;
        }
        refs.computeIfAbsent(entry.rawAddress(), _ -> new ArrayList<>()).add(new Ref(dir, entry));
        if (namesDirectory(entry)) {
          queue.add(FileDescriptorAddr.decodeFd(entry.rawAddress(), "DirEntry", -1));
        }
      }
    }
  }

  /** Returns whether an entry names a live directory, by its FD (a system directory such as .sdd.sf included). */
  private boolean namesDirectory(DirEntry entry) throws IOException {
    if (entry.type() != FileType.DIRECTORY && entry.type() != FileType.SYSTEM) {
      return false;
    }
    FileDescriptor fd = readLiveFd(FileDescriptorAddr.decodeFd(entry.rawAddress(), "DirEntry", -1));
    return fd != null && VolumeChecker.isWalkedDirectory(fd);
  }

  private FileDescriptorAddr dotdotOf(FileDescriptorAddr dir) throws IOException {
    for (DirEntry entry : vmfs.slots(dir)) {
      if (entry != null && entry.name().equals("..")) {
        return FileDescriptorAddr.decodeFd(entry.rawAddress(), "DirEntry", -1);
      }
    }
    return null;
  }

  private void removeEntry(Ref ref, String why) throws IOException {
    List<DirEntry> slots = vmfs.slots(ref.directory());
    for (int i = slots.size() - 1; i >= 0; i--) {
      if (ref.entry().equals(slots.get(i))) {
        vmfs.removeEntryAt(ref.directory(), i);
        changes.add("removed entry \"" + ref.entry().name() + "\" (FD " + Integer.toHexString(ref.entry().rawAddress()) + ") from directory "
            + ref.directory() + ": " + why);
        return;
      }
    }
  }

  private FileDescriptor readLiveFd(FileDescriptorAddr address) throws IOException {
    try {
      return volume.readFd(address);
    } catch (VmfsFormatException e) {
      return null;
    }
  }

  /** Frees unnamed FDs that hold nothing; reconnects the others in lost+found. */
  private void reconnectOrFreeUnnamed(VolumeChecker analysis) throws IOException {
    Int2IntOpenHashMap references = analysis.references();
    for (int raw : analysis.liveAddresses().toIntArray()) {
      if (references.get(raw) > 0) {
        continue;
      }
      FileDescriptorAddr address = FileDescriptorAddr.decodeFd(raw, "FD", -1);
      FileDescriptor fd = readLiveFd(address);
      if (fd == null || fd.type() == FileType.SYSTEM || address.equals(FileDescriptorAddr.ROOT)) {
        continue;
      }
      if (notUnderstood.contains(raw)) {
        refused.add("left FD " + address + ", which no directory names, as it is: vmfskit does not fully understand it");
        continue;
      }
      if (holdsNothing(address, fd)) {
        vmfs.releaseUnnamed(address);
        changes.add("freed FD " + address + " (" + fd.type() + ", " + fd.size() + " bytes): no directory names it and it holds no data");
      } else {
        if (!vmfs.exists(LOST_AND_FOUND)) {
          vmfs.mkdir(LOST_AND_FOUND);
          changes.add("created " + LOST_AND_FOUND);
        }
        String name = "#" + Integer.toHexString(raw);
        vmfs.link(address, LOST_AND_FOUND, name);
        changes.add("reconnected FD " + address + " (" + fd.type() + ", " + fd.size() + " bytes), which no directory named, as " + LOST_AND_FOUND + "/" + name);
      }
    }
  }

  /** Returns whether an FD holds no user data: an empty file or link, or a directory of dots. */
  static boolean holdsNothing(Vmfs vmfs, FileDescriptorAddr address, FileDescriptor fd) throws IOException {
    if (fd.type() == FileType.DIRECTORY) {
      try {
        return vmfs.entries(address).size() <= 2;
      } catch (VmfsFormatException e) {
        return false;
      }
    }
    return fd.size() == 0;
  }

  private boolean holdsNothing(FileDescriptorAddr address, FileDescriptor fd) throws IOException {
    return holdsNothing(vmfs, address, fd);
  }

  /** Sets each directory's link count to 2 plus its subdirectories. */
  private void fixDirectoryLinks(VolumeChecker analysis) throws IOException {
    for (int raw : analysis.liveAddresses().toIntArray()) {
      FileDescriptorAddr address = FileDescriptorAddr.decodeFd(raw, "FD", -1);
      FileDescriptor fd = readLiveFd(address);
      if (fd == null || !VolumeChecker.isWalkedDirectory(fd) || analysis.references().get(raw) == 0) {
        continue;
      }
      long expected = 2 + analysis.subdirectories().get(raw);
      if (fd.nlink() != expected && (notUnderstood.contains(raw) || namesNotUnderstood(address))) {
        refused.add("kept the link count " + fd.nlink() + " of directory " + address + " (expected " + expected
            + "): it is or names an FD vmfskit does not fully understand, which may count");
      } else if (fd.nlink() != expected) {
        vmfs.setLinkCount(address, expected);
        changes.add("set the link count of directory " + address + " from " + fd.nlink() + " to " + expected);
      }
    }
  }

  private boolean namesNotUnderstood(FileDescriptorAddr directory) throws IOException {
    try {
      for (DirEntry entry : vmfs.entries(directory)) {
        if (notUnderstood.contains(entry.rawAddress())) {
          return true;
        }
      }
      return false;
    } catch (VmfsFormatException e) {
      return true;
    }
  }

  /** Frees every resource marked allocated that no live FD uses, in one transaction. */
  private void freeLeaks(VolumeChecker analysis) throws IOException {
    Lock lock = volume.lock().writeLock();
    lock.lock();
    try {
      MetadataTransaction txn = volume.begin();
      for (ResourceKind kind : ResourceKind.values()) {
        BitSet used = analysis.used(kind);
        BitSet free = volume.freeBits(kind);
        long total = volume.resourceCount(kind);
        long freed = 0;
        for (long index = 0; index < total; index++) {
          if (!free.get((int) index) && !used.get((int) index)) {
            if (notUnderstood.isEmpty()) {
              txn.free(kind, index);
            }
            freed++;
          }
        }
        if (freed > 0 && !notUnderstood.isEmpty()) {
          refused.add("kept " + freed + " leaked resource(s) in " + kind.fileName() + " allocated: " + notUnderstood.size()
              + " FD(s) vmfskit does not fully understand may be using them");
        } else if (freed > 0) {
          changes.add("freed " + freed + " leaked resource(s) in " + kind.fileName() + " (allocated, used by no live FD)");
        }
      }
      txn.commit();
    } finally {
      volume.afterCommit();
      lock.unlock();
    }
  }

  /** Rewrites the cluster headers of each kind whose counters disagreed with the bitmap. */
  private void rewriteCounters(CheckReport before) throws IOException {
    Lock lock = volume.lock().writeLock();
    lock.lock();
    try {
      for (ResourceKind kind : ResourceKind.values()) {
        if (!volume.bitmapFindings(kind).isEmpty()) {
          long n = volume.rewriteClusterHeaders(kind);
          changes.add("rewrote " + n + " cluster header(s) of " + kind.fileName() + " from their bitmaps (" + volume.bitmapFindings(kind).size() + " counter(s) wrong)");
        }
      }
    } finally {
      lock.unlock();
    }
  }
}
