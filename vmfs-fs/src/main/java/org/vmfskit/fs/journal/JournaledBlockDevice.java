package org.vmfskit.fs.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.device.CopyOnWriteBlockDevice;

/**
 * A decorator that makes the writes between {@link #begin} and the matching {@link #end} one
 * atomic change: they are staged in memory (reads inside the change see them), then committed
 * through the {@link Journal}. Writes outside a change (file data) go straight to the device.
 *
 * <p>When the journal cannot take a change (the area is not ours, or the change is larger than a
 * record), the staged writes are replayed on the device in the order they were made, which is
 * the order {@code MetadataTransaction} and the file layer already keep safe without a journal.
 *
 * <p>Not thread-safe: changes happen under the volume's write lock, and readers under its read
 * lock never overlap a change.
 */
public final class JournaledBlockDevice implements BlockDevice {

  private final BlockDevice base;
  private final Journal journal;
  private final List<Write> log = new ArrayList<>();
  private CopyOnWriteBlockDevice stage;
  private int depth;
  private long journaled;
  private long ordered;

  private record Write(long deviceOffset, byte[] bytes) {}

  /** Wraps the writable {@code base} whose journal area {@code journal} describes. */
  public JournaledBlockDevice(BlockDevice base, Journal journal) {
    this.base = base;
    this.journal = journal;
  }

  /** Returns the journal. */
  public Journal journal() {
    return journal;
  }

  /** Starts a change, or joins the one in progress. */
  public void begin() throws IOException {
    if (depth++ == 0) {
      stage = new CopyOnWriteBlockDevice(base, JournalRecord.SECTOR);
    }
  }

  /** Ends a change; the outermost end commits everything staged since its begin. */
  public void end() throws IOException {
    if (depth <= 0) {
      throw new IllegalStateException("end without begin");
    }
    if (--depth > 0) {
      return;
    }
    CopyOnWriteBlockDevice staged = stage;
    stage = null;
    try {
      if (staged.isClean()) {
        return;
      }
      if (journal.commit(staged)) {
        journaled++;
      } else {
        ordered++;
        // The record in the area must not be replayed over what these writes change.
        journal.retire();
        for (Write write : log) {
          base.write(write.deviceOffset(), ByteBuffer.wrap(write.bytes()));
        }
      }
    } finally {
      log.clear();
    }
  }

  /** Returns how many changes went through the journal and how many fell back to ordered writes. */
  public long[] counts() {
    return new long[] {journaled, ordered};
  }

  @Override
  public long size() throws IOException {
    return stage != null ? stage.size() : base.size();
  }

  @Override
  public void readFully(long deviceOffset, ByteBuffer dst) throws IOException {
    if (stage != null) {
      stage.readFully(deviceOffset, dst);
    } else {
      base.readFully(deviceOffset, dst);
    }
  }

  @Override
  public void write(long deviceOffset, ByteBuffer src) throws IOException {
    if (stage == null) {
      base.write(deviceOffset, src);
      return;
    }
    byte[] bytes = new byte[src.remaining()];
    src.duplicate().get(bytes);
    log.add(new Write(deviceOffset, bytes));
    stage.write(deviceOffset, src);
  }

  /**
   * Writes bytes that nothing on disk refers to yet (a block or sub-block allocated by the change
   * in progress, a to-be-zeroed block, the tail past a file's end) straight to the device, even
   * inside a change: until the change commits they are invisible, so they need no journaling, and
   * a new directory block or eager zeroing does not swell the record. Pages the change already
   * staged there are updated too, so reads inside the change stay consistent.
   */
  public void writeUnreferenced(long deviceOffset, ByteBuffer src) throws IOException {
    if (stage != null && stage.hasWrittenPages(deviceOffset, src.remaining())) {
      base.write(deviceOffset, src.duplicate());
      write(deviceOffset, src);
    } else {
      base.write(deviceOffset, src);
    }
  }

  @Override
  public void copyTo(long deviceOffset, long length, FileChannel target, long targetPosition) throws IOException {
    if (stage != null) {
      BlockDevice.super.copyTo(deviceOffset, length, target, targetPosition);
    } else {
      base.copyTo(deviceOffset, length, target, targetPosition);
    }
  }

  @Override
  public boolean isReadOnly() {
    return base.isReadOnly();
  }

  @Override
  public void flush() throws IOException {
    base.flush();
  }

  @Override
  public String name() {
    return base.name();
  }

  @Override
  public void resize(long newSize) throws IOException {
    if (stage != null) {
      throw new IllegalStateException("resizing the device inside a metadata change");
    }
    base.resize(newSize);
  }

  /** Marks the journal clean and closes the device. */
  @Override
  public void close() throws IOException {
    try {
      journal.close();
    } finally {
      base.close();
    }
  }
}
