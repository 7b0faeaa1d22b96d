package org.vmfskit.fs.vmdk;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.vmfskit.fs.format.TruncatedImageException;

/**
 * One data extent of one layer of a chain. The chain's merged index asks each extent, top layer
 * first, to claim the units of a region it owns ({@link #map}); reads then go straight to the
 * owner's file. Offsets passed in are relative to the extent's start in the virtual disk.
 */
sealed interface Extent extends Closeable
    permits FlatExtent, CowdExtent, SeSparseExtent, HostedSparseExtent {

  /** A {@code fileOffsets} value: the unit is owned by this extent and reads as zeros. */
  long ZERO = -1;

  /** A {@code owners} value: no extent has claimed the unit yet. */
  short UNRESOLVED = -1;

  /** Returns the {@code fileOffsets} code of a unit inside a compressed grain record. */
  static long compressed(long recordOffset) {
    return -2 - recordOffset;
  }

  /** Returns the record offset encoded by {@link #compressed}. */
  static long recordOffset(long code) {
    return -2 - code;
  }

  /**
   * Reads {@code dst.remaining()} bytes of a structure at {@code offset}, turning an early end of
   * file into a {@link TruncatedImageException} that names the structure and offset.
   */
  static ByteBuffer readStructure(DiskFile file, long offset, ByteBuffer dst, String structure)
      throws IOException {
    int length = dst.remaining();
    try {
      file.readFully(offset, dst);
    } catch (java.io.EOFException e) {
      throw new TruncatedImageException(structure + " in " + file.name(), offset, length, e);
    }
    return dst.flip().order(java.nio.ByteOrder.LITTLE_ENDIAN);
  }

  /** Returns the number of virtual bytes the extent covers. */
  long sizeBytes();

  /** Returns the grain size in bytes; a flat extent returns 0. */
  int grainBytes();

  /** Returns the file holding the extent's data. */
  DiskFile file();

  /**
   * Claims the still unresolved units among {@code units} units of {@code unitBytes} starting at
   * {@code offset}: for each unit {@code i} it owns it stores its file offset (or {@link #ZERO}) in
   * {@code fileOffsets[at + i]} and {@code self} in {@code owners[at + i]}. {@code unitBytes} divides the
   * grain size.
   */
  void map(long offset, int units, int unitBytes, long[] fileOffsets, short[] owners, int at, short self)
      throws IOException;

  /** Writes whole grains at a grain-aligned {@code offset}, allocating as needed. */
  void write(long offset, ByteBuffer src) throws IOException;

  /** Returns the bytes of data this extent holds (allocated grains, or the file size). */
  long allocatedBytes() throws IOException;

  /** Writes cached metadata. */
  default void flush() throws IOException {}

  @Override
  default void close() throws IOException {
    file().close();
  }
}
