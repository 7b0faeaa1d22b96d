package org.vmfskit.fs.check;

import it.unimi.dsi.fastutil.ints.Int2IntOpenHashMap;
import it.unimi.dsi.fastutil.ints.IntOpenHashSet;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.format.AddressingMode;
import org.vmfskit.fs.format.BlockAddress;
import org.vmfskit.fs.format.DirEntry;
import org.vmfskit.fs.format.FileBlockAddr;
import org.vmfskit.fs.format.FileDescriptor;
import org.vmfskit.fs.format.FileDescriptorAddr;
import org.vmfskit.fs.format.FileType;
import org.vmfskit.fs.format.VmfsFormatException;
import org.vmfskit.fs.volume.ResourceKind;
import org.vmfskit.fs.volume.Volume;

/**
 * Checks a volume the way fsck.vmfs does, and more strictly: every live FD's blocks, sub-blocks
 * and MAPs against the bitmaps (used but free, lost, used twice), the directory tree from the root
 * ("." and "..", entries naming live FDs of the right type, link counts, orphaned FDs), and the
 * cluster headers' counters. Only reads.
 *
 * <p>Files are typed by their FD, never by their name: a system file whose mode says S_IFDIR (ESXi's
 * {@code .sdd.sf}) is a directory, walked and counted in its parent's link count like any other.
 * An FD it does not fully understand (an unknown system file, type bits in its mode that contradict
 * its type, an addressing mode it cannot follow) is reported and remembered, so that the repairer
 * leaves it, and every count it could be part of, alone.
 */
public final class VolumeChecker {

  private static final int MAX_PROBLEMS = 10_000;
  /** Mode type bits of regular files and symbolic links (ESX stores them; directories may have none). */
  private static final long S_IFREG = 0100000;
  private static final long S_IFLNK = 0120000;

  private final Vmfs vmfs;
  private final Volume volume;
  private final List<Problem> problems = new ArrayList<>();
  private final BitSet usedBlocks = new BitSet();
  private final BitSet usedPointerBlocks = new BitSet();
  private final BitSet usedSubBlocks = new BitSet();
  private final Int2IntOpenHashMap references = new Int2IntOpenHashMap();
  private final Int2IntOpenHashMap subdirectories = new Int2IntOpenHashMap();
  private final BitSet liveDescriptors = new BitSet();
  private IntOpenHashSet liveAddresses = new IntOpenHashSet();
  private final IntOpenHashSet notUnderstood = new IntOpenHashSet();
  private long liveFiles;

  private VolumeChecker(Vmfs vmfs) {
    this.vmfs = vmfs;
    this.volume = vmfs.volume();
  }

  /** Checks the volume and returns what it found. */
  public static CheckReport check(Vmfs vmfs) throws IOException {
    if (vmfs.version() == org.vmfskit.fs.volume.VmfsVersion.VMFS6) {
      throw new org.vmfskit.fs.format.UnsupportedFormatException("Vmfs", -1, "checking VMFS6 volumes is not implemented yet (vmfskit checks VMFS5 and VMFS3)");
    }
    return analyze(vmfs).report();
  }

  /** Runs the checks and keeps what they saw, for the repairer. */
  static VolumeChecker analyze(Vmfs vmfs) throws IOException {
    VolumeChecker checker = new VolumeChecker(vmfs);
    var lock = vmfs.lock().readLock();
    lock.lock();
    try {
      checker.run();
    } finally {
      lock.unlock();
    }
    return checker;
  }

  CheckReport report() {
    return new CheckReport(problems, liveFiles, usedBlocks.cardinality(), usedPointerBlocks.cardinality(), usedSubBlocks.cardinality());
  }

  /** Returns the resources of {@code kind} that live FDs use (FDs: the live ones). */
  BitSet used(ResourceKind kind) {
    return switch (kind) {
      case FILE_BLOCK -> usedBlocks;
      case POINTER_BLOCK -> usedPointerBlocks;
      case SUB_BLOCK -> usedSubBlocks;
      case FILE_DESCRIPTOR -> liveDescriptors;
    };
  }

  /** Returns how many directory entries name each live FD (raw address to count). */
  Int2IntOpenHashMap references() {
    return references;
  }

  /** Returns the number of subdirectories of each directory (raw address to count). */
  Int2IntOpenHashMap subdirectories() {
    return subdirectories;
  }

  /** Returns the raw addresses of the live FDs that vmfskit does not fully understand (never to be repaired). */
  IntOpenHashSet notUnderstood() {
    return notUnderstood;
  }

  /** Returns the raw addresses of the live FDs. */
  IntOpenHashSet liveAddresses() {
    return liveAddresses;
  }

