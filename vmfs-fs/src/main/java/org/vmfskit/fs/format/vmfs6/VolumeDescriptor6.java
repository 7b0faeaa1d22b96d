package org.vmfskit.fs.format.vmfs6;

import java.nio.ByteBuffer;
import java.util.Objects;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.LittleEndian;
import org.vmfskit.fs.format.UnsupportedFormatException;
import org.vmfskit.fs.format.VmfsFormatException;
import org.vmfskit.fs.format.VmfsUuid;

/**
 * The LVM6 volume descriptor, 512 bytes at image offset 0x100000 + mdA (LVM_VolumeInfo in
 * dissect.vmfs; vmfs6-format.md section 2.2 [V]). Sizes and PE counts are still in 256 MiB units.
 * <pre>
 * off    size type  field            meaning / valid range
 * 0x000  8    u64   logicalSize      volume bytes = numPEs x 256 MiB for one device
 * 0x008  8    u64   generation       2 on the real image; equal across extents (vmfs6-tools)
 * 0x010  4    u32   state            1 = normal
 * 0x014  64   char  name             the LVM UUID as text (35 characters)
 * 0x054  16   uuid  lvmUuid          must equal FS descriptor +0xB1 (vmfs6-tools refuses otherwise)
 * 0x064  4    u32   snapId           1
 * 0x068  8    u64   creationTimeUs   microseconds
 * 0x070  4    u32   volumeId         0; PE entries refer to it
 * 0x074  4    u32   numPEs           256 MiB segments of this device, at least 1
 * 0x078  8    u64   firstPE          0 (dissect: must be 0 on device 0)
 * 0x080  8    u64   lastPE           firstPE + numPEs - 1
 * 0x088  8    u64   modTimeUs        microseconds
 * 0x090  4    u32   numDevs          1: vmfskit reads single-device volumes
 * 0x110  4    u32   consumedPEs      PE table entries used (1 on the real image)
 * </pre>
 */
