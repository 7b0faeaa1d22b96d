package org.vmfskit.fs.file;

import com.google.common.base.Preconditions;
import it.unimi.dsi.fastutil.ints.Int2ObjectLinkedOpenHashMap;
import java.io.IOException;
import org.vmfskit.fs.format.AddressingMode;
import org.vmfskit.fs.format.BlockAddress;
import org.vmfskit.fs.format.FileBlockAddr;
import org.vmfskit.fs.format.FileDescriptor;
import org.vmfskit.fs.volume.MetadataTransaction;
import org.vmfskit.fs.volume.ResourceKind;
import org.vmfskit.fs.volume.Volume;

/**
 * A mutable working copy of one file's block map (the FD's 256 slots and the pointer blocks
 * reached from them) during a change. Pointer blocks are copied on first change and staged into
 * the transaction at the end; new pointer blocks are allocated as entries need them, so all blocks
 * a MAP names belong to this one file.
 */
final class MapEditor {

  private final Volume volume;
  private final int perMap;
  private final int[] slots;
  private final Int2ObjectLinkedOpenHashMap<int[]> changedMaps = new Int2ObjectLinkedOpenHashMap<>();
  private AddressingMode zla;
  private long blockDelta;
  private long tbzDelta;

  MapEditor(Volume volume, FileDescriptor fd) {
    this.volume = volume;
    this.perMap = volume.geometry().addressesPerMap();
    this.slots = fd.addresses();
    this.zla = fd.zla();
  }

  AddressingMode zla() {
    return zla;
  }

  int[] slots() {
    return slots.clone();
  }

  /** Returns the change in allocated data blocks (file blocks or sub-blocks). */
  long blockDelta() {
    return blockDelta;
  }

  /** Returns the change in TBZ-flagged blocks. */
  long tbzDelta() {
    return tbzDelta;
  }

  /** Starts an empty map in {@code mode} (after content was moved out of a resident or SB file). */
  void reset(AddressingMode mode) {
    java.util.Arrays.fill(slots, 0);
    changedMaps.clear();
    zla = mode;
  }

  /** Returns the raw address of data entry {@code index}. */
  int get(long index) throws IOException {
    return switch (zla) {
      case FILE_BLOCKS, SUB_BLOCKS -> index < slots.length ? slots[(int) index] : 0;
      case POINTER_BLOCKS -> {
        int pb = slotOrZero(index / perMap);
        yield pb == 0 ? 0 : map(pb)[(int) (index % perMap)];
      }
      case DOUBLE_INDIRECT -> {
        int first = slotOrZero(index / ((long) perMap * perMap));
        if (first == 0) {
          yield 0;
        }
        int second = map(first)[(int) ((index / perMap) % perMap)];
        yield second == 0 ? 0 : map(second)[(int) (index % perMap)];
      }
      case RESIDENT, EMPTY, POINTER_BLOCKS_2 -> throw new IllegalStateException("no block map in mode " + zla);
    };
  }

  private int slotOrZero(long slot) {
    return slot < slots.length ? slots[(int) slot] : 0;
  }

  /** Sets data entry {@code index}, allocating the pointer blocks on its path. */
  void set(long index, int raw) throws IOException {
    switch (zla) {
      case FILE_BLOCKS, SUB_BLOCKS -> slots[checkedSlot(index)] = raw;
      case POINTER_BLOCKS -> {
        int slot = checkedSlot(index / perMap);
        if (slots[slot] == 0) {
          slots[slot] = newMap();
        }
        changed(slots[slot])[(int) (index % perMap)] = raw;
      }
      case DOUBLE_INDIRECT -> {
        int slot = checkedSlot(index / ((long) perMap * perMap));
        if (slots[slot] == 0) {
          slots[slot] = newMap();
        }
        int[] first = map(slots[slot]);
        int entry = (int) ((index / perMap) % perMap);
        if (first[entry] == 0) {
          int created = newMap();
          changed(slots[slot])[entry] = created;
        }
        changed(map(slots[slot])[entry])[(int) (index % perMap)] = raw;
      }
      case RESIDENT, EMPTY, POINTER_BLOCKS_2 -> throw new IllegalStateException("no block map in mode " + zla);
    }
  }

  private int checkedSlot(long slot) {
    Preconditions.checkArgument(slot < FileDescriptor.ADDRESS_SLOTS, "entry beyond the FD's 256 slots in mode %s", zla);
    return (int) slot;
  }

  /** Moves to the next mode with more reach: FB to PB, PB to double-indirect. */
  void deepen() throws IOException {
    AddressingMode next = switch (zla) {
      case FILE_BLOCKS -> AddressingMode.POINTER_BLOCKS;
      case POINTER_BLOCKS -> AddressingMode.DOUBLE_INDIRECT;
      default -> throw new IllegalStateException("cannot deepen " + zla);
    };
    boolean any = false;
    for (int raw : slots) {
      any |= raw != 0;
    }
    if (any) {
      int map = newMap();
      int[] entries = changed(map);
      System.arraycopy(slots, 0, entries, 0, slots.length);
      java.util.Arrays.fill(slots, 0);
      slots[0] = map;
    }
    zla = next;
  }