  private void run() throws IOException {
    for (ResourceKind kind : ResourceKind.values()) {
      for (String finding : volume.bitmapFindings(kind)) {
        add(Problem.Kind.BITMAP_COUNTER, -1, finding);
      }
    }
    IntOpenHashSet live = scanDescriptors();
    liveAddresses = live;
    walkTree(live);
    compareBitmap(ResourceKind.FILE_BLOCK, usedBlocks, "file block");
    compareBitmap(ResourceKind.POINTER_BLOCK, usedPointerBlocks, "pointer block");
    compareBitmap(ResourceKind.SUB_BLOCK, usedSubBlocks, "sub-block");
  }

  private void add(Problem.Kind kind, long offset, String message) {
    if (problems.size() < MAX_PROBLEMS) {
      problems.add(new Problem(kind, offset, message));
    }
  }

  /** Reads every FD slot, checks the FDC bitmap, and records each live FD's resources. */
  private IntOpenHashSet scanDescriptors() throws IOException {
    IntOpenHashSet live = new IntOpenHashSet();
    long count = volume.fdCount();
    for (long index = 0; index < count; index++) {
      FileDescriptorAddr address = volume.fdAddressOf(index);
      long offset = volume.fdDeviceOffset(address);
      ByteBuffer slot = volume.readFdSlot(address);
      boolean isLive = FileDescriptor.isLiveSlot(slot, 0);
      boolean free = volume.isFree(ResourceKind.FILE_DESCRIPTOR, index);
      if (isLive && free) {
        add(Problem.Kind.USED_BUT_FREE, offset, "FD " + address + " is live but free in .fdc.sf");
      } else if (!isLive && !free) {
        add(Problem.Kind.LOST, offset, "FD " + address + " is allocated in .fdc.sf but not live (nlink 0 or no FD magic)");
      }
      if (!isLive) {
        continue;
      }
      try {
        FileDescriptor fd = FileDescriptor.decode(slot, 0, offset, address.raw());
        live.add(address.raw());
        liveDescriptors.set((int) index);
        liveFiles++;
        String unknown = unknownAbout(address, fd);
        if (unknown != null) {
          notUnderstood.add(address.raw());
          add(Problem.Kind.CORRUPT, offset, "FD " + address + " " + unknown + ": vmfskit does not fully understand it, so it reports it and never repairs it");
        }
        collect(address, fd, offset);
      } catch (VmfsFormatException e) {
        add(Problem.Kind.CORRUPT, e.deviceOffset(), e.getMessage());
      }
    }
    return live;
  }

  /** Records the resources of one FD, following its block map to the end. */
  private void collect(FileDescriptorAddr address, FileDescriptor fd, long fdOffset) throws IOException {
    String who = "FD " + address;
    int perMap = volume.geometry().addressesPerMap();
    for (int s = 0; s < FileDescriptor.ADDRESS_SLOTS; s++) {
      int raw = fd.address(s);
      long where = fdOffset + FileDescriptor.DATA_OFFSET + 4L * s;
      if (raw == 0 || fd.zla() == AddressingMode.RESIDENT || fd.zla() == AddressingMode.EMPTY) {
        continue;
      }
      switch (fd.zla()) {
        case FILE_BLOCKS -> useData(raw, BlockAddress.TYPE_FB, who, where);
        case SUB_BLOCKS -> useData(raw, BlockAddress.TYPE_SB, who, where);
        case POINTER_BLOCKS -> usePointerBlock(raw, 1, who, where, perMap);
        case DOUBLE_INDIRECT -> usePointerBlock(raw, 2, who, where, perMap);
        case POINTER_BLOCKS_2 -> {
          notUnderstood.add(address.raw());
          add(Problem.Kind.CORRUPT, fdOffset, who + " uses addressing mode 5, which vmfskit cannot check");
        }
        case RESIDENT, EMPTY -> { }
      }
    }
  }

  /**
   * Returns what vmfskit does not understand about a live FD, or null: a volume-type FD, a system
   * file outside the fixed system slots (cluster 0, resources 1 to 8), or mode type bits that
   * contradict the FD type.
   */
  private static String unknownAbout(FileDescriptorAddr address, FileDescriptor fd) {
    long bits = fd.mode() & FileDescriptor.S_IFMT;
    boolean bitsAgree = bits == 0 || switch (fd.type()) {
      case DIRECTORY -> bits == FileDescriptor.S_IFDIR;
      case REGULAR, RDM -> bits == S_IFREG;
      case SYMLINK -> bits == S_IFLNK;
      case SYSTEM -> bits == S_IFREG || bits == FileDescriptor.S_IFDIR;
      case VOLUME -> false;
    };
    if (fd.type() == FileType.VOLUME) {
      return "has type 1 (volume), whose use is unknown";
    }
    if (fd.type() == FileType.SYSTEM && (address.cluster() != 0 || address.resource() < 1 || address.resource() > 8)) {
      return "is a system file outside the fixed system slots";
    }
    if (!bitsAgree) {
      return "has mode 0" + Long.toOctalString(fd.mode()) + ", whose type bits contradict its type " + fd.type();
    }
    return null;
  }

