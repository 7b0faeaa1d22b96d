package org.vmfskit.fs.file;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.vmfskit.fs.testing.Images;
import org.vmfskit.fs.testing.Patterns;

/** Readers share the volume's read lock; the FD and MAP caches they fill must stay consistent. */
class ConcurrentReadTest {

  private static final int FILES = 24;
  private static final int THREADS = 4;

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void concurrentReadersOfPointerBlockFiles_allSeeTheirOwnContent() throws Exception {
    Vmfs vmfs = Images.format(2 * Images.GIB);
    long[] offsets = {0, 400L << 20, 900L << 20};
    for (int f = 0; f < FILES; f++) {
      VmfsFile file = vmfs.createFile("/f" + f);
      for (long offset : offsets) {
        file.write(offset, ByteBuffer.wrap(Patterns.of(f, offset, 4096)));
      }
    }
    Vmfs shared = Vmfs.open(vmfs.volume().device());
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        long seed = t;
        results.add(pool.submit(() -> {
          SplittableRandom random = new SplittableRandom(seed);
          for (int i = 0; i < 4000; i++) {
            int f = random.nextInt(FILES);
            long offset = offsets[random.nextInt(offsets.length)] + random.nextInt(4000);
            byte[] got = Images.read(shared.openFile("/f" + f), offset, 64);
            if (!java.util.Arrays.equals(got, Patterns.of(f, offset, 64))) {
              return "thread %d read %d: wrong bytes of /f%d at %d".formatted(seed, i, f, offset);
            }
          }
          return "ok";
        }));
      }
      for (Future<String> result : results) {
        assertThat(result.get(60, TimeUnit.SECONDS)).isEqualTo("ok");
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
