package org.vmfskit.fs.vmdk;

import static com.google.common.base.Preconditions.checkArgument;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.LittleEndian;
import org.vmfskit.fs.format.ResourceLimitException;
import org.vmfskit.fs.format.UnsupportedFormatException;

/**
 * The header of a hosted sparse extent ("KDMV": monolithicSparse, twoGbMaxExtentSparse,
 * streamOptimized): 512 bytes at offset 0, or the footer near the end of a stream
 * (SparseExtentHeader in the VMware technote; VMDK4Header in qemu). Offsets and sizes in sectors.
 * <pre>
 * off   size  type  field              meaning
 * 0x00  4     bytes magic              "KDMV" (4B 44 4D 56)
 * 0x04  4     u32   version            1..3 (2: zeroed-grain GTEs, 3: stream / CBT)
 * 0x08  4     u32   flags              bit 0 newline check, 1 redundant GD, 2 zeroed-grain GTE,
 *                                      16 compressed grains, 17 markers
 * 0x0C  8     u64   capacity           sectors, 1 .. 2^40
 * 0x14  8     u64   grainSize          sectors, power of two, 1 .. 65536; 128 by default
 * 0x1C  8     u64   descriptorOffset   sector of the embedded descriptor, 0 if none
 * 0x24  8     u64   descriptorSize     sectors, at most 2048 (1 MiB)
 * 0x2C  4     u32   numGTEsPerGT       1 .. 512; 512 by default
 * 0x30  8     u64   rgdOffset          redundant GD sector
 * 0x38  8     u64   gdOffset           GD sector; 0xFFFFFFFFFFFFFFFF = in the footer
 * 0x40  8     u64   overHead           first grain sector
 * 0x48  1     u8    uncleanShutdown    0 or 1
 * 0x49  4     char  newline check      '\n' ' ' '\r' '\n'
 * 0x4D  2     u16   compressAlgorithm  0 none, 1 deflate
 * 0x4F  433   -     pad                0
 * </pre>
 */
