package org.vmfskit.fs.device.container;

import java.nio.ByteBuffer;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.LittleEndian;

/**
 * The media geometry of an EWF image: the data of the "volume" (or "disk") section in the first
 * segment file, repeated as "data" in later ones. EnCase writes 1052 bytes (checksum at 0x418),
 * SMART 94 bytes (checksum at 0x5A); the fields read here sit at the same offsets in both.
 * <pre>
 * off   size  type  field            meaning
 * 0x00  1     u8    mediaType        0 removable, 1 fixed, 3 optical, 0x10 memory
 * 0x04  4     u32   chunkCount       chunks in the image
 * 0x08  4     u32   sectorsPerChunk  64 by default; 16 .. 32768
 * 0x0C  4     u32   bytesPerSector   512 by default
 * 0x10  8     u64   sectorCount      media size in sectors
 * 0x34  1     u8    compression      0 none, 1 fast, 2 best (E01 layout only)
 * 0x418 4     u32   checksum         Adler-32 of bytes 0x000..0x417 (E01); at 0x5A for SMART
 * </pre>
 *
 * @param chunkCount the number of chunks
 * @param sectorsPerChunk sectors per chunk
 * @param bytesPerSector bytes per sector
 * @param sectorCount the media size in sectors
 */
public record EwfVolume(long chunkCount, long sectorsPerChunk, long bytesPerSector, long sectorCount) {

  /** Data size of the EnCase layout. */
  public static final int E01_SIZE = 1052;
  /** Data size of the SMART layout. */
  public static final int S01_SIZE = 94;
  /** The largest chunk accepted, in bytes (32768 sectors of 512 bytes would be 16 MiB; EnCase 7 stops at 512 KiB). */
  static final long MAX_CHUNK_BYTES = 16L << 20;

  private static final int OFF_CHUNKS = 0x04;
  private static final int OFF_SECTORS_PER_CHUNK = 0x08;
  private static final int OFF_BYTES_PER_SECTOR = 0x0C;
  private static final int OFF_SECTOR_COUNT = 0x10;

  /** Decodes the section data at {@code deviceOffset} of {@code segment}; {@code src} holds 1052 or 94 bytes. */
  public static EwfVolume decode(ByteBuffer src, long deviceOffset, String segment) throws CorruptStructureException {
    String structure = "EWF volume section in " + segment;
    EwfSection.checkAdler(src, src.capacity() - 4, structure, deviceOffset);
    long chunks = LittleEndian.u32(src, OFF_CHUNKS);
    long spc = LittleEndian.u32(src, OFF_SECTORS_PER_CHUNK);
    long bps = LittleEndian.u32(src, OFF_BYTES_PER_SECTOR);
    long sectors = LittleEndian.u64(src, OFF_SECTOR_COUNT);
    if (bps < 1 || bps > 65536) {
      throw Corrupt.range(structure, deviceOffset, "bytesPerSector", 1, 65536, bps);
    }
    if (spc < 1 || spc * bps > MAX_CHUNK_BYTES) {
      throw Corrupt.range(structure, deviceOffset, "sectorsPerChunk", 1, MAX_CHUNK_BYTES / bps, spc);
    }
    if (sectors < 0 || sectors > Long.MAX_VALUE / bps) {
      throw Corrupt.defect(structure, deviceOffset, "sectorCount", "media size beyond 2^63 bytes", null, Long.toUnsignedString(sectors));
    }
    EwfVolume volume = new EwfVolume(chunks, spc, bps, sectors);
    long expected = (volume.mediaBytes() + volume.chunkBytes() - 1) / volume.chunkBytes();
    if (chunks != expected) {
      throw Corrupt.field(structure, deviceOffset, "chunkCount", expected, chunks);
    }
    return volume;
  }

  /** Returns the chunk size in bytes. */
  public int chunkBytes() {
    return (int) (sectorsPerChunk * bytesPerSector);
  }

  /** Returns the media size in bytes. */
  public long mediaBytes() {
    return sectorCount * bytesPerSector;
  }
}
