package org.vmfskit.fs.format.vmfs6;

import java.nio.ByteBuffer;
import java.util.Objects;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.LittleEndian;
import org.vmfskit.fs.format.UnsupportedFormatException;
import org.vmfskit.fs.format.VmfsFormatException;
import org.vmfskit.fs.format.VmfsUuid;

/**
 * The LVM6 device header, one mdA block at image offset 0x100000 (LVM_DevMetadata in dissect.vmfs;
 * vmfs6-format.md section 2.1, values of the real image [V]).
 * <pre>
 * off   size type  field                 meaning / valid range
 * 0x00  4    u32   magic                 0xC001D00D
 * 0x04  4    u32   majorVersion          6 (vmfs6-tools refuses others; 3 and 5 are VMFS3/5)
 * 0x08  4    u32   minorVersion          21 on the real image; shown only
 * 0x0C  80   -     diskID                type, length, name ("vmhba0:2:0" at +0x2E); written zero
 * 0x5A  4    u32   diskBlockSize         512
 * 0x5E  8    u64   totalBytes            device size as ESXi saw it
 * 0x66  4    u32   numVolumes            1 (LVM6 allows one)
 * 0x6A  4    u32   numPEs                PE table entries on this device, at least 1
 * 0x6E  4    u32   lastPEIndex           numPEs - 1
 * 0x72  8    u64   generation            3 on the real image
 * 0x7A  8    u64   dataOffset            0x1100000: image offset of L 0 (vmfs6-tools hard-codes it)
 * 0x82  16   uuid  devId                 device UUID
 * 0x92  8    u64   initTimeUs            microseconds since 1970
 * 0x9A  8    u64   modTimeUs             microseconds since 1970
 * 0xA2  16   uuid  lockedBy              zero
 * 0xB2  8    u64   lockedWhenUs          zero
 * 0xBE  4    u32   numPEMaps             0 (dissect reads 0 as 1)
 * 0xC2  8    u64   extDevMetadataOffset  0: no chained PE-map areas [D]
 * 0xCA  4    u32   mdAlignment           0x1000; a power of two 512..1 MiB (dissect fails on 0 [W])
 * 0xCE  4    u32   numPEs6               volume size / 256 MiB (meaning inferred)
 * 0xD2  4    u32   flags                 0; 1 = VMFS-L [D]
 * 0xD6  ..   -     -                     zero up to mdA
 * </pre>
 * The tables after it sit at fixed distances computed from mdA (section 2.3): the volume table
 * at +mdA, the SD table at +mdA + 512 + 1023 x 512 - 32 x 256, the PE bitmap after the 32
 * 256-byte SD entries and the PE table after max(mdA, 1024) bitmap bytes.
 */
