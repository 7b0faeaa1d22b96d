package org.vmfskit.fs.hostile;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.vmfskit.fs.snapshot.Checkpoint;
import org.vmfskit.fs.snapshot.SnapshotTree;
import org.vmfskit.fs.snapshot.VmConfig;
import org.vmfskit.fs.vmdk.CowdHeader;
import org.vmfskit.fs.vmdk.Descriptor;
import org.vmfskit.fs.vmdk.DiskFile;
import org.vmfskit.fs.vmdk.DiskStore;
import org.vmfskit.fs.vmdk.HostDiskStore;
import org.vmfskit.fs.vmdk.SeSparseHeader;
import org.vmfskit.fs.vmdk.VirtualDisk;

/**
 * Jazzer fuzz targets for the virtual-disk and snapshot parsers: descriptor text, COWD
 * (vmfsSparse), SEsparse and KDMV (monolithicSparse) files opened as a whole chain and read, and
 * the {@code .vmx}, {@code .vmsd} and {@code .vmsn} files. Only checked {@link IOException}s may
 * leave; anything else (RuntimeException, OOM, hang) is a finding. {@code ./mvnw test} replays
 * the committed inputs in
 * {@code src/test/resources/org/vmfskit/fs/hostile/DiskAndSnapshotFuzzTestInputs/<target>/};
 * {@code JAZZER_FUZZ=1} fuzzes (see RELIABILITY.md).
 *
 * <p>The chain targets mutate a template built at run time on jimfs (capacity 4 MiB, one grain
 * written in the delta): each 5-byte group of the input is a u32 offset (modulo the first
 * {@link #MUTABLE} bytes of the file) and a new byte value; at most 32 changes are applied, the
 * chain is opened and read, and the changes are undone.
 */
class DiskAndSnapshotFuzzTest {

  static final long CAPACITY = 4L << 20;
  static final int MUTABLE = 0x10000;

  private interface Parse {
    void run() throws IOException;
  }

  private static void expectOnlyIoExceptions(Parse parse) {
    try {
      parse.run();
    } catch (UncheckedIOException e) {
      throw e; // a RuntimeException: a finding
    } catch (IOException e) {
      // rejected: fine
    }
  }

  private static ByteBuffer padded(byte[] data, int size) {
    ByteBuffer buffer = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    buffer.put(data, 0, Math.min(data.length, size));
    return buffer.clear();
  }

  // ---- text and header parsers ----

  @FuzzTest(maxDuration = "30s")
  void descriptor(byte[] data) {
    expectOnlyIoExceptions(() -> {
      Descriptor d = Descriptor.parse(data, 0);
      d.toString();
    });
  }

  @FuzzTest(maxDuration = "30s")
  void cowdHeader(byte[] data) {
    expectOnlyIoExceptions(() -> CowdHeader.decode(padded(data, CowdHeader.SIZE), 0));
  }

  @FuzzTest(maxDuration = "30s")
  void seSparseHeader(byte[] data) {
    expectOnlyIoExceptions(() -> SeSparseHeader.decode(padded(data, SeSparseHeader.SIZE), 0));
  }

  @FuzzTest(maxDuration = "30s")
  void vmx(byte[] data) {
    expectOnlyIoExceptions(() -> {
      VmConfig config = VmConfig.parse(data, "/vm/vm.vmx");
      config.disks();
      config.memSizeBytes();
      config.toBytes();
    });
  }

  @FuzzTest(maxDuration = "30s")
  void vmsd(byte[] data) {
    expectOnlyIoExceptions(() -> {
      SnapshotTree tree = SnapshotTree.parse(data, "/vm/vm.vmsd");
      for (var entry : tree.snapshots()) {
        tree.ancestors(entry.uid());
        tree.children(entry.uid());
      }
      tree.toBytes();
    });
  }

  @FuzzTest(maxDuration = "30s")
  void vmsn(byte[] data) {
    expectOnlyIoExceptions(() -> {
      Checkpoint checkpoint = Checkpoint.decode(data, "/vm/vm-Snapshot1.vmsn");
      checkpoint.group("memory");
      checkpoint.toBytes();
    });
  }

  // ---- whole chains over jimfs ----

  private static FileSystem jimfs;
  private static Path root;

