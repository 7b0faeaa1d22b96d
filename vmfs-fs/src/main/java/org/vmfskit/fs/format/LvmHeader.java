package org.vmfskit.fs.format;

import java.nio.ByteBuffer;

/**
 * The LVM device header and its volume descriptor, 1 KiB at image offset 0x100000
 * (LVM_DevMetadata and LVM_VolumeInfo in dissect.vmfs). Offsets are from 0x100000.
 * <pre>
 * off    size type  field            meaning / valid range
 * 0x000  4    u32   magic            0xC001D00D
 * 0x004  4    u32   majorVersion     3 (VMFS3) or 5 (VMFS5); 6 is VMFS6, unsupported
 * 0x008  4    u32   minorVersion     not checked (vmfskit writes 81, unsure what ESXi writes)
 * 0x05A  4    u32   diskBlockSize    512
 * 0x05E  8    u64   totalBytes       size of the device in bytes
 * 0x066  4    u32   numVolumes       1
 * 0x06A  4    u32   devNumPEs        PEs on this device
 * 0x06E  4    u32   lastPEIndex      devNumPEs - 1
 * 0x072  8    u64   generation       1
 * 0x07A  8    u64   dataOffset       0x1100000, image offset of PE 0 (readers hard-code it)
 * 0x082  16   uuid  deviceUuid       extent UUID
 * 0x092  8    u64   initTimeUs       microseconds since the epoch
 * 0x09A  8    u64   modTimeUs        microseconds since the epoch
 * 0x200  8    u64   volumeSize       logical volume size in bytes, numPEs x 256 MiB
 * 0x208  8    u64   volumeGeneration 1
 * 0x210  4    u32   state            1 = normal
 * 0x214  64   char  volumeName       ESX stores the LVM UUID as text here
 * 0x254  16   uuid  lvmUuid          must equal the FS descriptor's copy at +0xB1
 * 0x264  4    u32   snapId           1
 * 0x268  8    u64   createTimeUs     microseconds
 * 0x270  4    u32   volumeId         0
 * 0x274  4    u32   numPEs           segments of 256 MiB in this extent, at least 1
 * 0x278  8    u64   firstPE          first segment of this extent; 0 for one extent
 * 0x280  8    u64   lastPE           firstPE + numPEs - 1
 * 0x288  8    u64   volumeModTimeUs  microseconds
 * 0x290  4    u32   numDevs          extents in the volume; vmfskit reads single-extent volumes
 * </pre>
 */
