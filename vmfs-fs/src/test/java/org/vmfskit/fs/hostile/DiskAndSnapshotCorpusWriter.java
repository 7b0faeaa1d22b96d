package org.vmfskit.fs.hostile;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmfskit.fs.device.SparseMemoryBlockDevice;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.snapshot.SnapshotEntry;
import org.vmfskit.fs.snapshot.DiskSlot;
import org.vmfskit.fs.snapshot.SnapshotManager;
import org.vmfskit.fs.vmdk.DiskFile;
import org.vmfskit.fs.volume.FormatOptions;

/**
 * Regenerates the seed inputs of {@link DiskAndSnapshotFuzzTest}: valid files from the jimfs
 * templates and from a VM with two snapshots on a small volume, plus a few mutation lists for the
 * chain targets. Runs only with {@code -Dvmfskit.writeCorpus=true}.
 */
class DiskAndSnapshotCorpusWriter {

  @Test
  void writeSeeds() throws IOException {
    assumeTrue(Boolean.getBoolean("vmfskit.writeCorpus"), "set -Dvmfskit.writeCorpus=true to regenerate the fuzz seeds");
    Path out = Path.of("src/test/resources/org/vmfskit/fs/hostile/DiskAndSnapshotFuzzTestInputs");
    Path t = templateDir();
    write(out, "descriptor", "seed-cowd-delta", Files.readAllBytes(t.resolve("cowd/d.vmdk")));
    write(out, "descriptor", "seed-base", Files.readAllBytes(t.resolve("cowd/b.vmdk")));
    write(out, "descriptor", "seed-sesparse", Files.readAllBytes(t.resolve("se/d.vmdk")));
    write(out, "cowdHeader", "seed-valid", Arrays.copyOf(Files.readAllBytes(t.resolve("cowd/d-delta.vmdk")), 2048));
    write(out, "seSparseHeader", "seed-valid", Arrays.copyOf(Files.readAllBytes(t.resolve("se/d-sesparse.vmdk")), 512));
    for (String target : List.of("cowdChain", "cowdDescriptorChain", "seSparseChain", "kdmv")) {
      write(out, target, "seed-unchanged", new byte[0]);
      // offset 4, 8, 0x800, 0xA00 (header fields, GD, first GT) set to 0xFF
      write(out, target, "seed-header-field", new byte[] {4, 0, 0, 0, (byte) 0xFF});
      write(out, target, "seed-tables", new byte[] {0, 8, 0, 0, (byte) 0xFF, 0, 0x0A, 0, 0, 0x7F, 0x10, 0, 0, 0, (byte) 0x80});
    }
    SparseMemoryBlockDevice device = new SparseMemoryBlockDevice(FormatOptions.builder(256L << 20).build().imageBytes());
    try (Vmfs fs = Vmfs.format(device, FormatOptions.builder(256L << 20).label("seed").seed(1).timeSeconds(1_700_000_000L).build())) {
      SnapshotManager vm = SnapshotManager.createVm(fs, "/vm", List.of(1L << 20, 1L << 20), 1L << 20).withClock(() -> 1_700_000_000_000_000L);
      vm.writeDisk(DiskSlot.scsi(0, 0), 0, ByteBuffer.wrap(new byte[] {1, 2, 3}));
      vm.writeMemory(0, ByteBuffer.wrap(new byte[4096]));
      SnapshotEntry first = vm.take("one", "first", true);
      vm.writeDisk(DiskSlot.scsi(0, 1), 4096, ByteBuffer.wrap(new byte[] {4, 5, 6}));
      vm.take("two", "second \"quoted\"", false);
      write(out, "vmx", "seed-valid", vm.config().toBytes());
      write(out, "vmsd", "seed-valid", vm.tree().toBytes());
      try (DiskFile vmsn = vm.directory().store().open(vm.directory().file(first.fileName()), false)) {
        ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(vmsn.size(), 4096));
        vmsn.readFully(0, buffer);
        write(out, "vmsn", "seed-valid", buffer.array());
      }
    }
  }

  private static Path templateDir() throws IOException {
    try {
      var m = DiskAndSnapshotFuzzTest.class.getDeclaredMethod("templates");
      m.setAccessible(true);
      return (Path) m.invoke(null);
    } catch (ReflectiveOperationException e) {
      throw new IOException(e);
    }
  }

  private static void write(Path root, String target, String name, byte[] content) throws IOException {
    Path dir = root.resolve(target);
    Files.createDirectories(dir);
    Files.write(dir.resolve(name), content);
  }
}