  private int newMap() throws IOException {
    long index = volume.allocate(ResourceKind.POINTER_BLOCK);
    int raw = volume.pointerBlockAddress(index);
    changedMaps.put(raw, new int[perMap]);
    return raw;
  }

  private int[] map(int raw) throws IOException {
    int[] changed = changedMaps.get(raw);
    return changed != null ? changed : volume.readPointerBlock(raw, "block map", -1);
  }

  private int[] changed(int raw) throws IOException {
    int[] entries = changedMaps.get(raw);
    if (entries == null) {
      entries = volume.readPointerBlock(raw, "block map", -1).clone();
      changedMaps.put(raw, entries);
    }
    return entries;
  }

  /** Records that a data block was added ({@code +1}) or removed, with its TBZ flag. */
  void count(int raw, int sign) {
    blockDelta += sign;
    if (BlockAddress.typeOf(raw) == BlockAddress.TYPE_FB && FileBlockAddr.isTbz(raw)) {
      tbzDelta += sign;
    }
  }

  /** Notes that a TBZ block was written and lost its flag. */
  void clearedTbz() {
    tbzDelta--;
  }

  /**
   * Frees every data entry at or after {@code firstIndex} below {@code endIndex}, and every
   * pointer block left with nothing to map. Freed blocks keep their contents (recovery depends on
   * it); the frees reach the bitmaps only after the map is rewritten.
   */
  void truncate(long firstIndex, long endIndex, MetadataTransaction txn) throws IOException {
    switch (zla) {
      case FILE_BLOCKS, SUB_BLOCKS -> {
        for (long i = firstIndex; i < Math.min(endIndex, slots.length); i++) {
          freeData(slots[(int) i], txn);
          slots[(int) i] = 0;
        }
      }
      case POINTER_BLOCKS -> {
        for (long s = firstIndex / perMap; s < slots.length && s * perMap < endIndex; s++) {
          int pb = slots[(int) s];
          if (pb != 0 && freeEntries(pb, s * perMap, firstIndex, endIndex, txn)) {
            txn.free(ResourceKind.POINTER_BLOCK, volume.pointerBlockIndex(pb, "block map", -1));
            changedMaps.remove(pb);
            slots[(int) s] = 0;
          }
        }
      }
      case DOUBLE_INDIRECT -> {
        long perSlot = (long) perMap * perMap;
        for (long s = firstIndex / perSlot; s < slots.length && s * perSlot < endIndex; s++) {
          int first = slots[(int) s];
          if (first == 0) {
            continue;
          }
          boolean empty = true;
          for (int e = 0; e < perMap; e++) {
            long base = s * perSlot + (long) e * perMap;
            int second = map(first)[e];
            if (second == 0) {
              continue;
            }
            if (base + perMap > firstIndex && base < endIndex && freeEntries(second, base, firstIndex, endIndex, txn)) {
              txn.free(ResourceKind.POINTER_BLOCK, volume.pointerBlockIndex(second, "block map", -1));
              changedMaps.remove(second);
              changed(first)[e] = 0;
            } else {
              empty = false;
            }
          }
          if (empty) {
            txn.free(ResourceKind.POINTER_BLOCK, volume.pointerBlockIndex(first, "block map", -1));
            changedMaps.remove(first);
            slots[(int) s] = 0;
          }
        }
      }
      case RESIDENT, EMPTY, POINTER_BLOCKS_2 -> throw new IllegalStateException("no block map in mode " + zla);
    }
  }

  /** Frees the entries of one MAP covering indices from {@code base}; returns whether it is empty. */
  private boolean freeEntries(int pb, long base, long firstIndex, long endIndex, MetadataTransaction txn) throws IOException {
    int[] entries = map(pb);
    boolean empty = true;
    for (int e = 0; e < perMap; e++) {
      long index = base + e;
      if (entries[e] == 0) {
        continue;
      }
      if (index >= firstIndex && index < endIndex) {
        freeData(entries[e], txn);
        changed(pb)[e] = 0;
      } else {
        empty = false;
      }
    }
    return empty;
  }

  private void freeData(int raw, MetadataTransaction txn) throws IOException {
    if (raw == 0) {
      return;
    }
    count(raw, -1);
    switch (BlockAddress.typeOf(raw)) {
      case BlockAddress.TYPE_FB -> txn.free(ResourceKind.FILE_BLOCK, FileBlockAddr.blockOf(raw));
      case BlockAddress.TYPE_SB -> txn.free(ResourceKind.SUB_BLOCK, volume.subBlockIndex(raw, "block map", -1));
      default -> throw new IllegalStateException("not a data address: " + Integer.toHexString(raw));
    }
  }

  /** Stages every changed pointer block. */
  void stage(MetadataTransaction txn) throws IOException {
    for (var entry : changedMaps.int2ObjectEntrySet()) {
      volume.writePointerBlock(txn, entry.getIntKey(), entry.getValue());
    }
  }
}
