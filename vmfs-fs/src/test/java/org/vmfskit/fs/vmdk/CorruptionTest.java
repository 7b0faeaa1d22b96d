package org.vmfskit.fs.vmdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.ResourceLimitException;
import org.vmfskit.fs.format.TruncatedImageException;
import org.vmfskit.fs.format.UnsupportedFormatException;
import org.vmfskit.fs.format.VmfsFormatException;

/**
 * Table-driven corruption of descriptors, COWD, SEsparse and KDMV headers and tables: every case
 * must end in a checked {@link VmfsFormatException} whose message names the offset, never in wrong
 * bytes or a RuntimeException.
 *
 * <pre>
 * Templates (capacity 4 MiB = 8192 sectors; each delta has one sector or grain written at 0):
 *   cowd/d-delta.vmdk   0x000 COWD header | 0x800 GD (2 entries, GD[0] = sector 5)
 *                       0xA00 GT 0 (entry 0 = sector 37) | 0x4A00 grain 0; file 16 MiB
 *   se/d-sesparse.vmdk  0x000 const header | 0x200 volatile | 0x1000 GD (1 entry)
 *                       0x1200 GT 0 (entry 0 = allocated grain 0) | 0xA000 grain 0
 *   kdmv/m.vmdk         0x000 header | 0x200 descriptor | 0x2A00 GD | 0x2C00 GT 0 | 0x10000 grains
 * </pre>
 */
class CorruptionTest {

  private static final long CAPACITY = 4L << 20;
  private static final Map<String, byte[]> TEMPLATE = new HashMap<>();

