package org.vmfskit.fs.nio;

import java.io.IOException;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.util.Set;

/**
 * One view class for {@code basic}, {@code posix} and {@code vmfs}: each reads a fresh
 * {@link VmfsFileAttributes}. VMFS has no API for changing times, owners or modes here, so
 * setters refuse: with {@link java.nio.file.ReadOnlyFileSystemException} on a read-only volume,
 * else {@link UnsupportedOperationException}.
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

  @Override
  public void setTimes(FileTime lastModifiedTime, FileTime lastAccessTime, FileTime createTime) {
    if (lastModifiedTime == null && lastAccessTime == null && createTime == null) {
      return;
    }
    refuse("times");
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