public record LvmHeader(
    int majorVersion,
    int minorVersion,
    long totalBytes,
    long dataOffset,
    VmfsUuid deviceUuid,
    long initTimeUs,
    long volumeSize,
    String volumeName,
    VmfsUuid lvmUuid,
    long numPEs,
    long firstPE,
    long lastPE,
    long numDevs) {

  /** Bytes read and written for this structure. */
  public static final int SIZE = 0x400;
  /** Image offset of the header. */
  public static final long IMAGE_OFFSET = 0x100000;
  /** The LVM magic. */
  public static final long MAGIC = 0xC001D00DL;
  /** Image offset of logical address 0 of a single-extent volume. */
  public static final long DATA_OFFSET = 0x1100000;
  /** Size of one PE (segment). */
  public static final long PE_SIZE = 256L << 20;
  /** Largest PE count vmfskit accepts: 64 TiB. */
  public static final long MAX_PES = 64L * 1024 * 4;

  private static final String NAME = "LvmHeader";
  private static final int OFF_MAGIC = 0x00;
  private static final int OFF_MAJOR = 0x04;
  private static final int OFF_MINOR = 0x08;
  private static final int OFF_DISK_BLOCK_SIZE = 0x5A;
  private static final int OFF_TOTAL_BYTES = 0x5E;
  private static final int OFF_NUM_VOLUMES = 0x66;
  private static final int OFF_DEV_NUM_PES = 0x6A;
  private static final int OFF_LAST_PE_INDEX = 0x6E;
  private static final int OFF_GENERATION = 0x72;
  private static final int OFF_DATA_OFFSET = 0x7A;
  private static final int OFF_DEVICE_UUID = 0x82;
  private static final int OFF_INIT_TIME = 0x92;
  private static final int OFF_MOD_TIME = 0x9A;
  private static final int OFF_VOLUME_SIZE = 0x200;
  private static final int OFF_VOLUME_GENERATION = 0x208;
  private static final int OFF_STATE = 0x210;
  private static final int OFF_VOLUME_NAME = 0x214;
  private static final int OFF_LVM_UUID = 0x254;
  private static final int OFF_SNAP_ID = 0x264;
  private static final int OFF_CREATE_TIME = 0x268;
  private static final int OFF_NUM_PES = 0x274;
  private static final int OFF_FIRST_PE = 0x278;
  private static final int OFF_LAST_PE = 0x280;
  private static final int OFF_VOLUME_MOD_TIME = 0x288;
  private static final int OFF_NUM_DEVS = 0x290;

  /** Checks what the Java types cannot. */
  public LvmHeader {
    java.util.Objects.requireNonNull(deviceUuid);
    java.util.Objects.requireNonNull(lvmUuid);
    java.util.Objects.requireNonNull(volumeName);
  }

  /** Returns the logical volume size in bytes implied by the PE count. */
  public long extentBytes() {
    return numPEs * PE_SIZE;
  }

  /**
   * Decodes the header from {@code src} (1 KiB, little-endian), read at image offset
   * {@code deviceOffset}.
   */
  public static LvmHeader decode(ByteBuffer src, long deviceOffset) throws VmfsFormatException {
    long magic = LittleEndian.u32(src, OFF_MAGIC);
    if (magic != MAGIC) {
      throw Corrupt.magic(NAME, deviceOffset, MAGIC, magic);
    }
    int major = (int) LittleEndian.u32(src, OFF_MAJOR);
    if (major == 6) {
      throw new UnsupportedFormatException(NAME, deviceOffset, "LVM major version 6 is VMFS6, which vmfskit does not read");
    }
    if (major != 3 && major != 5) {
      throw Corrupt.defect(NAME, deviceOffset + OFF_MAJOR, "majorVersion", "unknown LVM major version", "3 or 5", major);
    }
    long numPEs = LittleEndian.u32(src, OFF_NUM_PES);
    if (numPEs < 1 || numPEs > MAX_PES) {
      throw Corrupt.range(NAME, deviceOffset + OFF_NUM_PES, "numPEs", 1, MAX_PES, numPEs);
    }
    long firstPE = LittleEndian.u64(src, OFF_FIRST_PE);
    long lastPE = LittleEndian.u64(src, OFF_LAST_PE);
    if (firstPE != 0) {
      throw new UnsupportedFormatException(NAME, deviceOffset + OFF_FIRST_PE, "this extent starts at PE " + firstPE + "; vmfskit reads single-extent volumes (expected firstPE 0)");
    }
    if (lastPE != firstPE + numPEs - 1) {
      throw Corrupt.field(NAME, deviceOffset + OFF_LAST_PE, "lastPE", firstPE + numPEs - 1, lastPE);
    }
    long numDevs = LittleEndian.u32(src, OFF_NUM_DEVS);
    if (numDevs != 1) {
      throw new UnsupportedFormatException(NAME, deviceOffset + OFF_NUM_DEVS, "volume spans " + numDevs + " extents; vmfskit reads single-extent volumes (expected numDevs 1)");
    }
    return new LvmHeader(
        major,
        (int) LittleEndian.u32(src, OFF_MINOR),
        LittleEndian.u64(src, OFF_TOTAL_BYTES),
        LittleEndian.u64(src, OFF_DATA_OFFSET),
        VmfsUuid.decode(src, OFF_DEVICE_UUID),
        LittleEndian.u64(src, OFF_INIT_TIME),
        LittleEndian.u64(src, OFF_VOLUME_SIZE),
        LittleEndian.cString(src, OFF_VOLUME_NAME, 64),
        VmfsUuid.decode(src, OFF_LVM_UUID),
        numPEs,
        firstPE,
        lastPE,
        numDevs);
  }

  /** Encodes the header into the first {@link #SIZE} bytes of {@code dst}. */
  public void encode(ByteBuffer dst) {
    LittleEndian.putU32(dst, OFF_MAGIC, MAGIC);
    LittleEndian.putU32(dst, OFF_MAJOR, majorVersion);
    LittleEndian.putU32(dst, OFF_MINOR, minorVersion);
    LittleEndian.putU32(dst, OFF_DISK_BLOCK_SIZE, 512);
    LittleEndian.putU64(dst, OFF_TOTAL_BYTES, totalBytes);
    LittleEndian.putU32(dst, OFF_NUM_VOLUMES, 1);
    LittleEndian.putU32(dst, OFF_DEV_NUM_PES, numPEs);
    LittleEndian.putU32(dst, OFF_LAST_PE_INDEX, numPEs - 1);
    LittleEndian.putU64(dst, OFF_GENERATION, 1);
    LittleEndian.putU64(dst, OFF_DATA_OFFSET, dataOffset);
    deviceUuid.encode(dst, OFF_DEVICE_UUID);
    LittleEndian.putU64(dst, OFF_INIT_TIME, initTimeUs);
    LittleEndian.putU64(dst, OFF_MOD_TIME, initTimeUs);
    LittleEndian.putU64(dst, OFF_VOLUME_SIZE, volumeSize);
    LittleEndian.putU64(dst, OFF_VOLUME_GENERATION, 1);
    LittleEndian.putU32(dst, OFF_STATE, 1);
    LittleEndian.putCString(dst, OFF_VOLUME_NAME, 64, volumeName);
    lvmUuid.encode(dst, OFF_LVM_UUID);
    LittleEndian.putU32(dst, OFF_SNAP_ID, 1);
    LittleEndian.putU64(dst, OFF_CREATE_TIME, initTimeUs);
    LittleEndian.putU32(dst, OFF_NUM_PES, numPEs);
    LittleEndian.putU64(dst, OFF_FIRST_PE, firstPE);
    LittleEndian.putU64(dst, OFF_LAST_PE, lastPE);
    LittleEndian.putU64(dst, OFF_VOLUME_MOD_TIME, initTimeUs);
    LittleEndian.putU32(dst, OFF_NUM_DEVS, numDevs);
  }
}
