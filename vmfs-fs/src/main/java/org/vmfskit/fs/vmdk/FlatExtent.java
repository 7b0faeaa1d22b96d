package org.vmfskit.fs.vmdk;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A flat extent ({@code VMFS} or {@code FLAT}): virtual byte {@code x} of the extent is byte
 * {@code startOffset + x} of the file. It owns every unit it covers.
 */
final class FlatExtent implements Extent {

  private final DiskFile file;
  private final long startOffset;
  private final long sizeBytes;

  FlatExtent(DiskFile file, long startOffset, long sizeBytes) {
    this.file = file;
    this.startOffset = startOffset;
    this.sizeBytes = sizeBytes;
  }

  /** Returns the file offset of virtual byte 0 of the extent. */
  long startOffset() {
    return startOffset;
  }

  @Override
  public long sizeBytes() {
    return sizeBytes;
  }

  @Override
  public int grainBytes() {
    return 0;
  }

  @Override
  public DiskFile file() {
    return file;
  }

  @Override
  public void map(long offset, int units, int unitBytes, long[] fileOffsets, short[] owners, int at, short self) {
    for (int i = 0; i < units; i++) {
      if (owners[at + i] == UNRESOLVED) {
        owners[at + i] = self;
        fileOffsets[at + i] = startOffset + offset + (long) i * unitBytes;
      }
    }
  }

  @Override
  public void write(long offset, ByteBuffer src) throws IOException {
    file.write(startOffset + offset, src);
  }

  @Override
  public long allocatedBytes() throws IOException {
    // The blocks the file holds, not its length: a thin flat file with no blocks holds nothing.
    return Math.min(Math.min(sizeBytes, Math.max(0, file.size() - startOffset)), file.allocatedBytes());
  }
}
