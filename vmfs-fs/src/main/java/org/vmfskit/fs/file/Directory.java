package org.vmfskit.fs.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.DirEntry;

/**
 * The entries of one directory, packed 140 bytes each from offset 0 of the directory's content.
 * Slots whose address is 0 (left by other writers) are kept in the slot list but skipped by
 * lookups; vmfskit itself keeps directories compact, because vmfs-tools shows such slots.
 */
final class Directory implements DirectoryView {

  /** Largest directory content read: about 480,000 entries. */
  static final long MAX_BYTES = 64L << 20;

  /** One slot: its index and its entry, or null when deleted. */
  record Slot(int index, DirEntry entry) {}

  private final Vmfs5File file;
  private final List<Slot> slots;
  // A last slot repeating an earlier one is what a cut between the two steps of remove() leaves
  // (the last entry copied into the gap, the directory not yet shrunk): it is not a second name.
  private boolean staleTail;

  private Directory(Vmfs5File file, List<Slot> slots) {
    this.file = file;
    this.slots = slots;
    int last = slots.size() - 1;
    if (last > 0 && slots.get(last).entry() != null) {
      for (int i = 0; i < last && !staleTail; i++) {
        staleTail = slots.get(last).entry().equals(slots.get(i).entry());
      }
    }
  }

  /** Returns whether the last slot is a stale copy of an earlier one (an interrupted remove). */
  boolean hasStaleTail() {
    return staleTail;
  }

  /** Shrinks away a stale last slot before any change, so the change starts from a compact directory. */
  private void dropStaleTail() throws IOException {
    if (staleTail) {
      int last = slots.size() - 1;
      slots.remove(last);
      file.truncate((long) last * DirEntry.SIZE);
      staleTail = false;
    }
  }

  private int liveSlotCount() {
    return staleTail ? slots.size() - 1 : slots.size();
  }

  /** Reads and checks every entry of {@code file}. */
  static Directory read(Vmfs5File file, long fdOffset) throws IOException {
    byte[] content = file.readAll(MAX_BYTES);
    if (content.length % DirEntry.SIZE != 0) {
      throw Corrupt.defect("FileDescriptor of directory " + file.path(), fdOffset + 0x214, "size", "directory size is not a whole number of entries",
          "a multiple of 140", content.length);
    }
    ByteBuffer buffer = ByteBuffer.wrap(content).order(ByteOrder.LITTLE_ENDIAN);
    List<Slot> slots = new ArrayList<>(content.length / DirEntry.SIZE);
    List<Extent> extents = file.extents(0, content.length);
    for (int i = 0; i < content.length / DirEntry.SIZE; i++) {
      int offset = i * DirEntry.SIZE;
      if (DirEntry.isDeletedSlot(buffer, offset)) {
        slots.add(new Slot(i, null));
      } else {
        // Messages name the entry's image offset, found through the directory's block map.
        long deviceOffset = deviceOffsetOf(extents, offset);
        DirEntry entry = DirEntry.decode(buffer, offset, deviceOffset);
        checkFdAddress(file, entry, deviceOffset);
        slots.add(new Slot(i, entry));
      }
    }
    return new Directory(file, slots);
  }

  /** Returns the image offset of content byte {@code offset}, or -1 when it lies in a hole. */
  private static long deviceOffsetOf(List<Extent> extents, long offset) {
    for (Extent extent : extents) {
      if (offset >= extent.fileOffset() && offset < extent.fileOffset() + extent.length()) {
        return extent.isHole() ? -1 : extent.deviceOffset() + (offset - extent.fileOffset());
      }
    }
    return -1;
  }

  /** Rejects an entry naming an FD slot that {@code .fdc.sf} does not have. */
  private static void checkFdAddress(Vmfs5File file, DirEntry entry, long deviceOffset) throws IOException {
    org.vmfskit.fs.volume.Volume volume = file.volume();
    org.vmfskit.fs.format.FileDescriptorAddr address = org.vmfskit.fs.format.FileDescriptorAddr.decodeFd(entry.rawAddress(), "DirEntry", deviceOffset);
    long ipe = volume.resourceHeader(org.vmfskit.fs.volume.ResourceKind.FILE_DESCRIPTOR).resourcesPerCluster();
    if (address.resource() >= ipe || volume.fdIndexOf(address) >= volume.fdCount()) {
      throw Corrupt.defect("DirEntry", deviceOffset < 0 ? -1 : deviceOffset + 4, "address", "address names no .fdc.sf slot",
          "an index below " + volume.fdCount(), address);
    }
  }

