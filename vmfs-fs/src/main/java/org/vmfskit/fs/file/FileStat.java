package org.vmfskit.fs.file;

import org.vmfskit.fs.format.AddressingMode;
import org.vmfskit.fs.format.FileDescriptor;
import org.vmfskit.fs.format.FileDescriptorAddr;
import org.vmfskit.fs.format.FileType;

/**
 * What {@code stat} tells about one file.
 *
 * @param name the entry name
 * @param address the FD address
 * @param type the file type
 * @param size length in bytes
 * @param mode permission bits as stored
 * @param nlink link count
 * @param uid owner
 * @param gid group
 * @param mtime modification time, unix seconds
 * @param ctime change time, unix seconds
 * @param atime access time, unix seconds
 * @param addressing the FD's addressing mode
 * @param blockSize the FD's block size
 * @param blocks allocated data blocks
 * @param tbzBlocks blocks still to be zeroed
 * @param generation the FD's generation
 */
public record FileStat(
    String name, FileDescriptorAddr address, FileType type, long size, long mode, long nlink, long uid, long gid,
    long mtime, long ctime, long atime, AddressingMode addressing, long blockSize, long blocks, long tbzBlocks, long generation) {

  /** Returns the stat of {@code fd} under {@code name}. */
  static FileStat of(String name, FileDescriptorAddr address, FileDescriptor fd) {
    return new FileStat(name, address, fd.type(), fd.size(), fd.mode(), fd.nlink(), fd.uid(), fd.gid(), fd.mtime(), fd.ctime(),
        fd.atime(), fd.zla(), fd.blockSize(), fd.numBlocks(), fd.numTbzBlocks(), fd.generation());
  }

  /** Returns whether this is a directory: type 2, or a system file whose mode says S_IFDIR ({@code .sdd.sf}). */
  public boolean isDirectory() {
    return FileDescriptor.isDirectory(type, mode);
  }

  /**
   * Returns the bytes of storage the file holds: its allocated data blocks (file blocks or
   * sub-blocks, to-be-zeroed ones included, as ESXi and du count them; holes not) times their
   * size; 0 for data resident in the FD. The FD's count is capped at what its size can address, so
   * a damaged count cannot claim more than the file could hold. MAPs are not counted.
   */
  public long allocatedBytes() {
    if (addressing == AddressingMode.RESIDENT || addressing == AddressingMode.EMPTY || blockSize <= 0 || blocks <= 0) {
      return 0;
    }
    long counted = Math.min(blocks, size / blockSize + (size % blockSize == 0 ? 0 : 1));
    return counted > Long.MAX_VALUE / blockSize ? Long.MAX_VALUE : counted * blockSize;
  }

  /** Returns whether this is a symbolic link. */
  public boolean isSymlink() {
    return type == FileType.SYMLINK;
  }

  /** Returns the mode as ls shows it, with the type bits VMFS may not store. */
  public String modeString() {
    char kind = switch (type) {
      case DIRECTORY -> 'd';
      case SYMLINK -> 'l';
      case RDM, VOLUME -> 'b';
      case REGULAR, SYSTEM -> isDirectory() ? 'd' : '-';
    };
    StringBuilder s = new StringBuilder().append(kind);
    String rwx = "rwxrwxrwx";
    for (int i = 0; i < 9; i++) {
      s.append((mode & (1 << (8 - i))) != 0 ? rwx.charAt(i) : '-');
    }
    if ((mode & 01000) != 0) {
      s.setCharAt(9, (mode & 1) != 0 ? 't' : 'T');
    }
    return s.toString();
  }
}
