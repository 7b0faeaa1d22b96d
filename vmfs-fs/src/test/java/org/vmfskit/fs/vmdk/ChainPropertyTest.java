package org.vmfskit.fs.vmdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random guest writes (unaligned, grain-crossing) over chains of random depth, taking COWD and
 * SEsparse children at random points and reopening at random, compared with a byte-array model
 * after every step. The seed is in every failure message.
 */
class ChainPropertyTest {

  static LongStream seeds() {
    return LongStream.range(0, 16).map(i -> 0x5EED0000L + i);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void randomWritesOverRandomChains_matchModel(long seed) throws IOException {
    SplittableRandom random = new SplittableRandom(seed);
    try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix().toBuilder().setBlockSize(8192).build())) {
      Path root = fs.getPath("/ds");
      Files.createDirectories(root.resolve("vm"));
      HostDiskStore store = HostDiskStore.of(root);
      long capacity = 512L * (1024 + random.nextInt(3072));
      byte[] model = new byte[(int) capacity];
      VirtualDisk disk = VirtualDisk.createBase(store, "vm/disk.vmdk", capacity,
          random.nextBoolean() ? DiskStore.Allocation.THIN : DiskStore.Allocation.EAGER_ZEROED_THICK);
      int children = 0;
      try {
        for (int step = 0; step < 40; step++) {
          String where = "seed 0x%x step %d depth %d".formatted(seed, step, disk.depth());
          int action = random.nextInt(100);
          if (action < 12 && children < 10) {
            children++;
            VirtualDisk.DeltaFormat format =
                random.nextBoolean() ? VirtualDisk.DeltaFormat.VMFS_SPARSE : VirtualDisk.DeltaFormat.SE_SPARSE;
            VirtualDisk child = VirtualDisk.createDelta(disk, "vm/disk-%06d.vmdk".formatted(children), format);
            disk.close();
            disk = child;
          } else if (action < 18) {
            String path = disk.path();
            disk.close();
            disk = VirtualDisk.open(store, path, true);
          } else {
            int length = random.nextInt(4) == 0 ? 1 + random.nextInt(200_000) : 1 + random.nextInt(9000);
            length = (int) Math.min(length, capacity);
            long offset = random.nextLong(capacity - length + 1);
            byte[] data = new byte[length];
            if (random.nextInt(5) > 0) {
              random.nextBytes(data);
            }
            disk.write(offset, ByteBuffer.wrap(data));
            System.arraycopy(data, 0, model, (int) offset, length);
          }
          ByteBuffer all = ByteBuffer.allocate((int) capacity);
          disk.read(0, all);
          assertThat(all.array()).as(where).isEqualTo(model);
          int from = random.nextInt((int) capacity);
          int length = random.nextInt((int) capacity - from) + 1;
          ByteBuffer part = ByteBuffer.allocate(length);
          disk.read(from, part);
          assertThat(part.array()).as(where + " read at " + from).isEqualTo(
              java.util.Arrays.copyOfRange(model, from, from + length));
        }
        Path raw = root.resolve("export.raw");
        try (DiskFile out = store.create("export.raw")) {
          disk.exportRaw(out);
        }
        assertThat(Files.readAllBytes(raw)).as("seed 0x%x export", seed).isEqualTo(model);
        try (DiskFile out = store.create("export.vmdk")) {
          disk.exportMonolithicSparse(out);
        }
        try (VirtualDisk sparse = VirtualDisk.open(store, "export.vmdk", false)) {
          ByteBuffer all = ByteBuffer.allocate((int) capacity);
          sparse.read(0, all);
          assertThat(all.array()).as("seed 0x%x monolithicSparse export", seed).isEqualTo(model);
        }
      } finally {
        disk.close();
      }
    }
  }
}
