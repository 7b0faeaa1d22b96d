package org.vmfskit.recovery;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.LittleEndian;
import org.vmfskit.fs.format.VmfsFormatException;
import org.vmfskit.fs.vmdk.CowdHeader;
import org.vmfskit.fs.vmdk.SeSparseHeader;

/**
 * Decides whether a file block begins with a delta header: a cheap magic test on the first
 * bytes, then the full decode with vmdk's header records; a header those records refuse is
 * rejected with their reason.
 */
final class DeltaHeaderProbe {

  /** Bytes the magic test needs. */
  static final int MAGIC_BYTES = 8;

  private DeltaHeaderProbe() {}

  /** Returns whether {@code first} (little-endian, at least 8 bytes) starts with a delta magic. */
  static boolean hasDeltaMagic(ByteBuffer first) {
    return LittleEndian.raw32(first, 0) == CowdHeader.MAGIC || LittleEndian.u64(first, 0) == SeSparseHeader.MAGIC;
  }

  /** Reads and decodes the header at {@code deviceOffset}. */
  static Decoded<DeltaHeader> probe(BlockDevice device, long deviceOffset) throws IOException {
    ByteBuffer raw;
    try {
      raw = device.read(deviceOffset, CowdHeader.SIZE);
    } catch (EOFException e) {
      return Decoded.rejected(Finding.error(deviceOffset, "delta header at " + Corrupt.hex(deviceOffset) + " lies past the end of the image"));
    }
    try {
      if (LittleEndian.raw32(raw, 0) == CowdHeader.MAGIC) {
        return Decoded.ok(new DeltaHeader.Cowd(CowdHeader.decode(raw, deviceOffset)));
      }
      if (LittleEndian.u64(raw, 0) == SeSparseHeader.MAGIC) {
        return Decoded.ok(new DeltaHeader.SeSparse(SeSparseHeader.decode(raw.slice(0, SeSparseHeader.SIZE).order(raw.order()), deviceOffset)));
      }
      return Decoded.rejected(Finding.info(deviceOffset, "block at " + Corrupt.hex(deviceOffset) + " does not begin with a COWD or SEsparse magic"));
    } catch (VmfsFormatException e) {
      return Decoded.rejected(Finding.error(deviceOffset, "damaged delta header: " + e.getMessage()));
    }
  }
}
