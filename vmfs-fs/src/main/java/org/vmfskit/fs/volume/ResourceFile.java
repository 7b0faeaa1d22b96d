package org.vmfskit.fs.volume;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.format.AddressingMode;
import org.vmfskit.fs.format.BlockAddress;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.FileBlockAddr;
import org.vmfskit.fs.format.FileDescriptor;
import org.vmfskit.fs.format.ResourceHeader;
import org.vmfskit.fs.format.TruncatedImageException;
import org.vmfskit.fs.format.UnsupportedFormatException;
import org.vmfskit.fs.format.VmfsFormatException;

/**
 * One opened resource file: its header and the file blocks its FD maps, so a resource or cluster
 * header can be turned into an image offset. Resource files are mapped with direct file blocks
 * (ZLA 1), as on every known volume.
 */
final class ResourceFile {

  private final ResourceKind kind;
  private final ResourceHeader header;
  private final FileDescriptor fd;
  private final long[] blockLogical;
  private final long blockSize;
  private final long headerDeviceOffset;

  private ResourceFile(ResourceKind kind, ResourceHeader header, FileDescriptor fd, long[] blockLogical, long blockSize, long headerDeviceOffset) {
    this.kind = kind;
    this.header = header;
    this.fd = fd;
    this.blockLogical = blockLogical;
    this.blockSize = blockSize;
    this.headerDeviceOffset = headerDeviceOffset;
  }

  /**
   * Opens the resource file described by {@code fd}, whose slot is at {@code fdDeviceOffset}.
   *
   * @param numBlocks the volume's block count, bounding every block address
   */
  static ResourceFile open(BlockDevice device, ResourceKind kind, FileDescriptor fd, long fdDeviceOffset, long blockSize, long numBlocks)
      throws IOException {
    String name = "FileDescriptor of " + kind.fileName();
    if (fd.zla() != AddressingMode.FILE_BLOCKS) {
      throw new UnsupportedFormatException(name, fdDeviceOffset, "resource file uses addressing mode " + fd.zla() + "; vmfskit reads resource files mapped with direct file blocks (ZLA 1)");
    }
    if (fd.blockSize() != blockSize) {
      throw Corrupt.field(name, fdDeviceOffset + 0x21C, "blockSize", blockSize, fd.blockSize());
    }
    long blocks = (fd.size() + blockSize - 1) / blockSize;
    if (blocks > FileDescriptor.ADDRESS_SLOTS || blocks < 1) {
      throw Corrupt.range(name, fdDeviceOffset + 0x214, "size", 1, FileDescriptor.ADDRESS_SLOTS * blockSize, fd.size());
    }
    long[] logical = new long[(int) blocks];
    for (int i = 0; i < blocks; i++) {
      int raw = fd.address(i);
      long slotOffset = fdDeviceOffset + FileDescriptor.DATA_OFFSET + 4L * i;
      BlockAddress address = BlockAddress.decode(raw, name, slotOffset);
      if (!(address instanceof FileBlockAddr fb)) {
        throw Corrupt.unexpectedAddress(name, slotOffset, "a file block", address);
      }
      if (fb.block() >= numBlocks) {
        throw Corrupt.range(name, slotOffset, "block", 0, numBlocks - 1, fb.block());
      }
      logical[i] = fb.block() * blockSize;
    }
    long headerOffset = Geometry.deviceOffset(logical[0]);
    ByteBuffer raw = read(device, headerOffset, ResourceHeader.SIZE, "ResourceHeader of " + kind.fileName());
    long expectedSize = kind == ResourceKind.FILE_BLOCK ? 0 : -1;
    ResourceHeader header = ResourceHeader.decode(raw, headerOffset, kind.fileName(), kind.maxResourcesPerCluster(), expectedSize);
    if (header.numResources() > kind.maxResources()) {
      throw Corrupt.range("ResourceHeader of " + kind.fileName(), headerOffset + 0x14, "numResources", 1, kind.maxResources(), header.numResources());
    }
    return new ResourceFile(kind, header, fd, logical, blockSize, headerOffset);
  }