  private static synchronized Path templates() throws IOException {
    if (root == null) {
      jimfs = Jimfs.newFileSystem(Configuration.unix());
      root = jimfs.getPath("/t");
      Files.createDirectories(root.resolve("cowd"));
      Files.createDirectories(root.resolve("se"));
      Files.createDirectories(root.resolve("kdmv"));
      HostDiskStore store = HostDiskStore.of(root);
      byte[] data = new byte[8192];
      for (int i = 0; i < data.length; i++) {
        data[i] = (byte) (i * 31 + 7);
      }
      for (String d : new String[] {"cowd", "se"}) {
        try (VirtualDisk base = VirtualDisk.createBase(store, d + "/b.vmdk", CAPACITY, DiskStore.Allocation.THIN)) {
          base.write(0, ByteBuffer.wrap(data));
          try (VirtualDisk delta = VirtualDisk.createDelta(base, d + "/d.vmdk",
              d.equals("cowd") ? VirtualDisk.DeltaFormat.VMFS_SPARSE : VirtualDisk.DeltaFormat.SE_SPARSE)) {
            delta.write(512, ByteBuffer.wrap(data, 0, 4096));
            delta.write(CAPACITY - 4096, ByteBuffer.wrap(data, 0, 4096));
            if (d.equals("se")) {
              try (DiskFile out = store.create("kdmv/m.vmdk")) {
                delta.exportMonolithicSparse(out);
              }
            }
          }
        }
      }
    }
    return root;
  }

  /** Applies the input's changes to {@code file}, opens {@code open} as a chain and reads it, then undoes them. */
  private static void mutateAndRead(byte[] data, String file, String open) throws IOException {
    synchronized (DiskAndSnapshotFuzzTest.class) {
      Path dir = templates();
      Path target = dir.resolve(file);
      List<long[]> undo = new ArrayList<>();
      try (FileChannel channel = FileChannel.open(target, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        long limit = Math.min(channel.size(), MUTABLE);
        ByteBuffer input = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        try {
          while (input.remaining() >= 5 && undo.size() < 32) {
            long offset = Integer.toUnsignedLong(input.getInt()) % limit;
            ByteBuffer old = ByteBuffer.allocate(1);
            channel.read(old, offset);
            undo.add(new long[] {offset, old.get(0)});
            channel.write(ByteBuffer.wrap(new byte[] {input.get()}), offset);
          }
          expectOnlyIoExceptions(() -> readChain(dir, open));
        } finally {
          for (int i = undo.size() - 1; i >= 0; i--) {
            channel.write(ByteBuffer.wrap(new byte[] {(byte) undo.get(i)[1]}), undo.get(i)[0]);
          }
        }
      }
    }
  }

  private static void readChain(Path dir, String open) throws IOException {
    try (VirtualDisk disk = VirtualDisk.open(HostDiskStore.readOnly(dir), open, false)) {
      long capacity = disk.capacity();
      disk.info();
      ByteBuffer buffer = ByteBuffer.allocate(64 << 10);
      // The start (the written grains) and the end of the disk, within whatever capacity the header claims.
      for (long at : new long[] {0, capacity - buffer.capacity(), capacity / 2}) {
        if (at < 0) {
          continue;
        }
        buffer.clear();
        buffer.limit((int) Math.min(buffer.capacity(), capacity - at));
        disk.read(at, buffer);
      }
    }
  }

  @FuzzTest(maxDuration = "60s")
  void cowdChain(byte[] data) throws IOException {
    mutateAndRead(data, "cowd/d-delta.vmdk", "cowd/d.vmdk");
  }

  @FuzzTest(maxDuration = "60s")
  void cowdDescriptorChain(byte[] data) throws IOException {
    mutateAndRead(data, "cowd/d.vmdk", "cowd/d.vmdk");
  }

  @FuzzTest(maxDuration = "60s")
  void seSparseChain(byte[] data) throws IOException {
    mutateAndRead(data, "se/d-sesparse.vmdk", "se/d.vmdk");
  }

  @FuzzTest(maxDuration = "60s")
  void kdmv(byte[] data) throws IOException {
    mutateAndRead(data, "kdmv/m.vmdk", "kdmv/m.vmdk");
  }
}
