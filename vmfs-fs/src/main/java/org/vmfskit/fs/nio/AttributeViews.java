package org.vmfskit.fs.nio;

import java.io.IOException;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import org.vmfskit.fs.format.FileDescriptor;
import org.vmfskit.fs.format.FileDescriptorAddr;
import org.vmfskit.fs.volume.MetadataTransaction;
import org.vmfskit.fs.volume.Volume;

/**
 * One view class for {@code basic}, {@code posix} and {@code vmfs}: each reads a fresh
 * {@link VmfsFileAttributes}. On a read-only volume every setter throws
 * {@link java.nio.file.ReadOnlyFileSystemException}; on a writable one {@link #setTimes} sets the
 * modification time, and owners, groups and permissions cannot be changed
 * ({@link UnsupportedOperationException}).
 */
final class AttributeViews implements PosixFileAttributeView, VmfsFileAttributeView {

  private final String name;
  private final VmfsPath path;
  private final boolean follow;

  AttributeViews(String name, VmfsPath path, boolean follow) {
    this.name = name;
    this.path = path;
    this.follow = follow;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public VmfsFileAttributes readAttributes() throws IOException {
    VmfsFileSystem fs = path.getFileSystem();
    return new VmfsFileAttributes(fs.vmfs().stat(path.volumePath(), follow));
  }

  /**
   * Sets the modification time (and the change time, to now) on a writable volume; the access
   * and creation times are ignored (VMFS updates no access times and keeps no creation time).
   */
  @Override
  public void setTimes(FileTime lastModifiedTime, FileTime lastAccessTime, FileTime createTime) throws IOException {
    VmfsFileSystem fs = path.getFileSystem();
    fs.ensureWritable();
    if (lastModifiedTime == null) {
      return;
    }
    Volume volume = fs.vmfs().volume();
    FileDescriptorAddr address = fs.vmfs().stat(path.volumePath(), follow).address();
    Lock lock = volume.lock().writeLock();
    lock.lock();
    try {
      FileDescriptor fd = volume.readFd(address);
      MetadataTransaction txn = volume.begin();
      volume.writeFd(txn, fd.withTimes(lastModifiedTime.to(TimeUnit.SECONDS), System.currentTimeMillis() / 1000));
      txn.commit();
    } finally {
      volume.afterCommit();
      lock.unlock();
    }
  }

  @Override
  public UserPrincipal getOwner() throws IOException {
    return readAttributes().owner();
  }

  @Override
  public void setOwner(UserPrincipal owner) {
    refuse("owner");
  }

  @Override
  public void setPermissions(Set<PosixFilePermission> perms) {
    refuse("permissions");
  }

  @Override
  public void setGroup(GroupPrincipal group) {
    refuse("group");
  }

  private void refuse(String what) {
    path.getFileSystem().ensureWritable();
    throw new UnsupportedOperationException("changing the " + what + " of files on a vmfs volume is not supported");
  }
}
