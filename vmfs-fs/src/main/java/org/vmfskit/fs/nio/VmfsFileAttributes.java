package org.vmfskit.fs.nio;

import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.Set;
import org.vmfskit.fs.file.FileStat;
import org.vmfskit.fs.format.AddressingMode;
import org.vmfskit.fs.format.FileDescriptorAddr;
import org.vmfskit.fs.format.FileType;

/**
 * The attributes of one file on a VMFS volume: the POSIX ones, plus what its file descriptor
 * says about storage (FD address, addressing mode, block counts, generation). A snapshot taken
 * when read; it does not follow later changes.
 */
public final class VmfsFileAttributes implements java.nio.file.attribute.PosixFileAttributes {

  private final FileStat stat;

  VmfsFileAttributes(FileStat stat) {
    this.stat = stat;
  }

  /** Returns the file's FD address; it is also the {@link #fileKey()}. */
  public FileDescriptorAddr fdAddress() {
    return stat.address();
  }

  /** Returns the FD's addressing mode (ZLA). */
  public AddressingMode addressingMode() {
    return stat.addressing();
  }

  /** Returns the bytes each address of the FD covers (file-block or sub-block size). */
  public long blockSize() {
    return stat.blockSize();
  }

  /** Returns the number of data blocks the file holds. */
  public long blockCount() {
    return stat.blocks();
  }

  /**
   * Returns the bytes of storage the file holds (allocated blocks times their size, to-be-zeroed
   * blocks included, holes not): what {@code st_blocks × 512} and {@code du} report.
   */
  public long allocatedSize() {
    return stat.allocatedBytes();
  }

  /** Returns the number of those blocks still flagged to-be-zeroed (they read as zeros). */
  public long tbzBlocks() {
    return stat.tbzBlocks();
  }

  /** Returns the FD's generation, bumped each time the slot is reused. */
  public long generation() {
    return stat.generation();
  }

  /** Returns the link count. */
  public long nlink() {
    return stat.nlink();
  }

  /** Returns the VMFS file type. */
  public FileType vmfsType() {
    return stat.type();
  }

  /** Returns the stored mode bits. */
  public long mode() {
    return stat.mode();
  }

  @Override
  public FileTime lastModifiedTime() {
    return FileTime.fromMillis(stat.mtime() * 1000);
  }

  @Override
  public FileTime lastAccessTime() {
    return FileTime.fromMillis(stat.atime() * 1000);
  }

  /** Returns the change time: VMFS keeps no creation time. */
  @Override
  public FileTime creationTime() {
    return FileTime.fromMillis(stat.ctime() * 1000);
  }

  @Override
  public boolean isRegularFile() {
    return !stat.isDirectory() && (stat.type() == FileType.REGULAR || stat.type() == FileType.SYSTEM);
  }

  @Override
  public boolean isDirectory() {
    return stat.isDirectory();
  }

  @Override
  public boolean isSymbolicLink() {
    return stat.isSymlink();
  }

  @Override
  public boolean isOther() {
    return stat.type() == FileType.RDM || stat.type() == FileType.VOLUME;
  }

  @Override
  public long size() {
    return stat.size();
  }

  @Override
  public Object fileKey() {
    return stat.address();
  }

  @Override
  public UserPrincipal owner() {
    return new VmfsPrincipal(String.valueOf(stat.uid()));
  }

  @Override
  public GroupPrincipal group() {
    return new VmfsPrincipal(String.valueOf(stat.gid()));
  }

  @Override
  public Set<PosixFilePermission> permissions() {
    return PosixFilePermissions.fromString(stat.modeString().substring(1).replace('t', 'x').replace('T', '-'));
  }

  /** A numeric owner or group: VMFS stores ids, not names. */
  record VmfsPrincipal(String getName) implements GroupPrincipal {}
}
