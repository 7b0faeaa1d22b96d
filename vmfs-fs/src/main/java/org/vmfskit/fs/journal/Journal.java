package org.vmfskit.fs.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.device.CopyOnWriteBlockDevice;
import org.vmfskit.fs.volume.Geometry;

/**
 * The journal area: L 0x0-0x1FFFFF, a {@link JournalHeader} sector followed by room for one
 * {@link JournalRecord}. A change is committed by (1) a barrier, so the data it refers to and the
 * previous change's in-place writes are stable; (2) one write of header and record; (3) a
 * barrier; (4) the in-place writes. A crash before (2) completes leaves a torn record (ignored)
 * and the old metadata untouched; a crash after it leaves a record that the next open replays.
 *
 * <p>Why there: on VMFS3/5 the first 2 MiB of the volume lie inside {@code .vh.sf} (FB 0) before
 * the FS descriptor at L 0x200000; the spec notes them as unused and zero, and neither vmfs-tools
 * nor the VMFS5 layout we know reads them. ESXi's own journals live elsewhere (per-host journal
 * blocks named by the heartbeat slot). Whether a current ESXi ever writes there is unsure, so the
 * area is used only when it is all zeros or already holds our header; any other content means the
 * volume is written in the ordered mode of {@code MetadataTransaction}, and {@link #status} says so.
 *
 * <p>Invariant the replay relies on: records hold only metadata (bitmaps, FDs, pointer blocks)
 * and the content of directories and symlinks, written inside one change; regular file data is
 * never journaled, so replaying an already applied record cannot overwrite newer file data.
 */
public final class Journal {

  /** Logical address of the area. */
  public static final long LOGICAL_OFFSET = 0;
  /** Bytes of the area. */
  public static final int AREA_BYTES = 0x200000;
  /** Bytes a record may take. */
  public static final int RECORD_CAPACITY = AREA_BYTES - JournalHeader.SIZE;

  /** What the area holds. */
  public enum State {
    /** All zeros so far: the header is written with the first record. */
    UNUSED,
    /** Our header. */
    ACTIVE,
    /** Something else: never written; changes use ordered writes. */
    FOREIGN,
    /** Our header or record fails its checks; only a read-only open gets this far (not replayed). */
    DAMAGED
  }

  private final BlockDevice device;
  private final long areaOffset;
  private State state;
  private boolean areaChecked;
  private long cleanSequence;
  private long sequence;
  private JournalRecord pending;
  private String stale;
  private long staleSequence;
  private long recordsWritten;
  private long replayed;
  private String damage;

  private Journal(BlockDevice device, State state, long cleanSequence, long sequence, JournalRecord pending) {
    this.device = device;
    this.areaOffset = Geometry.deviceOffset(LOGICAL_OFFSET);
    this.state = state;
    this.cleanSequence = cleanSequence;
    this.sequence = sequence;
    this.pending = pending;
  }

  /**
   * Reads the area of the volume on {@code device}; nothing is written. A damaged header or record
   * is an error for a writable device (writing without knowing what to replay could lose a
   * change); a read-only open goes on without replaying, and {@link #status} says why.
   */
  public static Journal read(BlockDevice device) throws IOException {
    try {
      return readStrictly(device);
    } catch (org.vmfskit.fs.format.VmfsFormatException e) {
      if (!device.isReadOnly()) {
        throw e;
      }
      Journal journal = new Journal(device, State.DAMAGED, 0, 0, null);
      journal.damage = e.getMessage();
      return journal;
    }
  }