  private void usePointerBlock(int raw, int levels, String who, long where, int perMap) throws IOException {
    if (BlockAddress.typeOf(raw) != BlockAddress.TYPE_PB) {
      add(Problem.Kind.CORRUPT, where, who + ": expected a pointer block, found " + BlockAddress.describe(raw));
      return;
    }
    long index;
    int[] entries;
    long mapOffset;
    try {
      index = volume.pointerBlockIndex(raw, who, where);
      mapOffset = volume.pointerBlockDeviceOffset(raw, who, where);
      entries = volume.readPointerBlock(raw, who, where);
    } catch (VmfsFormatException e) {
      add(Problem.Kind.CORRUPT, where, e.getMessage());
      return;
    }
    if (usedPointerBlocks.get((int) index)) {
      add(Problem.Kind.MULTIPLY_USED, where, who + ": pointer block " + BlockAddress.describe(raw) + " is used more than once");
      return;
    }
    usedPointerBlocks.set((int) index);
    if (volume.isFree(ResourceKind.POINTER_BLOCK, index)) {
      add(Problem.Kind.USED_BUT_FREE, where, who + ": pointer block " + BlockAddress.describe(raw) + " is free in .pbc.sf");
    }
    for (int e = 0; e < perMap; e++) {
      if (entries[e] == 0) {
        continue;
      }
      long entryOffset = mapOffset + 4L * e;
      if (levels > 1) {
        usePointerBlock(entries[e], levels - 1, who, entryOffset, perMap);
      } else {
        useData(entries[e], BlockAddress.TYPE_FB, who, entryOffset);
      }
    }
  }

  private void useData(int raw, int expectedType, String who, long where) throws IOException {
    if (BlockAddress.typeOf(raw) != expectedType) {
      add(Problem.Kind.CORRUPT, where, who + ": expected " + (expectedType == BlockAddress.TYPE_FB ? "a file block" : "a sub-block") + ", found " + BlockAddress.describe(raw));
      return;
    }
    if (expectedType == BlockAddress.TYPE_FB) {
      long block = FileBlockAddr.blockOf(raw);
      if (block >= volume.geometry().numBlocks()) {
        add(Problem.Kind.CORRUPT, where, who + ": file block " + block + " lies outside the volume (" + volume.geometry().numBlocks() + " blocks)");
        return;
      }
      mark(usedBlocks, block, ResourceKind.FILE_BLOCK, "file block " + block, who, where);
    } else {
      try {
        long index = volume.subBlockIndex(raw, who, where);
        mark(usedSubBlocks, index, ResourceKind.SUB_BLOCK, "sub-block " + BlockAddress.describe(raw), who, where);
      } catch (VmfsFormatException e) {
        add(Problem.Kind.CORRUPT, where, e.getMessage());
      }
    }
  }

  private void mark(BitSet used, long index, ResourceKind kind, String what, String who, long where) throws IOException {
    if (used.get((int) index)) {
      add(Problem.Kind.MULTIPLY_USED, where, who + ": " + what + " is used more than once");
      return;
    }
    used.set((int) index);
    if (volume.isFree(kind, index)) {
      add(Problem.Kind.USED_BUT_FREE, where, who + ": " + what + " is free in " + kind.fileName());
    }
  }

