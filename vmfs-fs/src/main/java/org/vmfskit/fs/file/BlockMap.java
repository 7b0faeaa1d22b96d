package org.vmfskit.fs.file;

import java.io.IOException;
import org.vmfskit.fs.format.AddressingMode;
import org.vmfskit.fs.format.BlockAddress;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.FileBlockAddr;
import org.vmfskit.fs.format.FileDescriptor;
import org.vmfskit.fs.format.UnsupportedFormatException;
import org.vmfskit.fs.format.VmfsFormatException;
import org.vmfskit.fs.volume.Geometry;
import org.vmfskit.fs.volume.Volume;

/**
 * Resolves file offsets of one FD to image offsets through its addressing mode: direct file
 * blocks, sub-blocks, pointer blocks, or pointer blocks of pointer blocks. Every address is
 * checked for its kind and range; TBZ blocks and null addresses are holes.
 */
final class BlockMap {

  private final Volume volume;
  private final FileDescriptor fd;
  private final long fdOffset;
  private final long unit;
  private final int perMap;

  private BlockMap(Volume volume, FileDescriptor fd, long fdOffset, long unit) {
    this.volume = volume;
    this.fd = fd;
    this.fdOffset = fdOffset;
    this.unit = unit;
    this.perMap = volume.geometry().addressesPerMap();
  }

  /** Checks the FD's layout fields against the geometry and returns its map. */
  static BlockMap of(Volume volume, FileDescriptor fd, long fdOffset) throws VmfsFormatException {
    Geometry geometry = volume.geometry();
    AddressingMode zla = fd.zla();
    if (zla == AddressingMode.POINTER_BLOCKS_2) {
      throw new UnsupportedFormatException("FileDescriptor", fdOffset, "addressing mode 5 (pointer blocks in .pb2.sf) is not supported");
    }
    long expectedUnit = zla == AddressingMode.SUB_BLOCKS ? geometry.subBlockSize() : geometry.blockSize();
    if (zla != AddressingMode.RESIDENT && fd.blockSize() != expectedUnit) {
      throw Corrupt.field("FileDescriptor", fdOffset + 0x21C, "blockSize", expectedUnit, fd.blockSize());
    }
    if (fd.size() > geometry.maxBytes(zla)) {
      throw Corrupt.range("FileDescriptor", fdOffset + 0x214, "size", 0, geometry.maxBytes(zla), fd.size());
    }
    return new BlockMap(volume, fd, fdOffset, expectedUnit);
  }

  /** Returns the bytes each map entry covers. */
  long unit() {
    return unit;
  }

  /**
   * Returns the run starting at {@code pos} (below the file size), at most {@code maxLength}
   * bytes long, whose bytes are contiguous on the device or all a hole.
   */
  Extent extent(long pos, long maxLength) throws IOException {
    if (fd.zla() == AddressingMode.SUB_BLOCKS) {
      return subBlockExtent(pos, maxLength);
    }
    long index = pos / unit;
    long within = pos % unit;
    long start = deviceOffsetOf(index);
    long length = Math.min(unit - within, maxLength);
    long deviceStart = start == Extent.HOLE ? Extent.HOLE : start + within;
    long expectedNext = start == Extent.HOLE ? Extent.HOLE : start + unit;
    while (length < maxLength) {
      long next = deviceOffsetOf(++index);
      if (next != expectedNext) {
        break;
      }
      length = Math.min(length + unit, maxLength);
      expectedNext = next == Extent.HOLE ? Extent.HOLE : next + unit;
    }
    return new Extent(pos, length, deviceStart);
  }

  /**
   * Returns the run at {@code pos} in a sub-block file: within one sub-block, and within one block
   * of {@code .sbc.sf} where the sub-block straddles two; holes merge across sub-blocks.
   */
  private Extent subBlockExtent(long pos, long maxLength) throws IOException {
    long index = pos / unit;
    long within = pos % unit;
    long[] where = new long[1];
    int raw = rawAddress(index, where);
    if (raw == 0) {
      long length = Math.min(unit - within, maxLength);
      while (length < maxLength && rawAddress(++index, where) == 0) {
        length = Math.min(length + unit, maxLength);
      }
      return new Extent(pos, length, Extent.HOLE);
    }
    deviceOffsetOf(index); // checks the address's kind and range
    long[] segments = volume.subBlockSegments(raw, within, Math.min(unit - within, maxLength), "FileDescriptor", where[0]);
    return new Extent(pos, segments[1], segments[0]);
  }

