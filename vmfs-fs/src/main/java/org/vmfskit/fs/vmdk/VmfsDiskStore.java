package org.vmfskit.fs.vmdk;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.ReadOnlyFileSystemException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.vmfskit.fs.file.FileStat;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.file.VmfsFile;

/**
 * A {@link DiskStore} over the files of a VMFS volume. Store paths are slash-separated from the
 * volume's root (a leading slash is optional); {@code /vmfs/volumes/<label or uuid>/rest} names
 * {@code rest} on this volume. A growing delta's {@link DiskFile#allocate} takes file blocks from
 * the volume flagged to-be-zeroed, as VMFS hands them out.
 */
public final class VmfsDiskStore implements DiskStore {

  private final Vmfs vmfs;

  private VmfsDiskStore(Vmfs vmfs) {
    this.vmfs = vmfs;
  }

  /** Returns a store over {@code vmfs}; it is read-only when the volume is. */
  public static VmfsDiskStore of(Vmfs vmfs) {
    return new VmfsDiskStore(vmfs);
  }

  /** Returns the volume. */
  public Vmfs vmfs() {
    return vmfs;
  }

  private static String volumePath(String path) {
    return "/" + StorePaths.normalize(StorePaths.stripVolume(path));
  }

  @Override
  public DiskFile open(String path, boolean writable) throws IOException {
    if (writable) {
      ensureWritable();
    }
    return new VmfsDiskFile(vmfs.openFile(volumePath(path)), !writable);
  }

  @Override
  public DiskFile create(String path) throws IOException {
    return create(path, 0, Allocation.THIN);
  }

  @Override
  public DiskFile create(String path, long size, Allocation allocation) throws IOException {
    ensureWritable();
    // One change: a volume too full for a thick file keeps no empty file behind.
    VmfsFile file = vmfs.createFile(volumePath(path), false, created -> {
      switch (allocation) {
        case THIN -> created.truncate(size);
        case ZEROED_THICK -> created.preallocate(size, VmfsFile.Preallocation.TO_BE_ZEROED);
        case EAGER_ZEROED_THICK -> created.preallocate(size, VmfsFile.Preallocation.ZEROED);
      }
    });
    return new VmfsDiskFile(file, false);
  }

  @Override
  public boolean exists(String path) throws IOException {
    return vmfs.exists(volumePath(path));
  }

  @Override
  public void delete(String path) throws IOException {
    ensureWritable();
    vmfs.delete(volumePath(path));
  }

  @Override
  public void rename(String from, String to) throws IOException {
    ensureWritable();
    vmfs.rename(volumePath(from), volumePath(to));
  }

  @Override
  public List<String> list(String directory) throws IOException {
    List<String> names = new ArrayList<>();
    for (FileStat stat : vmfs.list(volumePath(directory))) {
      names.add(stat.name());
    }
    names.sort(null);
    return names;
  }

  @Override
  public String resolve(String from, String reference) {
    return StorePaths.resolve(StorePaths.normalize(StorePaths.stripVolume(from)), reference);
  }

  @Override
  public boolean isReadOnly() {
    return vmfs.isReadOnly();
  }

  private void ensureWritable() {
    if (isReadOnly()) {
      throw new ReadOnlyFileSystemException();
    }
  }

  @Override
  public String toString() {
    return "VmfsDiskStore[" + vmfs.device().name() + "]";
  }

  /** A disk file that is a file of the volume. */
  private record VmfsDiskFile(VmfsFile file, boolean readOnly) implements DiskFile, KernelCopySource {

    /**
     * The non-hole runs of the block map; holes and to-be-zeroed blocks read as zeros without the
     * device. A file whose runs do not cover the range (its data resident in the descriptor) answers
     * unknown.
     */
    @Override
    public Optional<List<DataRange>> dataRanges(long from, long to) throws IOException {
      List<DataRange> ranges = new ArrayList<>();
      long covered = 0;
      for (org.vmfskit.fs.file.Extent extent : file.extents(from, to - from)) {
        covered += extent.length();
        if (!extent.isHole()) {
          ranges.add(new DataRange(extent.fileOffset(), extent.fileOffset() + extent.length()));
        }
      }
      return covered == Math.min(to, file.size()) - from ? Optional.of(ranges) : Optional.empty();
    }

    @Override
    public void copyTo(long from, long length, FileChannel target, long targetOffset) throws IOException {
      file.copyTo(from, length, target, targetOffset);
    }

    @Override
    public long size() throws IOException {
      return file.size();
    }

    @Override
    public long allocatedBytes() throws IOException {
      return file.allocatedBytes();
    }

    @Override
    public void readFully(long offset, ByteBuffer dst) throws IOException {
      long size = file.size();
      if (offset < 0 || offset + dst.remaining() > size) {
        throw new EOFException("%s: read of %d bytes at %d passes the end of the file (%d bytes)".formatted(file.path(), dst.remaining(), offset, size));
      }
      file.readFully(offset, dst);
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
      checkWritable();
      file.write(offset, src);
    }

    @Override
    public void setSize(long newSize) throws IOException {
      checkWritable();
      file.truncate(newSize);
    }

    @Override
    public void allocate(long newSize) throws IOException {
      checkWritable();
      file.preallocate(newSize, VmfsFile.Preallocation.TO_BE_ZEROED);
    }

    @Override
    public boolean isReadOnly() {
      return readOnly;
    }

    @Override
    public String name() {
      return file.path();
    }

    @Override
    public void close() {}

    private void checkWritable() {
      if (readOnly) {
        throw new ReadOnlyFileSystemException();
      }
    }
  }
}
