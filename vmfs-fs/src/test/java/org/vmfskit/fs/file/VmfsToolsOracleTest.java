package org.vmfskit.fs.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmfskit.fs.device.FileChannelBlockDevice;
import org.vmfskit.fs.testing.Images;
import org.vmfskit.fs.testing.Patterns;
import org.vmfskit.fs.testing.Tools;

/** vmfs-tools 0.2.5 as an oracle: it must list, cat byte-exact and fsck clean what vmfskit writes. */
class VmfsToolsOracleTest {

  @Test
  void debugvmfsAndFsck_acceptTheVolume(@TempDir Path dir) throws Exception {
    assumeTrue(Tools.available("debugvmfs") && Tools.available("fsck.vmfs"), "vmfs-tools not installed");
    Path image = dir.resolve("oracle.img");
    byte[] sb = Patterns.of(1, 0, 5000);
    byte[] fb = Patterns.of(2, 0, (5 << 20) + 123);
    byte[] thinHead = Patterns.of(3, 0, 4096);
    byte[] thinTail = Patterns.of(3, 1124L << 20, 4096);
    byte[] inner = Patterns.of(4, 0, 3000);
    try (Vmfs vmfs = Vmfs.format(FileChannelBlockDevice.create(image, 0), Images.options(Images.GIB))) {
      Images.createWith(vmfs, "/sb.bin", sb);
      Images.createWith(vmfs, "/fb.bin", fb);
      VmfsFile thin = vmfs.createFile("/thin-flat.vmdk");
      thin.write(0, ByteBuffer.wrap(thinHead));
      thin.write(1124L << 20, ByteBuffer.wrap(thinTail));
      vmfs.mkdir("/dir");
      Images.createWith(vmfs, "/dir/inner.bin", inner);
      Images.createWith(vmfs, "/gone", Patterns.of(5, 0, 3 << 20));
      vmfs.delete("/gone");
      vmfs.rename("/fb.bin", "/dir/moved.bin");
    }
    String img = image.toString();
    Tools.Result show = Tools.run("debugvmfs", img, "show");
    assertThat(show.exitCode()).as(show.stderr()).isZero();
    assertThat(show.text()).contains("testvol");
    Tools.Result ls = Tools.run("debugvmfs", img, "ls", "-l", "/");
    assertThat(ls.exitCode()).as(ls.stderr()).isZero();
    assertThat(ls.text()).contains("sb.bin", "thin-flat.vmdk", "dir", ".fbb.sf").doesNotContain("gone", "fb.bin\n");
    assertThat(Tools.run("debugvmfs", img, "cat", "/sb.bin").stdout()).isEqualTo(sb);
    assertThat(Tools.run("debugvmfs", img, "cat", "/dir/moved.bin").stdout()).isEqualTo(fb);
    assertThat(Tools.run("debugvmfs", img, "cat", "/dir/inner.bin").stdout()).isEqualTo(inner);
    byte[] thin = Tools.run("debugvmfs", img, "cat", "/thin-flat.vmdk").stdout();
    assertThat(thin).hasSize((int) ((1124L << 20) + 4096));
    assertThat(java.util.Arrays.copyOf(thin, 4096)).isEqualTo(thinHead);
    assertThat(java.util.Arrays.copyOfRange(thin, (int) (1124L << 20), thin.length)).isEqualTo(thinTail);
    Tools.Result bitmaps = Tools.run("debugvmfs", img, "check_vol_bitmaps");
    assertThat(bitmaps.exitCode()).as(bitmaps.stderr()).isZero();
    assertThat(bitmaps.text() + bitmaps.stderr()).as("check_vol_bitmaps").containsPattern("(?i)0 error|no error|Total errors: 0");
    Tools.Result fsck = Tools.run("fsck.vmfs", img);
    assertThat(fsck.exitCode()).as(fsck.stderr()).isZero();
    String report = fsck.text() + fsck.stderr();
    for (String counter : new String[] {"Unallocated blocks", "Lost blocks", "Undefined inodes", "Orphaned inodes", "Directory errors"}) {
      assertThat(report).as(report).containsPattern(counter + "\\s*:\\s*0\\b");
    }
  }

  @Test
  void afterRandomWritesTruncatesAndDeletes_vmfsToolsReadsEveryFileAndFsckIsClean(@TempDir Path dir) throws Exception {
    assumeTrue(Tools.available("debugvmfs") && Tools.available("fsck.vmfs"), "vmfs-tools not installed");
    long seed = 0x0AC1E;
    java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
    Path image = dir.resolve("random.img");
    int files = 6;
    org.vmfskit.fs.testing.SparseModel[] models = new org.vmfskit.fs.testing.SparseModel[files];
    try (Vmfs vmfs = Vmfs.format(FileChannelBlockDevice.create(image, 0), Images.options(Images.GIB))) {
      vmfs.mkdir("/d");
      for (int f = 0; f < files; f++) {
        models[f] = new org.vmfskit.fs.testing.SparseModel();
        // Start every file above 1 KiB: resident files are fsck noise (format reference, 12).
        byte[] first = Images.content(random.nextLong(), 1025 + random.nextInt(20_000));
        Images.createWith(vmfs, "/d/f" + f, first);
        models[f].write(0, first);
      }
      for (int step = 0; step < 60; step++) {
        int f = random.nextInt(files);
        VmfsFile file = vmfs.openFile("/d/f" + f);
        if (random.nextInt(4) == 0) {
          long size = random.nextLong(Math.max(2000, models[f].size() * 2));
          file.truncate(size);
          models[f].truncate(size);
        } else {
          long pos = random.nextBoolean() ? random.nextLong(64 << 20) : random.nextLong(Math.max(1, models[f].size()));
          byte[] data = Images.content(random.nextLong(), 1 + random.nextInt(400_000));
          file.write(pos, ByteBuffer.wrap(data));
          models[f].write(pos, data);
        }
      }
      vmfs.delete("/d/f0");
      vmfs.rename("/d/f1", "/f1");
    }
    String img = image.toString();
    for (int f = 1; f < files; f++) {
      String path = f == 1 ? "/f1" : "/d/f" + f;
      byte[] cat = Tools.run("debugvmfs", img, "cat", path).stdout();
      assertThat(cat).as("seed %d, debugvmfs cat %s", seed, path).isEqualTo(models[f].read(0, (int) models[f].size()));
    }
    Tools.Result bitmaps = Tools.run("debugvmfs", img, "check_vol_bitmaps");
    assertThat(bitmaps.text()).as("seed %d", seed).contains("Total errors: 0");
    Tools.Result fsck = Tools.run("fsck.vmfs", img);
    String report = fsck.text() + fsck.stderr();
    for (String counter : new String[] {"Unallocated blocks", "Lost blocks", "Undefined inodes", "Orphaned inodes", "Directory errors"}) {
      assertThat(report).as("seed %d: %s", seed, report).containsPattern(counter + "\\s*:\\s*0\\b");
    }
  }
}
