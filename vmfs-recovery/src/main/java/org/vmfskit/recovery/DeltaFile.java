package org.vmfskit.recovery;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.vmfskit.fs.format.FileBlockAddr;

/**
 * A deleted delta file as far as it has been put back together: for each file block the device
 * block it lies in (or -1 when not found) and whether its address carried the to-be-zeroed flag.
 */
final class DeltaFile {

  private final VolumeView view;
  private final long[] deviceBlock;
  private final boolean[] tbz;
  private final boolean[] unverified;

  DeltaFile(VolumeView view, int fileBlocks) {
    this.view = view;
    this.deviceBlock = new long[fileBlocks];
    this.tbz = new boolean[fileBlocks];
    this.unverified = new boolean[fileBlocks];
    Arrays.fill(deviceBlock, -1);
  }

  long blockSize() {
    return view.blockSize();
  }

  int fileBlocks() {
    return deviceBlock.length;
  }

  long deviceBlock(int fileBlock) {
    return deviceBlock[fileBlock];
  }

  boolean tbz(int fileBlock) {
    return tbz[fileBlock];
  }

  /** Marks a placed block whose position rests on run contiguity alone, with no grain table in or after it to confirm it. */
  void markUnverified(int fileBlock) {
    unverified[fileBlock] = true;
  }

  boolean isUnverified(int fileBlock) {
    return unverified[fileBlock];
  }

  long unverifiedCount() {
    long n = 0;
    for (boolean u : unverified) {
      n += u ? 1 : 0;
    }
    return n;
  }

  boolean isPlaced(int fileBlock) {
    return fileBlock < deviceBlock.length && deviceBlock[fileBlock] >= 0;
  }

  long found() {
    return Arrays.stream(deviceBlock).filter(b -> b >= 0).count();
  }

  /** Places the raw FB addresses {@code raw} at file blocks {@code first...}; null entries stay missing. */
  void place(int first, int[] raw) {
    for (int i = 0; i < raw.length && first + i < deviceBlock.length; i++) {
      if (raw[i] != 0) {
        deviceBlock[first + i] = FileBlockAddr.blockOf(raw[i]);
        tbz[first + i] = FileBlockAddr.isTbz(raw[i]);
      }
    }
  }

  /** Places a contiguous run of device blocks from {@code deviceStart} at file blocks {@code first...}. */
  void placeRun(int first, int count, long deviceStart) {
    for (int i = 0; i < count && first + i < deviceBlock.length; i++) {
      deviceBlock[first + i] = deviceStart + i;
      tbz[first + i] = false;
    }
  }

  /** Forgets the placement of file blocks {@code [first, first + count)}. */
  void clear(int first, int count) {
    for (int i = first; i < Math.min(deviceBlock.length, first + count); i++) {
      deviceBlock[i] = -1;
      tbz[i] = false;
      unverified[i] = false;
    }
  }

  /**
   * Reads {@code length} bytes at {@code fileOffset} of the delta, or returns null when a block
   * of the range is missing; TBZ blocks read as zeros.
   */
  ByteBuffer read(long fileOffset, int length) throws IOException {
    ByteBuffer out = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    long blockSize = view.blockSize();
    while (out.hasRemaining()) {
      long at = fileOffset + out.position();
      long fb = at / blockSize;
      if (fb >= deviceBlock.length || deviceBlock[(int) fb] < 0) {
        return null;
      }
      int n = (int) Math.min(out.remaining(), blockSize - at % blockSize);
      if (!tbz[(int) fb]) {
        try {
          view.volume().device().readFully(view.blockOffset(deviceBlock[(int) fb]) + at % blockSize, out.slice(out.position(), n));
        } catch (EOFException e) {
          return null;
        }
      }
      out.position(out.position() + n);
    }
    return out.flip();
  }
}
