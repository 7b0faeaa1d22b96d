package org.vmfskit.fs.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.vmfskit.fs.device.SparseMemoryBlockDevice;

/**
 * Corrupts each metadata byte of a small volume in turn (to 0x00, to 0xFF, and with one bit
 * flipped) and requires that open, list, read and check end in an {@link IOException} subtype or
 * checker findings: never a RuntimeException, an Error or a hang (each case has 5 seconds).
 */
@Tag("slow") // minutes on 2 cores: left out by the fast tier (-Pfast), run by ./build verify and CI
class MetadataMutationSweepTest {

  /** Every byte with -Dvmfskit.mutation.full=true (16,198 images, ~1 min CPU); every other byte by default. */
  private static final int STRIDE = Boolean.getBoolean("vmfskit.mutation.full") ? 1 : 2;

  @Test
  void everyMetadataByteMutation_failsOnlyWithIOException() throws Exception {
    SparseMemoryBlockDevice device = HostileImages.template();
    List<HostileImages.Range> ranges = HostileImages.metadataRanges(device);
    List<String> failures = new ArrayList<>();
    long cases = 0;
    long bytes = 0;
    long rejected = 0;
    long startNanos = System.nanoTime();
    for (HostileImages.Range range : ranges) {
      for (int index = 0; index < range.length(); index += STRIDE) {
        final int i = index;
        long offset = range.deviceOffset() + i;
        byte original = readByte(device, offset);
        bytes++;
        int bit = 1 << (int) (offset % 8);
        for (int mutant : new int[] {0x00, 0xFF, (original ^ bit) & 0xFF}) {
          if ((byte) mutant == original) {
            continue;
          }
          cases++;
          writeByte(device, offset, (byte) mutant);
          try {
            assertTimeoutPreemptively(Duration.ofSeconds(5), () -> HostileImages.exercise(device),
                () -> "%s +0x%x (0x%x) = 0x%02x".formatted(range.what(), i, offset, mutant));
          } catch (Throwable t) {
            if (t instanceof IOException) {
              rejected++;
              continue;
            }
            if (failures.size() < 50) {
              failures.add("%s +0x%x (image 0x%x) 0x%02x -> 0x%02x: %s".formatted(range.what(), i, offset, original, mutant, t));
            } else {
              failures.add("");
            }
          } finally {
            writeByte(device, offset, original);
          }
        }
      }
    }
    long millis = (System.nanoTime() - startNanos) / 1_000_000;
    Path dir = Path.of("target", "reliability");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("mutation.txt"), "stride=" + STRIDE + "%nranges=%d%nmetadata_bytes=%d%nmutated_images=%d%nopen_rejected_with_IOException=%d%nfailures=%d%nmillis=%d%n%s%n"
        .formatted(ranges.size(), bytes, cases, rejected, failures.size(), millis, String.join("\n", failures)));
    assertThat(failures).isEmpty();
  }

  private static byte readByte(SparseMemoryBlockDevice device, long offset) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(1);
    device.readFully(offset, b);
    return b.get(0);
  }

  private static void writeByte(SparseMemoryBlockDevice device, long offset, byte value) throws IOException {
    device.write(offset, ByteBuffer.wrap(new byte[] {value}));
  }
}
