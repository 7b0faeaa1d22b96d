package org.vmfskit.fs.device;

/**
 * Factories of the block devices a datastore can live on besides an image file (for those, see
 * {@link ImageFiles}).
 */
public final class BlockDevices {

  private BlockDevices() {}

  /**
   * Returns an all-zero in-memory device of {@code sizeBytes} whose memory grows with the bytes
   * written, not with its size: a 10 GiB datastore needs a few MiB of heap until data is written.
   * Formatting resizes it, so {@code 0} is a fine start for {@code Vmfs.create}.
   */
  public static SparseMemoryBlockDevice sparseMemory(long sizeBytes) {
    return new SparseMemoryBlockDevice(sizeBytes);
  }

  /** Returns a view of {@code device} that refuses every write; closing it closes {@code device}. */
  public static BlockDevice readOnly(BlockDevice device) {
    return device.isReadOnly() && device instanceof ReadOnlyBlockDevice ? device : new ReadOnlyBlockDevice(device);
  }
}
