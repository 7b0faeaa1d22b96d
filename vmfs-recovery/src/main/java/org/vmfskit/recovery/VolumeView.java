package org.vmfskit.recovery;

import it.unimi.dsi.fastutil.longs.LongOpenHashSet;
import java.io.IOException;
import java.util.BitSet;
import org.vmfskit.fs.format.BlockAddress;
import org.vmfskit.fs.format.FileBlockAddr;
import org.vmfskit.fs.volume.Geometry;
import org.vmfskit.fs.volume.ResourceKind;
import org.vmfskit.fs.volume.Volume;

/**
 * What every recovery stage asks of the volume: geometry, which file blocks are free now, and
 * which blocks hold file-system metadata and so can never be part of a delta.
 */
final class VolumeView {

  private final Volume volume;
  private final Geometry geometry;
  private final BitSet freeBlocks;
  private final LongOpenHashSet metadataBlocks = new LongOpenHashSet();
  private final long firstDataBlock;
  private final long blocksOnDevice;

  VolumeView(Volume volume) throws IOException {
    this(volume, volume.device().size());
  }

  VolumeView(Volume volume, long physicalBytes) throws IOException {
    this.volume = volume;
    this.geometry = volume.geometry();
    this.freeBlocks = volume.freeBits(ResourceKind.FILE_BLOCK);
    for (ResourceKind kind : ResourceKind.values()) {
      for (long block : volume.resourceFileBlocks(kind)) {
        metadataBlocks.add(block);
      }
    }
    this.firstDataBlock = geometry.fdcBaseBlock();
    long deviceBytes = physicalBytes - Geometry.deviceOffset(0);
    this.blocksOnDevice = Math.max(0, Math.min(geometry.numBlocks(), deviceBytes / geometry.blockSize()));
  }

  Volume volume() {
    return volume;
  }

  Geometry geometry() {
    return geometry;
  }

  long blockSize() {
    return geometry.blockSize();
  }

  /** Returns the image offset of file block {@code block}. */
  long blockOffset(long block) {
    return geometry.blockDeviceOffset(block);
  }

  /** Returns whether the block is marked free now. */
  boolean isFree(long block) {
    return freeBlocks.get((int) block);
  }

  BitSet freeBlocks() {
    return freeBlocks;
  }

  /** Returns the number of blocks that lie wholly inside the image file (less when it is truncated). */
  long blocksOnDevice() {
    return blocksOnDevice;
  }

  /** Returns whether {@code block} holds volume metadata (headers, heartbeats, resource files). */
  boolean isMetadata(long block) {
    return block < firstDataBlock || metadataBlocks.contains(block);
  }

  /**
   * Checks a raw address found in a freed MAP or FD: null, or an FB inside the image and outside
   * the metadata; returns why not, or null when it is acceptable.
   */
  String checkDataAddress(int raw) {
    if (raw == 0) {
      return null;
    }
    if (BlockAddress.typeOf(raw) != BlockAddress.TYPE_FB) {
      return "address 0x" + Integer.toHexString(raw) + " is not a file-block address";
    }
    long block = FileBlockAddr.blockOf(raw);
    if (block >= geometry.numBlocks()) {
      return "file block " + block + " lies outside the volume (" + geometry.numBlocks() + " blocks)";
    }
    if (block >= blocksOnDevice) {
      return "file block " + block + " lies past the end of the image file";
    }
    if (isMetadata(block)) {
      return "file block " + block + " holds volume metadata";
    }
    return null;
  }
}
