package org.vmfskit.fs.hostile;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.vmfskit.fs.device.SparseMemoryBlockDevice;
import org.vmfskit.fs.format.HeartbeatSlot;
import org.vmfskit.fs.volume.Geometry;

/**
 * Regenerates the seed inputs of {@link ParserFuzzTest} from the template image: one valid
 * structure per parser. Runs only with {@code -Dvmfskit.writeCorpus=true}.
 */
class FuzzCorpusWriter {

  @Test
  void writeSeeds() throws IOException {
    assumeTrue(Boolean.getBoolean("vmfskit.writeCorpus"), "set -Dvmfskit.writeCorpus=true to regenerate the fuzz seeds");
    Path root = Path.of("src/test/resources/org/vmfskit/fs/hostile/ParserFuzzTestInputs");
    SparseMemoryBlockDevice device = HostileImages.template();
    for (HostileImages.Range range : HostileImages.metadataRanges(device)) {
      String what = range.what();
      if (what.equals("LvmHeader")) {
        seed(root, "lvmHeader", device, range.deviceOffset(), 0x400);
      } else if (what.equals("FsDescriptor")) {
        seed(root, "fsDescriptor", device, range.deviceOffset(), 512);
      } else if (what.equals("ResourceHeader of .fdc.sf")) {
        seed(root, "resourceHeader", device, range.deviceOffset(), 0x40);
      } else if (what.equals("ClusterHeader 0 of .fbb.sf")) {
        seed(root, "clusterHeader", device, range.deviceOffset(), 0x400);
      } else if (what.equals("FD FD c0 r0 (0x4) lock")) {
        seed(root, "fileDescriptor", device, range.deviceOffset(), 0x800);
      } else if (what.startsWith("PB ")) {
        seed(root, "pointerBlockAndAddresses", device, range.deviceOffset(), 256);
      } else if (what.equals("directory / content")) {
        seed(root, "dirEntry", device, range.deviceOffset(), 280);
      }
    }
    seed(root, "heartbeatSlot", device, Geometry.deviceOffset(HeartbeatSlot.LOGICAL_OFFSET), HeartbeatSlot.SIZE);
    Path whole = root.resolve("wholeImage");
    Files.createDirectories(whole);
    Files.write(whole.resolve("seed-fs-block-size"), new byte[] {2, 0, (byte) 0xA3, 0, 0x40});
    Files.write(whole.resolve("seed-root-fd-size"), new byte[] {9, 0, 0x1A, 0, (byte) 0xFF, 9, 0, 0x1B, 0, (byte) 0x7F});
    Files.write(whole.resolve("seed-dir-entry"), new byte[] {(byte) 0xF0, 0, 5, 0, 0x13});
  }

  private static void seed(Path root, String target, SparseMemoryBlockDevice device, long offset, int length) throws IOException {
    Path dir = root.resolve(target);
    Files.createDirectories(dir);
    ByteBuffer buffer = ByteBuffer.allocate(length);
    device.readFully(offset, buffer);
    Files.write(dir.resolve("seed-valid"), buffer.array());
  }
}