  /** Returns the image offset of map entry {@code index}, or HOLE. */
  long deviceOffsetOf(long index) throws IOException {
    long[] where = new long[1];
    int raw = rawAddress(index, where);
    if (raw == 0) {
      return Extent.HOLE;
    }
    int type = BlockAddress.typeOf(raw);
    if (fd.zla() == AddressingMode.SUB_BLOCKS) {
      if (type != BlockAddress.TYPE_SB) {
        throw Corrupt.unexpectedAddress("FileDescriptor", where[0], "a sub-block", BlockAddress.decode(raw, "FileDescriptor", where[0]));
      }
      return volume.subBlockDeviceOffset(raw, "FileDescriptor", where[0]);
    }
    if (type != BlockAddress.TYPE_FB) {
      throw Corrupt.unexpectedAddress(fd.zla() == AddressingMode.FILE_BLOCKS ? "FileDescriptor" : "PointerBlock", where[0], "a file block",
          BlockAddress.decode(raw, "block map", where[0]));
    }
    if (FileBlockAddr.isTbz(raw)) {
      return Extent.HOLE;
    }
    long block = FileBlockAddr.blockOf(raw);
    volume.checkBlock(block, fd.zla() == AddressingMode.FILE_BLOCKS ? "FileDescriptor" : "PointerBlock", where[0]);
    return volume.geometry().blockDeviceOffset(block);
  }

  /**
   * Returns the raw address of entry {@code index} and stores the image offset where it was found
   * in {@code where[0]}.
   */
  int rawAddress(long index, long[] where) throws IOException {
    return switch (fd.zla()) {
      case RESIDENT, EMPTY -> throw new IllegalStateException("resident and empty files have no block map");
      case FILE_BLOCKS, SUB_BLOCKS -> slot(index, where);
      case POINTER_BLOCKS -> {
        int pb = slot(index / perMap, where);
        yield pb == 0 ? 0 : entry(pb, (int) (index % perMap), where);
      }
      case DOUBLE_INDIRECT -> {
        long perSlot = (long) perMap * perMap;
        int first = slot(index / perSlot, where);
        if (first == 0) {
          yield 0;
        }
        int second = entry(first, (int) ((index / perMap) % perMap), where);
        if (second == 0) {
          yield 0;
        }
        checkPointer(second, where[0]);
        yield entry(second, (int) (index % perMap), where);
      }
      case POINTER_BLOCKS_2 -> throw new UnsupportedFormatException("FileDescriptor", fdOffset, "addressing mode 5 is not supported");
    };
  }

  private int slot(long index, long[] where) throws VmfsFormatException {
    where[0] = fdOffset + FileDescriptor.DATA_OFFSET + 4 * index;
    if (index >= FileDescriptor.ADDRESS_SLOTS) {
      throw Corrupt.range("FileDescriptor", fdOffset + 0x214, "size", 0, volume.geometry().maxBytes(fd.zla()), fd.size());
    }
    int raw = fd.address((int) index);
    if (raw != 0 && (fd.zla() == AddressingMode.POINTER_BLOCKS || fd.zla() == AddressingMode.DOUBLE_INDIRECT)) {
      checkPointer(raw, where[0]);
    }
    return raw;
  }

  private void checkPointer(int raw, long where) throws VmfsFormatException {
    if (BlockAddress.typeOf(raw) != BlockAddress.TYPE_PB) {
      throw Corrupt.unexpectedAddress("block map", where, "a pointer block", BlockAddress.decode(raw, "block map", where));
    }
  }

  private int entry(int pb, int entry, long[] where) throws IOException {
    int[] entries = volume.readPointerBlock(pb, "block map", where[0]);
    where[0] = volume.pointerBlockDeviceOffset(pb, "block map", where[0]) + 4L * entry;
    return entries[entry];
  }
}
