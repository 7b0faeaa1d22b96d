package org.vmfskit.fs.file;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.testing.Images;
import org.vmfskit.fs.testing.SparseModel;
import org.vmfskit.fs.volume.ResourceKind;

/**
 * Seeded random writes, truncates and preallocations on three files at once, checked against a
 * sparse byte model, with the volume reopened from the device between steps. The seed and the
 * operation history appear in every failure.
 */
class RandomWritePropertyTest {

  private static final int FILES = 3;
  private static final int STEPS = 70;

  static LongStream seeds() {
    return new SplittableRandom(0xF5).longs(8);
  }

  private static long position(SplittableRandom random) {
    int kind = random.nextInt(100);
    if (kind < 55) {
      return random.nextLong(16 * 1024);
    } else if (kind < 80) {
      return random.nextLong(20L << 20);
    } else if (kind < 95) {
      return random.nextLong(600L << 20);
    }
    return random.nextLong(300L << 30);
  }

  private static int length(SplittableRandom random) {
    int kind = random.nextInt(10);
    return kind < 6 ? 1 + random.nextInt(3000) : kind < 9 ? 1 + random.nextInt(300_000) : 1 + random.nextInt(3 << 20);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void randomOperations_matchTheModel_acrossReopens(long seed) throws IOException {
    SplittableRandom random = new SplittableRandom(seed);
    Vmfs vmfs = Images.format(2L << 30);
    BlockDevice device = vmfs.volume().device();
    SparseModel[] models = new SparseModel[FILES];
    for (int f = 0; f < FILES; f++) {
      vmfs.createFile("/f" + f);
      models[f] = new SparseModel();
    }
    List<String> history = new ArrayList<>();
    try {
      for (int step = 0; step < STEPS; step++) {
        int f = random.nextInt(FILES);
        VmfsFile file = vmfs.openFile("/f" + f);
        int op = random.nextInt(100);
        if (op < 65) {
          long pos = position(random);
          byte[] data = Images.content(random.nextLong(), length(random));
          history.add("write f%d @%d +%d".formatted(f, pos, data.length));
          file.write(pos, ByteBuffer.wrap(data));
          models[f].write(pos, data);
        } else if (op < 82) {
          long size = random.nextBoolean() ? random.nextLong(models[f].size() + 1) : position(random);
          history.add("truncate f%d to %d".formatted(f, size));
          file.truncate(size);
          models[f].truncate(size);
        } else if (op < 90 && models[f].size() <= 40L << 20) {
          // Preallocation allocates every hole up to the file's size, so only small files.
          long size = Math.min(position(random), 40L << 20);
          VmfsFile.Preallocation how = random.nextBoolean() ? VmfsFile.Preallocation.TO_BE_ZEROED : VmfsFile.Preallocation.ZEROED;
          history.add("preallocate f%d to %d %s".formatted(f, size, how));
          file.preallocate(size, how);
          models[f].truncate(Math.max(size, models[f].size()));
        } else if (op >= 90) {
          long[] counts = freeCounts(vmfs);
          history.add("reopen");
          vmfs = Vmfs.open(device);
          assertThat(freeCounts(vmfs)).as("free counts after reopen").containsExactly(counts);
        }
        assertMatches(vmfs.openFile("/f" + f), models[f], random);
      }
      vmfs = Vmfs.open(device);
      for (int f = 0; f < FILES; f++) {
        assertMatches(vmfs.openFile("/f" + f), models[f], random);
      }
      for (int f = 0; f < FILES; f++) {
        vmfs.delete("/f" + f);
      }
      long[] empty = freeCounts(Images.format(2L << 30));
      assertThat(freeCounts(vmfs)).as("every resource freed after deleting all files").containsExactly(empty);
    } catch (AssertionError | IOException | RuntimeException e) {
      throw new AssertionError("seed %d failed after %s".formatted(seed, history), e);
    }
  }

  private static long[] freeCounts(Vmfs vmfs) throws IOException {
    long[] counts = new long[ResourceKind.values().length];
    for (ResourceKind kind : ResourceKind.values()) {
      counts[kind.ordinal()] = vmfs.volume().freeCount(kind);
    }
    return counts;
  }

  private static void assertMatches(VmfsFile file, SparseModel model, SplittableRandom random) throws IOException {
    assertThat(file.size()).as("size of %s", file.path()).isEqualTo(model.size());
    for (long page : model.writtenPageOffsets()) {
      long pos = page * SparseModel.pageSize();
      int length = (int) Math.min(SparseModel.pageSize(), model.size() - pos);
      if (length > 0) {
        assertThat(Images.read(file, pos, length)).as("page at %d of %s", pos, file.path()).isEqualTo(model.read(pos, length));
      }
    }
    for (int i = 0; i < 8 && model.size() > 0; i++) {
      long pos = random.nextLong(model.size());
      int length = (int) Math.min(10_000, model.size() - pos);
      assertThat(Images.read(file, pos, length)).as("range at %d of %s", pos, file.path()).isEqualTo(model.read(pos, length));
    }
  }
}