  /** Reads {@code length} bytes at {@code deviceOffset}, naming {@code structure} on a short image. */
  static ByteBuffer read(BlockDevice device, long deviceOffset, int length, String structure) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    try {
      device.readFully(deviceOffset, buffer);
    } catch (EOFException e) {
      throw new TruncatedImageException(structure, deviceOffset, length, e);
    }
    return buffer.flip();
  }

  ResourceKind kind() {
    return kind;
  }

  ResourceHeader header() {
    return header;
  }

  FileDescriptor fd() {
    return fd;
  }

  long headerDeviceOffset() {
    return headerDeviceOffset;
  }

  /** Returns the logical addresses of the file's blocks. */
  long[] blockLogical() {
    return blockLogical.clone();
  }

  /**
   * Returns the image offset of the first of {@code length} bytes at {@code fileOffset}, which
   * must lie inside the file's mapped length; the bytes may continue in another block (see
   * {@link #segments}).
   */
  long deviceOffset(long fileOffset, long length, String structure) throws VmfsFormatException {
    checkRange(fileOffset, length, structure);
    return Geometry.deviceOffset(blockLogical[(int) (fileOffset / blockSize)] + fileOffset % blockSize);
  }

  private void checkRange(long fileOffset, long length, String structure) throws VmfsFormatException {
    if (fileOffset < 0 || length < 0 || fileOffset + length > fd.size() || (fileOffset + length + blockSize - 1) / blockSize > blockLogical.length) {
      throw Corrupt.defect(structure, headerDeviceOffset, "offset", "structure lies outside " + kind.fileName(),
          "within " + Corrupt.hex(fd.size()) + " bytes", Corrupt.hex(fileOffset));
    }
  }

  /**
   * Returns the image ranges holding {@code [fileOffset, fileOffset + length)} as pairs
   * {@code {deviceOffset, length}}: one pair, or more where a resource straddles blocks of the
   * resource file (64 KiB sub-blocks do on VMFS3-era layouts).
   */
  long[] segments(long fileOffset, long length, String structure) throws VmfsFormatException {
    checkRange(fileOffset, length, structure);
    long first = fileOffset / blockSize;
    long last = (fileOffset + Math.max(length, 1) - 1) / blockSize;
    long[] out = new long[(int) (last - first + 1) * 2];
    long at = fileOffset;
    for (int i = 0; at < fileOffset + length || i == 0; i++) {
      long within = at % blockSize;
      long n = Math.min(blockSize - within, fileOffset + length - at);
      out[2 * i] = Geometry.deviceOffset(blockLogical[(int) (at / blockSize)] + within);
      out[2 * i + 1] = n;
      at += n;
      if (length == 0) {
        break;
      }
    }
    return out;
  }

  /** Returns the file offset of byte {@code within} of resource {@code index}. */
  long resourceFileOffset(long index, long within) {
    long ipe = header.resourcesPerCluster();
    return header.resourceOffset(index / ipe, index % ipe) + within;
  }

  /** Returns the image offset of resource {@code index} (cluster x ipe + r). */
  long resourceDeviceOffset(long index) throws VmfsFormatException {
    return deviceOffset(resourceFileOffset(index, 0), header.resourceSize(), kind.fileName() + " resource " + index);
  }

  /** Returns the image ranges of bytes {@code [within, within + length)} of resource {@code index}. */
  long[] resourceSegments(long index, long within, long length) throws VmfsFormatException {
    if (within < 0 || length < 0 || within + length > header.resourceSize()) {
      throw new IllegalArgumentException("range " + within + "+" + length + " outside a resource of " + header.resourceSize());
    }
    return segments(resourceFileOffset(index, within), length, kind.fileName() + " resource " + index);
  }

  /** Reads resource {@code index} whole, across blocks where it straddles them. */
  ByteBuffer readResource(BlockDevice device, long index, String structure) throws IOException {
    long[] segments = resourceSegments(index, 0, header.resourceSize());
    ByteBuffer buffer = ByteBuffer.allocate((int) header.resourceSize()).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < segments.length; i += 2) {
      ByteBuffer piece = buffer.slice(buffer.position(), (int) segments[i + 1]);
      try {
        device.readFully(segments[i], piece);
      } catch (EOFException e) {
        throw new TruncatedImageException(structure, segments[i], segments[i + 1], e);
      }
      buffer.position(buffer.position() + (int) segments[i + 1]);
    }
    return buffer.flip();
  }

  /** Returns the image offset of the header of {@code cluster}. */
  long clusterDeviceOffset(long cluster) throws VmfsFormatException {
    return deviceOffset(header.clusterHeaderOffset(cluster), ResourceHeader.CLUSTER_HEADER_SIZE, kind.fileName() + " cluster " + cluster);
  }

  /** Returns the logical address of the header of {@code cluster} (its lock's own address). */
  long clusterLogical(long cluster) throws VmfsFormatException {
    return clusterDeviceOffset(cluster) - Geometry.deviceOffset(0);
  }
}
