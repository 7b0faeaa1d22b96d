package org.vmfskit.fs.device.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.OptionalInt;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmfskit.fs.compat.ExternalTool;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.testing.DiskImages;
import org.vmfskit.fs.testing.Images;

/**
 * Seeded mutations of container metadata (the first sectors of a GPT disk, the first segment of
 * an EWF set): opening and reading may fail, but only with an {@link IOException}.
 */
class ContainerFuzzTest {

  private static final long SEED = 0x1405C0DEL;
  private static final int ROUNDS = 300;

  @TempDir
  Path dir;

  @Test
  void mutatedGptSectors_failOnlyWithIoExceptions() throws IOException {
    Path disk = dir.resolve("disk.img");
    DiskImages.gpt(disk, List.of(DiskImages.other(1, DiskImages.EFI, 1, "EFI"), DiskImages.vmfs(2, null)));
    fuzz(disk, 34 * 512, () -> {
      try (OpenedImage opened = ImageOpener.open(disk, OptionalInt.empty()); Vmfs vmfs = Vmfs.open(opened.device())) {
        vmfs.list("/");
      }
    });
  }

  @Test
  void mutatedEwfSegment_failsOnlyWithIoExceptions() throws Exception {
    assumeTrue(ExternalTool.available("ewfacquire"), "ewfacquire (ewf-tools) not installed");
    Path raw = dir.resolve("media.raw");
    byte[] media = new byte[3 << 20];
    System.arraycopy(Images.content(5, 1 << 20), 0, media, 1 << 20, 1 << 20);
    Files.write(raw, media);
    ExternalTool.Result result = ExternalTool.run(120, "ewfacquire", "-u", "-q", "-t", dir.resolve("m").toString(), "-c", "deflate:fast",
        "-S", "1M", raw.toString());
    assertThat(result.exitCode()).as(result.stderr()).isZero();
    Path e01 = dir.resolve("m.E01");
    fuzz(e01, (int) Math.min(Files.size(e01), 64 << 10), () -> {
      try (OpenedImage opened = ImageOpener.open(e01, OptionalInt.empty())) {
        DiskImages.readThrough(opened.device());
      }
    });
  }

  private interface Attempt {
    void run() throws IOException;
  }

  /** Mutates 1 to 4 bytes in the first {@code window} bytes of {@code file} per round, restoring them after. */
  private static void fuzz(Path file, int window, Attempt attempt) throws IOException {
    SplittableRandom random = new SplittableRandom(SEED);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer original = ByteBuffer.allocate(window);
      channel.read(original, 0);
      for (int round = 0; round < ROUNDS; round++) {
        byte[] mutated = original.array().clone();
        int changes = 1 + random.nextInt(4);
        for (int c = 0; c < changes; c++) {
          mutated[random.nextInt(window)] = (byte) random.nextInt(256);
        }
        channel.write(ByteBuffer.wrap(mutated), 0);
        try {
          attempt.run();
        } catch (IOException expected) {
          assertThat(expected.getMessage()).as("seed %x round %d", SEED, round).isNotBlank();
        } catch (RuntimeException | OutOfMemoryError e) {
          throw new AssertionError("seed %x round %d: %s".formatted(SEED, round, e), e);
        }
        channel.write(ByteBuffer.wrap(original.array()), 0);
      }
    }
  }
}