public record VolumeDescriptor6(
    long logicalSize,
    long generation,
    long state,
    String name,
    VmfsUuid lvmUuid,
    long snapId,
    long creationTimeUs,
    long volumeId,
    long numPEs,
    long modTimeUs,
    long consumedPEs) {

  /** Bytes of the structure. */
  public static final int SIZE = 512;
  /** Bytes of one LVM segment ("PE" in the volume descriptor). */
  public static final long SEGMENT_SIZE = 256L << 20;
  /** Largest segment count vmfskit accepts: 64 TiB. */
  public static final long MAX_SEGMENTS = 64L * 1024 * 4;

  private static final String NAME = "VolumeDescriptor6";
  private static final int OFF_LOGICAL_SIZE = 0x00;
  private static final int OFF_GENERATION = 0x08;
  private static final int OFF_STATE = 0x10;
  private static final int OFF_NAME = 0x14;
  private static final int OFF_LVM_UUID = 0x54;
  private static final int OFF_SNAP_ID = 0x64;
  private static final int OFF_CREATION_TIME = 0x68;
  private static final int OFF_VOLUME_ID = 0x70;
  private static final int OFF_NUM_PES = 0x74;
  private static final int OFF_FIRST_PE = 0x78;
  private static final int OFF_LAST_PE = 0x80;
  private static final int OFF_MOD_TIME = 0x88;
  private static final int OFF_NUM_DEVS = 0x90;
  private static final int OFF_CONSUMED_PES = 0x110;
  private static final int NAME_FIELD = 64;

  /** Checks what the Java types cannot. */
  public VolumeDescriptor6 {
    Objects.requireNonNull(name);
    Objects.requireNonNull(lvmUuid);
  }

  /** Returns a descriptor of a one-device volume of {@code segments} x 256 MiB. */
  public static VolumeDescriptor6 singleDevice(long segments, VmfsUuid lvmUuid, String name, long timeUs) {
    return new VolumeDescriptor6(segments * SEGMENT_SIZE, 2, 1, name, lvmUuid, 1, timeUs, 0, segments, timeUs, 1);
  }

  /** Decodes the descriptor from {@code src}, read at image offset {@code deviceOffset}. */
  public static VolumeDescriptor6 decode(ByteBuffer src, long deviceOffset) throws VmfsFormatException {
    long numPEs = LittleEndian.u32(src, OFF_NUM_PES);
    if (numPEs < 1 || numPEs > MAX_SEGMENTS) {
      throw Corrupt.range(NAME, deviceOffset + OFF_NUM_PES, "numPEs", 1, MAX_SEGMENTS, numPEs);
    }
    long firstPE = LittleEndian.u64(src, OFF_FIRST_PE);
    if (firstPE != 0) {
      throw new UnsupportedFormatException(NAME, deviceOffset + OFF_FIRST_PE,
          "this device starts at segment " + firstPE + "; vmfskit reads single-device volumes (expected firstPE 0)");
    }
    long lastPE = LittleEndian.u64(src, OFF_LAST_PE);
    if (lastPE != numPEs - 1) {
      throw Corrupt.field(NAME, deviceOffset + OFF_LAST_PE, "lastPE", numPEs - 1, lastPE);
    }
    long numDevs = LittleEndian.u32(src, OFF_NUM_DEVS);
    if (numDevs != 1) {
      throw new UnsupportedFormatException(NAME, deviceOffset + OFF_NUM_DEVS,
          "volume spans " + numDevs + " devices; vmfskit reads single-device volumes (expected numDevs 1)");
    }
    long logicalSize = LittleEndian.u64(src, OFF_LOGICAL_SIZE);
    if (logicalSize != numPEs * SEGMENT_SIZE) {
      throw Corrupt.defect(NAME, deviceOffset + OFF_LOGICAL_SIZE, "logicalSize", "volume size disagrees with the segment count",
          numPEs * SEGMENT_SIZE, logicalSize);
    }
    return new VolumeDescriptor6(
        logicalSize,
        LittleEndian.u64(src, OFF_GENERATION),
        LittleEndian.u32(src, OFF_STATE),
        LittleEndian.cString(src, OFF_NAME, NAME_FIELD),
        VmfsUuid.decode(src, OFF_LVM_UUID),
        LittleEndian.u32(src, OFF_SNAP_ID),
        LittleEndian.u64(src, OFF_CREATION_TIME),
        LittleEndian.u32(src, OFF_VOLUME_ID),
        numPEs,
        LittleEndian.u64(src, OFF_MOD_TIME),
        LittleEndian.u32(src, OFF_CONSUMED_PES));
  }

  /** Encodes the descriptor into the first {@link #SIZE} bytes of {@code dst}. */
  public void encode(ByteBuffer dst) {
    LittleEndian.putU64(dst, OFF_LOGICAL_SIZE, logicalSize);
    LittleEndian.putU64(dst, OFF_GENERATION, generation);
    LittleEndian.putU32(dst, OFF_STATE, state);
    LittleEndian.putCString(dst, OFF_NAME, NAME_FIELD, name);
    lvmUuid.encode(dst, OFF_LVM_UUID);
    LittleEndian.putU32(dst, OFF_SNAP_ID, snapId);
    LittleEndian.putU64(dst, OFF_CREATION_TIME, creationTimeUs);
    LittleEndian.putU32(dst, OFF_VOLUME_ID, volumeId);
    LittleEndian.putU32(dst, OFF_NUM_PES, numPEs);
    LittleEndian.putU64(dst, OFF_FIRST_PE, 0);
    LittleEndian.putU64(dst, OFF_LAST_PE, numPEs - 1);
    LittleEndian.putU64(dst, OFF_MOD_TIME, modTimeUs);
    LittleEndian.putU32(dst, OFF_NUM_DEVS, 1);
    LittleEndian.putU32(dst, OFF_CONSUMED_PES, consumedPEs);
  }
}