  Vmfs5File file() {
    return file;
  }

  /** Returns the live entries in on-disk order. */
  @Override
  public List<DirEntry> entries() {
    List<DirEntry> out = new ArrayList<>(slots.size());
    for (Slot slot : slots.subList(0, liveSlotCount())) {
      if (slot.entry() != null) {
        out.add(slot.entry());
      }
    }
    return out;
  }

  /** Returns the number of slots, deleted ones included. */
  int slotCount() {
    return slots.size();
  }

  /** Returns slot {@code index}. */
  Slot slot(int index) {
    return slots.get(index);
  }

  @Override
  public java.util.Optional<DirEntry> find(String name) {
    Slot slot = slot(name);
    return slot == null ? java.util.Optional.empty() : java.util.Optional.of(slot.entry());
  }

  /** Returns the slot named {@code name}, or null. */
  Slot slot(String name) {
    for (Slot slot : slots.subList(0, liveSlotCount())) {
      if (slot.entry() != null && slot.entry().name().equals(name)) {
        return slot;
      }
    }
    return null;
  }

  /** Appends {@code entry} at the end of the content. */
  @Override
  public void add(DirEntry entry) throws IOException {
    dropStaleTail();
    file.write((long) slots.size() * DirEntry.SIZE, encode(entry));
    slots.add(new Slot(slots.size(), entry));
  }

  /** Rewrites slot {@code index} with {@code entry} (a rename in place). */
  void replace(int index, DirEntry entry) throws IOException {
    if (index < slots.size() - 1) {
      dropStaleTail();
    }
    file.write((long) index * DirEntry.SIZE, encode(entry));
    slots.set(index, new Slot(index, entry));
  }

  @Override
  public void remove(String name) throws IOException {
    remove(required(name).index());
  }

  @Override
  public void rename(String name, DirEntry renamed) throws IOException {
    replace(required(name).index(), renamed);
  }

  @Override
  public void setParent(org.vmfskit.fs.format.FileDescriptorAddr parent, long parentGeneration) throws IOException {
    Slot dotdot = slot("..");
    if (dotdot == null) {
      throw new java.nio.file.FileSystemException(file.path(), null, "directory has no \"..\" entry");
    }
    replace(dotdot.index(), new DirEntry(org.vmfskit.fs.format.FileType.DIRECTORY, parent.raw(), parentGeneration, ".."));
  }

  private Slot required(String name) throws IOException {
    Slot slot = slot(name);
    if (slot == null) {
      throw new java.nio.file.NoSuchFileException(Vmfs.join(file.path(), name));
    }
    return slot;
  }

  /** Removes slot {@code index}, moving the last slot into the gap so the directory stays compact. */
  void remove(int index) throws IOException {
    if (staleTail && index == slots.size() - 1) {
      dropStaleTail();
      return;
    }
    dropStaleTail();
    int last = slots.size() - 1;
    if (index != last) {
      Slot moved = slots.get(last);
      if (moved.entry() != null) {
        file.write((long) index * DirEntry.SIZE, encode(moved.entry()));
      } else {
        file.write((long) index * DirEntry.SIZE, ByteBuffer.allocate(DirEntry.SIZE));
      }
      slots.set(index, new Slot(index, moved.entry()));
    }
    slots.remove(last);
    file.truncate((long) last * DirEntry.SIZE);
  }

  private static ByteBuffer encode(DirEntry entry) {
    ByteBuffer buffer = ByteBuffer.allocate(DirEntry.SIZE).order(ByteOrder.LITTLE_ENDIAN);
    entry.encode(buffer, 0);
    return buffer;
  }
}
