package org.vmfskit.fs.vmdk;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.List;
import java.util.Optional;

/**
 * A disk file whose bytes the kernel can copy into a host file, and which can tell where its data
 * lies: a host file ({@code copy_file_range}, holes from {@code SEEK_DATA}) or a file of a VMFS
 * volume (the image's kernel copy, holes from the file's block map). {@link DiskExport} copies a flat
 * base of such a file without passing its bytes through the JVM and without filling its holes.
 */
public interface KernelCopySource {

  /** A range {@code [start, end)} of file bytes that may hold data; bytes outside every range read as zeros. */
  record DataRange(long start, long end) {
    public DataRange {
      checkArgument(0 <= start && start <= end, "bad range [%s, %s)", start, end);
    }
  }

  /**
   * Returns the ranges of {@code [from, to)} that may hold data, in order and clipped to
   * {@code [from, to)}, or empty when this file cannot tell (the caller must then copy another way).
   */
  Optional<List<DataRange>> dataRanges(long from, long to) throws IOException;

  /** Copies {@code [from, from + length)} into {@code target} at {@code targetOffset}. */
  void copyTo(long from, long length, FileChannel target, long targetOffset) throws IOException;
}