  private static Journal readStrictly(BlockDevice device) throws IOException {
    long areaOffset = Geometry.deviceOffset(LOGICAL_OFFSET);
    ByteBuffer head = ByteBuffer.allocate(2 * JournalRecord.SECTOR).order(ByteOrder.LITTLE_ENDIAN);
    device.readFully(areaOffset, head);
    if (!JournalHeader.hasMagic(head, 0)) {
      boolean zero = true;
      for (int i = 0; i < JournalHeader.SIZE && zero; i++) {
        zero = head.get(i) == 0;
      }
      return new Journal(device, zero ? State.UNUSED : State.FOREIGN, 0, 0, null);
    }
    JournalHeader header = JournalHeader.decode(head, 0, areaOffset);
    long recordOffset = areaOffset + JournalHeader.SIZE;
    long sequence = header.cleanSequence();
    JournalRecord pending = null;
    ByteBuffer firstSector = head.slice(JournalRecord.SECTOR, JournalRecord.SECTOR);
    if (JournalRecord.hasMagic(firstSector)) {
      // The record's first sector (with its sequence and sizes) is written in one piece.
      sequence = Math.max(sequence, JournalRecord.sequenceOf(firstSector));
      long size = Math.min(RECORD_CAPACITY, JournalRecord.encodedSizeOf(firstSector));
      ByteBuffer record = ByteBuffer.allocate((int) Math.max(size, JournalRecord.SECTOR)).order(ByteOrder.LITTLE_ENDIAN);
      device.readFully(recordOffset, record);
      Optional<JournalRecord> decoded = JournalRecord.decode(record.clear(), recordOffset, areaOffset + AREA_BYTES, device.size());
      if (decoded.isPresent() && decoded.get().sequence() > header.cleanSequence()) {
        pending = decoded.get();
      }
    }
    Journal journal = new Journal(device, State.ACTIVE, header.cleanSequence(), sequence, null);
    if (pending != null) {
      String foreignWrite = firstForeignSector(device, pending);
      if (foreignWrite == null) {
        journal.pending = pending;
      } else {
        // Another writer (one that does not know this journal) changed the volume after the
        // crash: replaying would overwrite its metadata with ours. The record is left unapplied.
        journal.stale = "record " + pending.sequence() + " not replayed: " + foreignWrite;
        journal.staleSequence = pending.sequence();
      }
    }
    return journal;
  }

  /**
   * Returns where a sector of {@code record}'s runs holds neither its content from before the
   * change nor the record's new content, or null when every sector holds one of the two.
   */
  private static String firstForeignSector(BlockDevice device, JournalRecord record) throws IOException {
    int sector = 0;
    for (JournalRecord.Run run : record.runs()) {
      byte[] current = new byte[run.sectors() * JournalRecord.SECTOR];
      device.readFully(run.deviceOffset(), ByteBuffer.wrap(current));
      for (int i = 0; i < run.sectors(); i++, sector++) {
        boolean old = JournalRecord.sectorCrc(current, i) == record.before()[sector];
        boolean fresh = java.util.Arrays.equals(current, i * JournalRecord.SECTOR, (i + 1) * JournalRecord.SECTOR,
            record.data(), sector * JournalRecord.SECTOR, (sector + 1) * JournalRecord.SECTOR);
        if (!old && !fresh) {
          return "the sector at 0x" + Long.toHexString(run.deviceOffset() + (long) i * JournalRecord.SECTOR)
              + " holds neither its old nor its new content (written since by another program?)";
        }
      }
    }
    return null;
  }

  /** Returns what the area holds. */
  public State state() {
    return state;
  }

  /** Returns the record whose in-place writes may not all have landed, if any. */
  public Optional<JournalRecord> pending() {
    return Optional.ofNullable(pending);
  }

  /** Writes the pending record's data in place on {@code target} (the device, or a read-only view's overlay). */
  public void replay(BlockDevice target) throws IOException {
    if (pending == null) {
      return;
    }
    writeInPlace(target, pending);
    replayed = pending.sequence();
  }

  /**
   * Replays the pending record on the device itself and marks it applied, so later opens skip it.
   */
  public void recover() throws IOException {
    if (stale != null) {
      // Never replay it later either.
      writeHeader(staleSequence);
      device.flush();
      return;
    }
    if (pending == null) {
      return;
    }
    replay(device);
    device.flush();
    writeHeader(pending.sequence());
    device.flush();
  }