public record LvmDeviceHeader6(
    int minorVersion,
    long totalBytes,
    long numPEs,
    long generation,
    long dataOffset,
    VmfsUuid devId,
    long initTimeUs,
    long modTimeUs,
    long numPEMaps,
    long extDevMetadataOffset,
    int mdAlignment,
    long numPEs6,
    long flags) {

  /** Image offset of the header. */
  public static final long IMAGE_OFFSET = 0x100000;
  /** The LVM magic. */
  public static final long MAGIC = 0xC001D00DL;
  /** The LVM major version of VMFS6. */
  public static final int MAJOR = 6;
  /** Minor version of the real image (ESXi 6.7/7.0). */
  public static final int MINOR = 21;
  /** Image offset of L 0 on every known volume. */
  public static final long DATA_OFFSET = 0x1100000;
  /** Bytes decode reads (the rest of the mdA block is zero). */
  public static final int SIZE = 0x200;
  /** VMFS-L flag [D]. */
  public static final long FLAG_VMFS_L = 1;
  /** Most PE table entries one device map holds (8 x 8192 [D]). */
  public static final long MAX_PES = 8L * 8192;

  private static final String NAME = "LvmDeviceHeader6";
  private static final int OFF_MAGIC = 0x00;
  private static final int OFF_MAJOR = 0x04;
  private static final int OFF_MINOR = 0x08;
  private static final int OFF_DISK_BLOCK_SIZE = 0x5A;
  private static final int OFF_TOTAL_BYTES = 0x5E;
  private static final int OFF_NUM_VOLUMES = 0x66;
  private static final int OFF_NUM_PES = 0x6A;
  private static final int OFF_LAST_PE_INDEX = 0x6E;
  private static final int OFF_GENERATION = 0x72;
  private static final int OFF_DATA_OFFSET = 0x7A;
  private static final int OFF_DEV_ID = 0x82;
  private static final int OFF_INIT_TIME = 0x92;
  private static final int OFF_MOD_TIME = 0x9A;
  private static final int OFF_NUM_PE_MAPS = 0xBE;
  private static final int OFF_EXT_DEV_METADATA = 0xC2;
  private static final int OFF_MD_ALIGNMENT = 0xCA;
  private static final int OFF_NUM_PES6 = 0xCE;
  private static final int OFF_FLAGS = 0xD2;

  /** Checks what the Java types cannot. */
  public LvmDeviceHeader6 {
    Objects.requireNonNull(devId);
  }

  /** Returns the image offset of the volume table (one volume descriptor). */
  public long volumeTableOffset() {
    return IMAGE_OFFSET + mdAlignment;
  }

  /** Returns the image offset of the SD table (32 device names of 256 bytes). */
  public long sdTableOffset() {
    return IMAGE_OFFSET + mdAlignment + 512 + 1023 * 512 - 32 * 256;
  }

  /** Returns the image offset of the PE bitmap. */
  public long peBitmapOffset() {
    return sdTableOffset() + 32 * 256;
  }

  /** Returns the image offset of PE table entry 0. */
  public long peTableOffset() {
    return peBitmapOffset() + Math.max(mdAlignment, 1024);
  }

  /** Decodes the header from {@code src}, read at image offset {@code deviceOffset}. */
  public static LvmDeviceHeader6 decode(ByteBuffer src, long deviceOffset) throws VmfsFormatException {
    long magic = LittleEndian.u32(src, OFF_MAGIC);
    if (magic != MAGIC) {
      throw Corrupt.magic(NAME, deviceOffset, MAGIC, magic);
    }
    long major = LittleEndian.u32(src, OFF_MAJOR);
    if (major == 3 || major == 5) {
      throw new UnsupportedFormatException(NAME, deviceOffset + OFF_MAJOR, "LVM major version " + major + " is VMFS3/5, not VMFS6");
    }
    if (major != MAJOR) {
      throw Corrupt.field(NAME, deviceOffset + OFF_MAJOR, "majorVersion", MAJOR, major);
    }
    long numVolumes = LittleEndian.u32(src, OFF_NUM_VOLUMES);
    if (numVolumes != 1) {
      throw Corrupt.field(NAME, deviceOffset + OFF_NUM_VOLUMES, "numVolumes", 1, numVolumes);
    }
    long numPEs = LittleEndian.u32(src, OFF_NUM_PES);
    if (numPEs < 1 || numPEs > MAX_PES) {
      throw Corrupt.range(NAME, deviceOffset + OFF_NUM_PES, "numPEs", 1, MAX_PES, numPEs);
    }
    long lastPeIndex = LittleEndian.u32(src, OFF_LAST_PE_INDEX);
    if (lastPeIndex >= numPEs) {
      throw Corrupt.range(NAME, deviceOffset + OFF_LAST_PE_INDEX, "lastPEIndex", 0, numPEs - 1, lastPeIndex);
    }
    long mdA = LittleEndian.u32(src, OFF_MD_ALIGNMENT);
    if (mdA < 512 || mdA > 1 << 20 || Long.bitCount(mdA) != 1) {
      throw Corrupt.defect(NAME, deviceOffset + OFF_MD_ALIGNMENT, "mdAlignment", "bad metadata alignment", "a power of two from 512 to 1 MiB", mdA);
    }
    long dataOffset = LittleEndian.u64(src, OFF_DATA_OFFSET);
    long tablesEnd = IMAGE_OFFSET + 2 * mdA + 1023 * 512 + Math.max(mdA, 1024);
    if (dataOffset < tablesEnd || dataOffset % 512 != 0) {
      throw Corrupt.defect(NAME, deviceOffset + OFF_DATA_OFFSET, "dataOffset", "data area overlaps the LVM tables or is unaligned",
          "a multiple of 512 from " + Corrupt.hex(tablesEnd), Corrupt.hex(dataOffset));
    }
    long flags = LittleEndian.u32(src, OFF_FLAGS);
    return new LvmDeviceHeader6(
        (int) LittleEndian.u32(src, OFF_MINOR),
        LittleEndian.u64(src, OFF_TOTAL_BYTES),
        numPEs,
        LittleEndian.u64(src, OFF_GENERATION),
        dataOffset,
        VmfsUuid.decode(src, OFF_DEV_ID),
        LittleEndian.u64(src, OFF_INIT_TIME),
        LittleEndian.u64(src, OFF_MOD_TIME),
        LittleEndian.u32(src, OFF_NUM_PE_MAPS),
        LittleEndian.u64(src, OFF_EXT_DEV_METADATA),
        (int) mdA,
        LittleEndian.u32(src, OFF_NUM_PES6),
        flags);
  }

  /** Encodes the header into the first {@link #SIZE} bytes of {@code dst}. */
  public void encode(ByteBuffer dst) {
    LittleEndian.putU32(dst, OFF_MAGIC, MAGIC);
    LittleEndian.putU32(dst, OFF_MAJOR, MAJOR);
    LittleEndian.putU32(dst, OFF_MINOR, minorVersion);
    LittleEndian.putU32(dst, OFF_DISK_BLOCK_SIZE, 512);
    LittleEndian.putU64(dst, OFF_TOTAL_BYTES, totalBytes);
    LittleEndian.putU32(dst, OFF_NUM_VOLUMES, 1);
    LittleEndian.putU32(dst, OFF_NUM_PES, numPEs);
    LittleEndian.putU32(dst, OFF_LAST_PE_INDEX, numPEs - 1);
    LittleEndian.putU64(dst, OFF_GENERATION, generation);
    LittleEndian.putU64(dst, OFF_DATA_OFFSET, dataOffset);
    devId.encode(dst, OFF_DEV_ID);
    LittleEndian.putU64(dst, OFF_INIT_TIME, initTimeUs);
    LittleEndian.putU64(dst, OFF_MOD_TIME, modTimeUs);
    LittleEndian.putU32(dst, OFF_NUM_PE_MAPS, numPEMaps);
    LittleEndian.putU64(dst, OFF_EXT_DEV_METADATA, extDevMetadataOffset);
    LittleEndian.putU32(dst, OFF_MD_ALIGNMENT, mdAlignment);
    LittleEndian.putU32(dst, OFF_NUM_PES6, numPEs6);
    LittleEndian.putU32(dst, OFF_FLAGS, flags);
  }
}
