package org.vmfskit.fs.device;

import com.google.common.base.Preconditions;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A decorator for crash-consistency tests that counts writes and cuts the power at a chosen one:
 * the chosen write and every later write or resize throw {@link PowerCutException}, while reads go
 * on returning what reached the delegate. In {@link Mode#TEAR} the chosen write first lands
 * partially: only its leading whole 512-byte sectors (relative to the device, as a disk writes
 * them) reach the delegate, which models a torn write on a disk with 512-byte atomic sectors.
 *
 * <p>With a cut index of 0 nothing is cut and the device only counts, which is how a test learns
 * how many writes a workload issues.
 */
public final class FaultInjectingBlockDevice implements BlockDevice {

  /** The atomic unit of a write in {@link Mode#TEAR}. */
  public static final int SECTOR_SIZE = 512;

  /** What happens to the write at the cut. */
  public enum Mode {
    /** The write at the cut does not reach the device at all. */
    DROP,
    /** The write at the cut lands as its leading whole sectors only, then the power is cut. */
    TEAR
  }

  /** Thrown by every write from the cut on. */
  public static final class PowerCutException extends IOException {
    private static final long serialVersionUID = 1L;

    PowerCutException(String message) {
      super(message);
    }
  }

  private final BlockDevice delegate;
  private final long cutAt;
  private final Mode mode;
  private final int tearSectors;
  private long writes;
  private boolean cut;

  /** Wraps {@code delegate}, only counting writes. */
  public FaultInjectingBlockDevice(BlockDevice delegate) {
    this(delegate, 0, Mode.DROP, 0);
  }

  /**
   * Wraps {@code delegate}, cutting the power at write number {@code cutAt} (1-based; 0 = never).
   * In {@link Mode#TEAR} the cut write keeps its first sectors: as many whole sectors as lie
   * before its last sector boundary, at most {@code maxTearSectors} of them (0 = no limit).
   */
  public FaultInjectingBlockDevice(BlockDevice delegate, long cutAt, Mode mode, int maxTearSectors) {
    Preconditions.checkArgument(cutAt >= 0, "cut index %s", cutAt);
    Preconditions.checkArgument(maxTearSectors >= 0, "tear sectors %s", maxTearSectors);
    this.delegate = Preconditions.checkNotNull(delegate);
    this.cutAt = cutAt;
    this.mode = Preconditions.checkNotNull(mode);
    this.tearSectors = maxTearSectors;
  }

  /** Returns the number of writes attempted so far, the cut one and later ones included. */
  public synchronized long writes() {
    return writes;
  }

  /** Returns whether the power has been cut. */
  public synchronized boolean isCut() {
    return cut;
  }

  @Override
  public long size() throws IOException {
    return delegate.size();
  }

  @Override
  public void readFully(long deviceOffset, ByteBuffer dst) throws IOException {
    delegate.readFully(deviceOffset, dst);
  }

  @Override
  public synchronized void write(long deviceOffset, ByteBuffer src) throws IOException {
    writes++;
    if (cut) {
      throw new PowerCutException(name() + ": power cut before write " + writes);
    }
    if (cutAt != 0 && writes == cutAt) {
      cut = true;
      if (mode == Mode.TEAR) {
        tear(deviceOffset, src);
      }
      throw new PowerCutException(name() + ": power cut at write " + writes + " (" + mode + ") at 0x" + Long.toHexString(deviceOffset));
    }
    delegate.write(deviceOffset, src);
  }

  /** Lets the whole sectors before the last sector boundary inside the write reach the device. */
  private void tear(long deviceOffset, ByteBuffer src) throws IOException {
    long end = deviceOffset + src.remaining();
    long lastBoundary = Math.floorDiv(end - 1, SECTOR_SIZE) * SECTOR_SIZE;
    long keepEnd = lastBoundary;
    if (tearSectors > 0) {
      long firstBoundary = Math.ceilDiv(deviceOffset, SECTOR_SIZE) * (long) SECTOR_SIZE;
      keepEnd = Math.min(keepEnd, firstBoundary + (long) (tearSectors - 1) * SECTOR_SIZE);
    }
    if (keepEnd > deviceOffset) {
      ByteBuffer prefix = src.slice(src.position(), (int) (keepEnd - deviceOffset));
      delegate.write(deviceOffset, prefix);
    }
  }

  @Override
  public boolean isReadOnly() {
    return delegate.isReadOnly();
  }

  @Override
  public synchronized void flush() throws IOException {
    if (cut) {
      throw new PowerCutException(name() + ": power cut before flush");
    }
    delegate.flush();
  }

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public synchronized void resize(long newSize) throws IOException {
    if (cut) {
      throw new PowerCutException(name() + ": power cut before resize");
    }
    delegate.resize(newSize);
  }

  @Override
  public void close() throws IOException {
    delegate.close();
  }
}