  /** Walks the directory tree from the root, counting references to every FD. */
  private void walkTree(IntOpenHashSet live) throws IOException {
    IntOpenHashSet visited = new IntOpenHashSet();
    List<FileDescriptorAddr[]> queue = new ArrayList<>();
    queue.add(new FileDescriptorAddr[] {FileDescriptorAddr.ROOT, FileDescriptorAddr.ROOT});
    references.addTo(FileDescriptorAddr.ROOT.raw(), 1);
    while (!queue.isEmpty()) {
      FileDescriptorAddr[] next = queue.removeLast();
      FileDescriptorAddr dir = next[0];
      FileDescriptorAddr parent = next[1];
      if (!visited.add(dir.raw())) {
        add(Problem.Kind.DIRECTORY_ERROR, -1, "directory " + dir + " is reachable twice");
        continue;
      }
      List<DirEntry> entries;
      try {
        entries = vmfs.entries(dir);
      } catch (VmfsFormatException e) {
        add(Problem.Kind.CORRUPT, e.deviceOffset(), "directory " + dir + ": " + e.getMessage());
        continue;
      }
      checkDots(dir, parent, entries);
      if (vmfs.hasStaleTail(dir)) {
        add(Problem.Kind.LOST, -1, "directory " + dir + ": its last slot repeats an earlier entry (left by an interrupted delete); the slot is leaked");
      }
      for (DirEntry entry : entries) {
        if (entry.name().equals(".") || entry.name().equals("..")) {
          continue;
        }
        FileDescriptorAddr target = FileDescriptorAddr.decodeFd(entry.rawAddress(), "DirEntry", -1);
        if (!live.contains(target.raw())) {
          add(Problem.Kind.BAD_ENTRY, -1, "directory " + dir + ": entry \"" + entry.name() + "\" names FD " + target + ", which is not live");
          continue;
        }
        FileDescriptor fd = volume.readFd(target);
        if (fd.type() != entry.type()) {
          add(Problem.Kind.BAD_ENTRY, -1, "directory " + dir + ": entry \"" + entry.name() + "\" says type " + entry.type() + " but the FD is " + fd.type());
        }
        references.addTo(target.raw(), 1);
        if (isWalkedDirectory(fd)) {
          subdirectories.addTo(dir.raw(), 1);
          queue.add(new FileDescriptorAddr[] {target, dir});
        }
      }
    }
    for (int raw : live) {
      FileDescriptorAddr address = FileDescriptorAddr.decodeFd(raw, "FD", -1);
      int count = references.get(raw);
      FileDescriptor fd = volume.readFd(address);
      if (count == 0 && !address.equals(FileDescriptorAddr.ROOT) && fd.type() != FileType.SYSTEM && VolumeRepairer.holdsNothing(vmfs, address, fd)) {
        add(Problem.Kind.LOST, volume.fdDeviceOffset(address), "FD " + address + " (" + fd.type() + ", " + fd.size()
            + " bytes) is live but no directory names it and it holds no data (an interrupted create): leaked");
      } else if (count == 0) {
        add(Problem.Kind.ORPHANED_FD, volume.fdDeviceOffset(address), "FD " + address + " (" + fd.type() + ", " + fd.size() + " bytes) is live but no directory names it");
      } else if (isWalkedDirectory(fd)) {
        long expected = 2 + subdirectories.get(raw);
        if (fd.nlink() != expected) {
          add(Problem.Kind.DIRECTORY_ERROR, volume.fdDeviceOffset(address), "directory " + address + " has nlink " + fd.nlink() + ", expected " + expected);
        }
        if (count > 1 && !address.equals(FileDescriptorAddr.ROOT)) {
          add(Problem.Kind.DIRECTORY_ERROR, volume.fdDeviceOffset(address), "directory " + address + " is named by " + count + " entries");
        }
      } else if (fd.nlink() != count) {
        add(Problem.Kind.BAD_ENTRY, volume.fdDeviceOffset(address), "FD " + address + " has nlink " + fd.nlink() + " but " + count + " entries name it");
      }
    }
  }

  /**
   * Returns whether {@code fd} is a directory with entries to walk and a link count of 2 plus its
   * subdirectories. A system directory of size 0 is not: vmfskit before issue 11 wrote
   * {@code .sdd.sf} so (type 5, S_IFDIR, nlink 1, no block, no "." or ".."), and images made then
   * must still check clean; it is counted as a file (nlink = its entries), and not in its parent's
   * link count.
   */
  static boolean isWalkedDirectory(FileDescriptor fd) {
    return fd.isDirectory() && !(fd.type() == FileType.SYSTEM && fd.size() == 0);
  }

  private void checkDots(FileDescriptorAddr dir, FileDescriptorAddr parent, List<DirEntry> entries) {
    int dots = 0;
    int dotdots = 0;
    for (DirEntry entry : entries) {
      if (entry.name().equals(".")) {
        dots++;
        if (entry.rawAddress() != dir.raw()) {
          add(Problem.Kind.DIRECTORY_ERROR, -1, "directory " + dir + ": \".\" points to " + BlockAddress.describe(entry.rawAddress()));
        }
      } else if (entry.name().equals("..")) {
        dotdots++;
        if (entry.rawAddress() != parent.raw()) {
          add(Problem.Kind.DIRECTORY_ERROR, -1, "directory " + dir + ": \"..\" points to " + BlockAddress.describe(entry.rawAddress()) + ", expected " + parent);
        }
      }
    }
    if (dots != 1 || dotdots != 1) {
      add(Problem.Kind.DIRECTORY_ERROR, -1, "directory " + dir + " has " + dots + " \".\" and " + dotdots + " \"..\" entries (expected one each)");
    }
  }

  /** Reports resources marked allocated that no FD uses. */
  private void compareBitmap(ResourceKind kind, BitSet used, String what) throws IOException {
    BitSet free = volume.freeBits(kind);
    long total = volume.resourceCount(kind);
    for (long index = 0; index < total; index++) {
      if (!free.get((int) index) && !used.get((int) index)) {
        add(Problem.Kind.LOST, -1, what + " " + index + " is allocated in " + kind.fileName() + " but no file uses it");
      }
    }
  }
}
