package org.vmfskit.fs.nio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.CopyOption;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.LinkOption;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import org.vmfskit.fs.file.FileStat;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.file.VmfsFile;

/**
 * {@code Files.copy} and {@code Files.move} within one volume. Copies read and write in 8 MiB
 * chunks and skip holes, so thin files stay thin; moves are renames.
 */
final class VolumeCopier {

  private static final int CHUNK = 8 << 20;

  private VolumeCopier() {}

  static void copy(VmfsPath from, VmfsPath to, CopyOption... options) throws IOException {
    List<CopyOption> opts = Arrays.asList(options);
    Vmfs vmfs = from.getFileSystem().vmfs();
    FileStat source = vmfs.stat(from.volumePath(), !opts.contains(LinkOption.NOFOLLOW_LINKS));
    if (opts.contains(StandardCopyOption.COPY_ATTRIBUTES)) {
      throw new UnsupportedOperationException("COPY_ATTRIBUTES is not supported within a vmfs volume");
    }
    if (vmfs.stat(from.volumePath()).address().equals(existingAddress(vmfs, to))) {
      return;
    }
    clearTarget(vmfs, to, opts);
    if (source.isSymlink()) {
      vmfs.symlink(vmfs.readLink(from.volumePath()), to.volumePath());
    } else if (source.isDirectory()) {
      vmfs.mkdir(to.volumePath());
    } else {
      copyContent(vmfs.openFile(from.volumePath()), vmfs.createFile(to.volumePath()), source.size());
    }
  }

  static void move(VmfsPath from, VmfsPath to, CopyOption... options) throws IOException {
    List<CopyOption> opts = Arrays.asList(options);
    Vmfs vmfs = from.getFileSystem().vmfs();
    FileStat source = vmfs.stat(from.volumePath(), false);
    if (source.address().equals(existingAddress(vmfs, to))) {
      return;
    }
    clearTarget(vmfs, to, opts);
    vmfs.rename(from.volumePath(), to.volumePath());
  }

  private static Object existingAddress(Vmfs vmfs, VmfsPath path) throws IOException {
    return vmfs.exists(path.volumePath()) ? vmfs.stat(path.volumePath(), false).address() : null;
  }

  private static void clearTarget(Vmfs vmfs, VmfsPath to, List<CopyOption> opts) throws IOException {
    if (!vmfs.exists(to.volumePath())) {
      return;
    }
    if (!opts.contains(StandardCopyOption.REPLACE_EXISTING)) {
      throw new FileAlreadyExistsException(to.toString());
    }
    vmfs.delete(to.volumePath());
  }

  private static void copyContent(VmfsFile source, VmfsFile target, long size) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocateDirect((int) Math.min(CHUNK, Math.max(size, 1)));
    for (long at = 0; at < size; ) {
      long runEnd = Math.min(size, at + CHUNK);
      boolean hole = source.extents(at, runEnd - at).stream().allMatch(org.vmfskit.fs.file.Extent::isHole)
          && source.stat().addressing() != org.vmfskit.fs.format.AddressingMode.RESIDENT;
      if (!hole) {
        buffer.clear().limit((int) (runEnd - at));
        source.readFully(at, buffer);
        target.write(at, buffer.flip());
      }
      at = runEnd;
    }
    if (target.size() < size) {
      target.truncate(size);
    }
  }
}