  /**
   * Journals and applies the change staged in {@code stage} (512-byte pages). Returns false, having
   * written nothing, when the area is not ours or the change does not fit: the caller then writes
   * the change in its own safe order.
   */
  public boolean commit(CopyOnWriteBlockDevice stage) throws IOException {
    if (stage.pageSize() != JournalRecord.SECTOR) {
      throw new IllegalArgumentException("stage pages must be sectors");
    }
    if (!usable()) {
      return false;
    }
    long[] pages = stage.writtenPages();
    List<JournalRecord.Run> runs = new ArrayList<>();
    for (int i = 0; i < pages.length; ) {
      int j = i + 1;
      while (j < pages.length && pages[j] == pages[j - 1] + 1) {
        j++;
      }
      runs.add(new JournalRecord.Run(pages[i] * JournalRecord.SECTOR, j - i));
      i = j;
    }
    if (JournalRecord.encodedSize(runs.size(), pages.length) > RECORD_CAPACITY) {
      return false;
    }
    byte[] data = new byte[pages.length * JournalRecord.SECTOR];
    for (int i = 0; i < pages.length; i++) {
      System.arraycopy(stage.writtenPage(pages[i]), 0, data, i * JournalRecord.SECTOR, JournalRecord.SECTOR);
    }
    int[] before = new int[pages.length];
    int sector = 0;
    for (JournalRecord.Run run : runs) {
      byte[] old = new byte[run.sectors() * JournalRecord.SECTOR];
      device.readFully(run.deviceOffset(), ByteBuffer.wrap(old));
      for (int i = 0; i < run.sectors(); i++) {
        before[sector++] = JournalRecord.sectorCrc(old, i);
      }
    }
    JournalRecord record = new JournalRecord(sequence + 1, runs, before, data);
    ByteBuffer encoded = record.encode();
    ByteBuffer write = ByteBuffer.allocate(JournalHeader.SIZE + encoded.capacity()).order(ByteOrder.LITTLE_ENDIAN);
    new JournalHeader(AREA_BYTES, cleanSequence).encode(write, 0);
    write.put(JournalHeader.SIZE, encoded, 0, encoded.capacity());
    // Barrier: file data the change refers to, and the previous change's in-place writes, are
    // stable before this record replaces the previous one.
    device.flush();
    device.write(areaOffset, write.clear());
    sequence = record.sequence();
    state = State.ACTIVE;
    recordsWritten++;
    device.flush();
    writeInPlace(device, record);
    return true;
  }

  /** Marks the newest record applied (a clean close), so the next open replays nothing. */
  public void close() throws IOException {
    retire();
  }

  /**
   * Marks the newest record applied, once its in-place writes are stable: before a change that
   * bypasses the journal, and at a clean close.
   */
  public void retire() throws IOException {
    if (state == State.ACTIVE && sequence > cleanSequence && !device.isReadOnly()) {
      device.flush();
      writeHeader(sequence);
      device.flush();
    }
  }

  /** Returns a one-line description for {@code vmfs info} and fsck. */
  public String status() {
    return switch (state) {
      case UNUSED -> "unused (created by the first change)";
      case FOREIGN -> "not used: L 0x0-0x1FFFFF holds data vmfskit did not write; changes use ordered writes";
      case DAMAGED -> "damaged, not replayed (" + damage + "); the volume is shown as written in place";
      case ACTIVE -> "active, newest record " + sequence
          + (stale != null ? "; " + stale : "")
          + (replayed != 0 ? "; record " + replayed + " was replayed" + (device.isReadOnly() ? " in memory (read-only open)" : "") : "")
          + (recordsWritten != 0 ? "; " + recordsWritten + " records written by this session" : "");
    };
  }

  private boolean usable() throws IOException {
    if (state == State.UNUSED && !areaChecked) {
      areaChecked = true;
      ByteBuffer area = ByteBuffer.allocate(AREA_BYTES);
      device.readFully(areaOffset, area);
      for (int i = 0; i < AREA_BYTES; i++) {
        if (area.get(i) != 0) {
          state = State.FOREIGN;
          break;
        }
      }
    }
    return state != State.FOREIGN && state != State.DAMAGED && !device.isReadOnly();
  }

  private void writeHeader(long clean) throws IOException {
    ByteBuffer header = ByteBuffer.allocate(JournalHeader.SIZE).order(ByteOrder.LITTLE_ENDIAN);
    new JournalHeader(AREA_BYTES, clean).encode(header, 0);
    device.write(areaOffset, header);
    cleanSequence = clean;
  }

  private static void writeInPlace(BlockDevice target, JournalRecord record) throws IOException {
    int at = 0;
    for (JournalRecord.Run run : record.runs()) {
      int bytes = run.sectors() * JournalRecord.SECTOR;
      target.write(run.deviceOffset(), ByteBuffer.wrap(record.data(), at, bytes));
      at += bytes;
    }
  }
}
