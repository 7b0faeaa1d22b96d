package org.vmfskit.fs.concurrency;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.vmfskit.fs.device.SparseMemoryBlockDevice;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.file.VmfsFile;
import org.vmfskit.fs.volume.FormatOptions;

/**
 * Many virtual-thread readers read a file while one writer appends to it, through every
 * promotion (resident, sub-block, file blocks, pointer blocks). The byte at offset i is always
 * {@link #valueAt(long)}, so every read must return a prefix of that sequence: as many bytes as
 * the size it saw allowed, each one right, and sizes that never shrink.
 */
class ConcurrentReadersTest {

  private static final int READERS = 64;
  private static final long FINAL_SIZE = (258L << 20) + 12345; // past 256 blocks: a MAP appears

  static byte valueAt(long i) {
    return (byte) ((i * 2654435761L) >>> 13);
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void readersSeeConsistentPrefixesWhileOneWriterAppends() throws Exception {
    FormatOptions options = FormatOptions.builder(512L << 20).label("conc").seed(9).timeSeconds(1_700_000_000L).build();
    SparseMemoryBlockDevice device = new SparseMemoryBlockDevice(options.imageBytes());
    try (Vmfs fs = Vmfs.format(device, options)) {
      VmfsFile created = fs.createFile("/growing");
      AtomicBoolean done = new AtomicBoolean();
      AtomicLong reads = new AtomicLong();
      AtomicLong appends = new AtomicLong();
      ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
      try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
        Future<?> writer = pool.submit(() -> {
          SplittableRandom random = new SplittableRandom(1);
          long size = 0;
          while (size < FINAL_SIZE) {
            int n = (int) Math.min(FINAL_SIZE - size, size < 20_000 ? 1 + random.nextInt(700) : 1 + random.nextInt(3 << 20));
            ByteBuffer chunk = ByteBuffer.allocate(n);
            for (int k = 0; k < n; k++) {
              chunk.put(k, valueAt(size + k));
            }
            created.write(size, chunk);
            size += n;
            appends.incrementAndGet();
          }
          done.set(true);
          return null;
        });
        List<Future<?>> readers = new java.util.ArrayList<>();
        for (int r = 0; r < READERS; r++) {
          long seed = r;
          readers.add(pool.submit(() -> {
            SplittableRandom random = new SplittableRandom(seed);
            VmfsFile file = fs.openFile("/growing");
            long lastSize = 0;
            boolean last = false;
            while (!last) {
              last = done.get();
              long size = file.size();
              if (size < lastSize) {
                errors.add("size went from " + lastSize + " to " + size);
              }
              lastSize = size;
              long pos = size == 0 ? 0 : random.nextLong(size);
              ByteBuffer buffer = ByteBuffer.allocate(1 + random.nextInt(256 << 10));
              int n = file.read(pos, buffer);
              reads.incrementAndGet();
              for (int k = 0; k < Math.max(n, 0); k++) {
                if (buffer.get(k) != valueAt(pos + k)) {
                  errors.add("byte " + (pos + k) + " read as " + buffer.get(k) + ", expected " + valueAt(pos + k) + " (read of " + n + " at " + pos + ")");
                  break;
                }
              }
              Thread.yield();
            }
            return null;
          }));
        }
        writer.get();
        for (Future<?> reader : readers) {
          reader.get();
        }
      }
      assertThat(errors).isEmpty();
      assertThat(created.size()).isEqualTo(FINAL_SIZE);
      Path dir = Path.of("target", "reliability");
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("concurrency.txt"), "readers=%d%nreads=%d%nappends=%d%nfinal_size=%d%nerrors=%d%n"
          .formatted(READERS, reads.get(), appends.get(), FINAL_SIZE, errors.size()));
    }
  }
}