  @BeforeAll
  static void buildTemplates() throws IOException {
    try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
      Path root = fs.getPath("/t");
      for (String d : new String[] {"cowd", "se", "kdmv"}) {
        Files.createDirectories(root.resolve(d));
      }
      HostDiskStore store = HostDiskStore.of(root);
      for (String d : new String[] {"cowd", "se"}) {
        try (VirtualDisk base = VirtualDisk.createBase(store, d + "/b.vmdk", CAPACITY, DiskStore.Allocation.THIN);
            VirtualDisk delta = VirtualDisk.createDelta(base, d + "/d.vmdk",
                d.equals("cowd") ? VirtualDisk.DeltaFormat.VMFS_SPARSE : VirtualDisk.DeltaFormat.SE_SPARSE)) {
          byte[] data = new byte[4096];
          java.util.Arrays.fill(data, (byte) 0x5A);
          delta.write(0, ByteBuffer.wrap(data, 0, d.equals("cowd") ? 512 : 4096));
          if (d.equals("se")) {
            try (DiskFile out = store.create("kdmv/m.vmdk")) {
              delta.exportMonolithicSparse(out);
            }
          }
        }
      }
      try (Stream<Path> files = Files.walk(root)) {
        for (Path p : files.filter(Files::isRegularFile).toList()) {
          TEMPLATE.put(root.relativize(p).toString(), Files.readAllBytes(p));
        }
      }
    }
  }

  /** A mutation: write {@code value} (little-endian, {@code width} bytes) at {@code offset}, or truncate when width is 0. */
  record Mutation(String file, long offset, int width, long value) {}

  static Arguments c(String name, String open, Mutation m, Class<? extends VmfsFormatException> type, long reported) {
    return Arguments.of(name, open, m, type, reported);
  }

  static Mutation put(String file, long offset, int width, long value) {
    return new Mutation(file, offset, width, value);
  }

  static Mutation truncate(String file, long length) {
    return new Mutation(file, length, 0, 0);
  }

  static Stream<Arguments> cases() {
    String cd = "cowd/d-delta.vmdk";
    String sd = "se/d-sesparse.vmdk";
    String km = "kdmv/m.vmdk";
    return Stream.of(
        c("COWD bad magic", "cowd/d.vmdk", put(cd, 0, 4, 0x12345678), CorruptStructureException.class, 0),
        c("COWD zero capacity", "cowd/d.vmdk", put(cd, 0xC, 4, 0), CorruptStructureException.class, 0xC),
        c("COWD grain 0", "cowd/d.vmdk", put(cd, 0x10, 4, 0), CorruptStructureException.class, 0x10),
        c("COWD absurd grain", "cowd/d.vmdk", put(cd, 0x10, 4, 0x7FFFFFFF), CorruptStructureException.class, 0x10),
        c("COWD grain not pow2", "cowd/d.vmdk", put(cd, 0x10, 4, 3), UnsupportedFormatException.class, 0x10),
        c("COWD gdOffset in header", "cowd/d.vmdk", put(cd, 0x14, 4, 1), CorruptStructureException.class, 0x14),
        c("COWD absurd GD count", "cowd/d.vmdk", put(cd, 0x18, 4, 0xFFFFFFFFL), CorruptStructureException.class, 0x18),
        c("COWD capacity vs descriptor", "cowd/d.vmdk", put(cd, 0xC, 4, 4096), CorruptStructureException.class, 0x18),
        c("COWD freeSector past EOF", "cowd/d.vmdk", put(cd, 0x1C, 4, 0xFFFFFF), CorruptStructureException.class, 0x1C),
        c("COWD GD entry past EOF", "cowd/d.vmdk", put(cd, 0x800, 4, 0x7FFFFFF0L), CorruptStructureException.class, 0x800),
        c("COWD GD entry in header", "cowd/d.vmdk", put(cd, 0x800, 4, 1), CorruptStructureException.class, 0x800),
        c("COWD GD entry at EOF", "cowd/d.vmdk", put(cd, 0x804, 4, 32768 - 1), CorruptStructureException.class, 0x804),
        c("COWD GT entry past EOF", "cowd/d.vmdk", put(cd, 0xA00, 4, 0xFFFFFFFFL), CorruptStructureException.class, 0xA00),
        c("COWD GT entry in GD", "cowd/d.vmdk", put(cd, 0xA08, 4, 4), CorruptStructureException.class, 0xA08),
        c("COWD truncated header", "cowd/d.vmdk", truncate(cd, 1000), TruncatedImageException.class, 0),
        c("COWD truncated GT", "cowd/d.vmdk", truncate(cd, 0xA00 + 100), CorruptStructureException.class, 0x800),
        c("SE bad magic", "se/d.vmdk", put(sd, 0, 8, 1), CorruptStructureException.class, 0),
        c("SE version", "se/d.vmdk", put(sd, 8, 8, 0x100000001L), UnsupportedFormatException.class, 8),
        c("SE grain size", "se/d.vmdk", put(sd, 0x18, 8, 16), UnsupportedFormatException.class, 0x18),
        c("SE reserved", "se/d.vmdk", put(sd, 0x30, 8, 1), UnsupportedFormatException.class, 0x30),
        c("SE absurd GD size", "se/d.vmdk", put(sd, 0x88, 8, 1L << 40), ResourceLimitException.class, 0x88),
        c("SE GD size too small", "se/d.vmdk", put(sd, 0x88, 8, 0), CorruptStructureException.class, 0x88),
        c("SE absurd area", "se/d.vmdk", put(sd, 0x80, 8, -1L), CorruptStructureException.class, 0x80),
        c("SE dirty journal", "se/d.vmdk", put(sd, 0x218, 8, 1), UnsupportedFormatException.class, 0x218),
        c("SE volatile magic", "se/d.vmdk", put(sd, 0x200, 8, 0), CorruptStructureException.class, 0x200),
        c("SE GD bad tag", "se/d.vmdk", put(sd, 0x1000, 8, 0x2000000000000000L), CorruptStructureException.class, 0x1000),
        c("SE GD index past GTs", "se/d.vmdk", put(sd, 0x1000, 8, 0x1000000000000005L), CorruptStructureException.class, 0x1000),
        c("SE GT bad state", "se/d.vmdk", put(sd, 0x1208, 8, 0x5000000000000000L), CorruptStructureException.class, 0x1208),
        c("SE GT unallocated with bits", "se/d.vmdk", put(sd, 0x1208, 8, 7), CorruptStructureException.class, 0x1208),
        c("SE GT grain past EOF", "se/d.vmdk", put(sd, 0x1200, 8, SeSparseExtent.allocatedEntry(1 << 20)),
            CorruptStructureException.class, 0x1200),
        c("SE truncated", "se/d.vmdk", truncate(sd, 300), TruncatedImageException.class, 0),
        c("KDMV bad magic", km, put(km, 0, 4, 0x44444444), CorruptStructureException.class, 0),
        c("KDMV version", km, put(km, 4, 4, 9), UnsupportedFormatException.class, 4),
        c("KDMV zero capacity", km, put(km, 0xC, 8, 0), CorruptStructureException.class, 0xC),
        c("KDMV grain not pow2", km, put(km, 0x14, 8, 3), CorruptStructureException.class, 0x14),
        c("KDMV absurd grain", km, put(km, 0x14, 8, 1L << 40), ResourceLimitException.class, 0x14),
        c("KDMV zero GTEs", km, put(km, 0x2C, 4, 0), CorruptStructureException.class, 0x2C),
        c("KDMV absurd GTEs", km, put(km, 0x2C, 4, 100000), CorruptStructureException.class, 0x2C),
        c("KDMV absurd descriptor", km, put(km, 0x24, 8, 1L << 30), ResourceLimitException.class, 0x24),
        c("KDMV GD past EOF", km, put(km, 0x38, 8, 1L << 30), CorruptStructureException.class, 0x38),
        c("KDMV GD entry past EOF", km, put(km, 0x2A00, 4, 0xFFFFFF00L), CorruptStructureException.class, 0x2A00),
        c("KDMV GT entry past EOF", km, put(km, 0x2C00, 4, 0x7FFFFFFFL), CorruptStructureException.class, 0x2C00),
        c("KDMV GT entry over metadata", km, put(km, 0x2C00, 4, 21), CorruptStructureException.class, 0x2C00),
        c("KDMV descriptor line", km, put(km, 0x200, 4, 0x0a3d3d3d), CorruptStructureException.class, 0x200),
        c("KDMV truncated", km, truncate(km, 0x2A00 + 2), TruncatedImageException.class, 0x2A00),
        c("parentCID mismatch", "cowd/d.vmdk", put("cowd/b.vmdk", 0, 0, -1), CorruptStructureException.class, -1),
        c("descriptor bad line", "cowd/d.vmdk", put("cowd/d.vmdk", 0, 0, -2), CorruptStructureException.class, -2),
        c("parent loop", "cowd/d.vmdk", put("cowd/d.vmdk", 0, 0, -3), CorruptStructureException.class, -3),
        c("missing parent", "cowd/d.vmdk", put("cowd/d.vmdk", 0, 0, -4), CorruptStructureException.class, -4));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void corruptImage_throwsCheckedFormatExceptionWithOffset(String name, String open, Mutation m,
      Class<? extends VmfsFormatException> type, long reported) throws IOException {
    try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
      Path root = fs.getPath("/t");
      for (Map.Entry<String, byte[]> e : TEMPLATE.entrySet()) {
        Files.createDirectories(root.resolve(e.getKey()).getParent());
        Files.write(root.resolve(e.getKey()), e.getValue());
      }
      long expectedOffset = apply(root, m, reported);
      Throwable thrown = catchThrowable(() -> {
        try (VirtualDisk disk = VirtualDisk.open(HostDiskStore.readOnly(root), open, false)) {
          ByteBuffer all = ByteBuffer.allocate((int) disk.capacity());
          disk.read(0, all);
          disk.info();
        }
      });
      assertThat(thrown).as(name).isInstanceOf(type);
      assertThat(thrown.getMessage()).as(name).contains("0x" + Long.toHexString(expectedOffset));
    }
  }

  /** Applies the mutation and returns the offset the message must name. */
  private static long apply(Path root, Mutation m, long reported) throws IOException {
    Path file = root.resolve(m.file());
    if (reported < 0) {
      String text = Files.readString(file);
      String changed = switch ((int) reported) {
        case -1 -> text.replaceFirst("CID=[0-9a-f]+", "CID=00000bad");
        case -2 -> text.replace("createType=\"vmfsSparse\"", "createType=\"vmfsSparse\"\nthis is not a line");
        case -3 -> text.replaceFirst("parentFileNameHint=\"[^\"]*\"", "parentFileNameHint=\"d.vmdk\"");
        default -> text.replaceFirst("parentFileNameHint=\"[^\"]*\"", "parentFileNameHint=\"gone.vmdk\"");
      };
      Files.writeString(file, changed);
      if (reported == -1) {
        String child = Files.readString(root.resolve("cowd/d.vmdk"));
        return child.substring(0, child.indexOf("parentCID=")).getBytes(StandardCharsets.UTF_8).length;
      }
      String key = reported == -2 ? "this is not a line" : "parentFileNameHint=";
      return changed.substring(0, changed.indexOf(key)).getBytes(StandardCharsets.UTF_8).length;
    }
    byte[] bytes = Files.readAllBytes(file);
    if (m.width() == 0) {
      Files.write(file, java.util.Arrays.copyOf(bytes, (int) m.offset()));
    } else {
      for (int i = 0; i < m.width(); i++) {
        bytes[(int) m.offset() + i] = (byte) (m.value() >>> (8 * i));
      }
      Files.write(file, bytes);
    }
    return reported;
  }

  /**
   * Fuzz-style: random byte mutations in the metadata areas of each template (and of the
   * descriptors) must either read fine or fail with an IOException, never a RuntimeException.
   */
  @ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.CsvSource({
    "cowd/d.vmdk, cowd/d-delta.vmdk, 0x4A00",
    "se/d.vmdk, se/d-sesparse.vmdk, 0xA000",
    "kdmv/m.vmdk, kdmv/m.vmdk, 0x10000",
    "cowd/d.vmdk, cowd/d.vmdk, 0x180",
  })
  void randomMetadataMutations_onlyThrowIOExceptions(String open, String target, String metadataEnd)
      throws IOException {
    long seed = 0xF022L ^ target.hashCode();
    java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
    int end = Integer.decode(metadataEnd);
    try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
      Path root = fs.getPath("/t");
      for (int round = 0; round < 60; round++) {
        for (Map.Entry<String, byte[]> e : TEMPLATE.entrySet()) {
          Files.createDirectories(root.resolve(e.getKey()).getParent());
          Files.write(root.resolve(e.getKey()), e.getValue());
        }
        byte[] bytes = TEMPLATE.get(target).clone();
        int limit = Math.min(end, bytes.length);
        int flips = 1 + random.nextInt(4);
        StringBuilder what = new StringBuilder();
        for (int f = 0; f < flips; f++) {
          int at = random.nextInt(limit);
          bytes[at] = (byte) random.nextInt(256);
          what.append(" 0x").append(Integer.toHexString(at));
        }
        Files.write(root.resolve(target), bytes);
        String where = "seed 0x%x round %d mutated%s".formatted(seed, round, what);
        Throwable thrown = catchThrowable(() -> {
          try (VirtualDisk disk = VirtualDisk.open(HostDiskStore.readOnly(root), open, false)) {
            ByteBuffer all = ByteBuffer.allocate((int) Math.min(disk.capacity(), 64L << 20));
            disk.read(0, all);
            disk.info();
          }
        });
        if (thrown != null) {
          assertThat(thrown).as(where).isInstanceOf(IOException.class);
        }
      }
    }
  }
}