record KdmvHeader(
    long version,
    long flags,
    long capacity,
    long grainSize,
    long descriptorOffset,
    long descriptorSize,
    long numGtesPerGt,
    long rgdOffset,
    long gdOffset,
    long overHead,
    int uncleanShutdown,
    int compressAlgorithm) {

  static final int SIZE = 512;
  static final int MAGIC = 0x564D444B;
  static final long GD_AT_END = -1L;
  static final long FLAG_NEWLINE = 1;
  static final long FLAG_RGD = 2;
  static final long FLAG_ZERO_GRAIN = 4;
  static final long FLAG_COMPRESSED = 1 << 16;
  static final long FLAG_MARKERS = 1 << 17;
  static final long MAX_GRAIN_SECTORS = 65536;

  private static final String STRUCTURE = "KdmvHeader";
  private static final int OFF_MAGIC = 0x00;
  private static final int OFF_VERSION = 0x04;
  private static final int OFF_FLAGS = 0x08;
  private static final int OFF_CAPACITY = 0x0C;
  private static final int OFF_GRAIN_SIZE = 0x14;
  private static final int OFF_DESCRIPTOR_OFFSET = 0x1C;
  private static final int OFF_DESCRIPTOR_SIZE = 0x24;
  private static final int OFF_NUM_GTES = 0x2C;
  private static final int OFF_RGD_OFFSET = 0x30;
  private static final int OFF_GD_OFFSET = 0x38;
  private static final int OFF_OVERHEAD = 0x40;
  private static final int OFF_UNCLEAN = 0x48;
  private static final int OFF_NEWLINE = 0x49;
  private static final int OFF_COMPRESS = 0x4D;
  private static final byte[] NEWLINE_CHECK = {'\n', ' ', '\r', '\n'};

  /** Checks field widths. */
  KdmvHeader {
    checkArgument(version >= 0 && version <= 0xFFFFFFFFL && flags >= 0 && flags <= 0xFFFFFFFFL, "u32 field");
    checkArgument(numGtesPerGt >= 0 && numGtesPerGt <= 0xFFFFFFFFL, "u32 numGtesPerGt");
    checkArgument(uncleanShutdown >= 0 && uncleanShutdown <= 0xFF, "u8 uncleanShutdown");
    checkArgument(compressAlgorithm >= 0 && compressAlgorithm <= 0xFFFF, "u16 compressAlgorithm");
  }

  boolean compressed() {
    return compressAlgorithm == 1;
  }

  boolean zeroGrains() {
    return version >= 2 && (flags & FLAG_ZERO_GRAIN) != 0;
  }

  long grainBytes() {
    return grainSize * 512;
  }

  /** Returns the number of GD entries: ceil(capacity / (numGTEsPerGT * grainSize)). */
  long gdEntries() {
    return Math.ceilDiv(capacity, numGtesPerGt * grainSize);
  }

  /** Decodes and checks a header or footer read at {@code fileOffset}. */
  static KdmvHeader decode(ByteBuffer src, long fileOffset)
      throws CorruptStructureException, UnsupportedFormatException, ResourceLimitException {
    int magic = LittleEndian.raw32(src, OFF_MAGIC);
    if (magic != MAGIC) {
      throw Corrupt.magic(STRUCTURE, fileOffset, MAGIC, Integer.toUnsignedLong(magic));
    }
    long version = LittleEndian.u32(src, OFF_VERSION);
    if (version < 1 || version > 3) {
      throw new UnsupportedFormatException(STRUCTURE, fileOffset + OFF_VERSION, "KDMV version " + version);
    }
    long capacity = LittleEndian.u64(src, OFF_CAPACITY);
    long grainSize = LittleEndian.u64(src, OFF_GRAIN_SIZE);
    long numGtes = LittleEndian.u32(src, OFF_NUM_GTES);
    long descriptorSize = LittleEndian.u64(src, OFF_DESCRIPTOR_SIZE);
    long descriptorOffset = LittleEndian.u64(src, OFF_DESCRIPTOR_OFFSET);
    int compress = LittleEndian.u16(src, OFF_COMPRESS);
    if (capacity <= 0 || capacity > (1L << 40)) {
      throw Corrupt.range(STRUCTURE, fileOffset + OFF_CAPACITY, "capacity", 1, 1L << 40, capacity);
    }
    if (grainSize <= 0 || Long.bitCount(grainSize) != 1) {
      throw Corrupt.defect(STRUCTURE, fileOffset + OFF_GRAIN_SIZE, "grainSize", "grain size not a power of two",
          "a power of two", grainSize);
    }
    if (grainSize > MAX_GRAIN_SECTORS) {
      throw new ResourceLimitException(STRUCTURE, fileOffset + OFF_GRAIN_SIZE, "grainSize", MAX_GRAIN_SECTORS,
          grainSize);
    }
    if (numGtes < 1 || numGtes > 512) {
      throw Corrupt.range(STRUCTURE, fileOffset + OFF_NUM_GTES, "numGTEsPerGT", 1, 512, numGtes);
    }
    if (descriptorSize < 0 || descriptorSize > Descriptor.MAX_SIZE / 512) {
      throw new ResourceLimitException(STRUCTURE, fileOffset + OFF_DESCRIPTOR_SIZE, "descriptorSize",
          Descriptor.MAX_SIZE / 512, descriptorSize);
    }
    if (descriptorOffset < 0 || descriptorOffset > (1L << 40)) {
      throw Corrupt.range(STRUCTURE, fileOffset + OFF_DESCRIPTOR_OFFSET, "descriptorOffset", 0, 1L << 40,
          descriptorOffset);
    }
    if (compress > 1) {
      throw new UnsupportedFormatException(STRUCTURE, fileOffset + OFF_COMPRESS,
          "compression algorithm " + compress);
    }
    return new KdmvHeader(version, LittleEndian.u32(src, OFF_FLAGS), capacity, grainSize, descriptorOffset,
        descriptorSize, numGtes, LittleEndian.u64(src, OFF_RGD_OFFSET), LittleEndian.u64(src, OFF_GD_OFFSET),
        LittleEndian.u64(src, OFF_OVERHEAD), LittleEndian.u8(src, OFF_UNCLEAN), compress);
  }

  /** Encodes the header (with the newline check bytes) into the first {@link #SIZE} bytes of {@code dst}. */
  void encode(ByteBuffer dst) {
    for (int i = 0; i < SIZE; i++) {
      dst.put(i, (byte) 0);
    }
    LittleEndian.putU32(dst, OFF_MAGIC, MAGIC);
    LittleEndian.putU32(dst, OFF_VERSION, version);
    LittleEndian.putU32(dst, OFF_FLAGS, flags);
    LittleEndian.putU64(dst, OFF_CAPACITY, capacity);
    LittleEndian.putU64(dst, OFF_GRAIN_SIZE, grainSize);
    LittleEndian.putU64(dst, OFF_DESCRIPTOR_OFFSET, descriptorOffset);
    LittleEndian.putU64(dst, OFF_DESCRIPTOR_SIZE, descriptorSize);
    LittleEndian.putU32(dst, OFF_NUM_GTES, numGtesPerGt);
    LittleEndian.putU64(dst, OFF_RGD_OFFSET, rgdOffset);
    LittleEndian.putU64(dst, OFF_GD_OFFSET, gdOffset);
    LittleEndian.putU64(dst, OFF_OVERHEAD, overHead);
    LittleEndian.putU8(dst, OFF_UNCLEAN, uncleanShutdown);
    dst.put(OFF_NEWLINE, NEWLINE_CHECK);
    LittleEndian.putU16(dst, OFF_COMPRESS, compressAlgorithm);
  }

  ByteBuffer toBuffer() {
    ByteBuffer buffer = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
    encode(buffer);
    return buffer;
  }
}
