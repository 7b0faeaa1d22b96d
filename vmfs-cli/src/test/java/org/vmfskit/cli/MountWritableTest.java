package org.vmfskit.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmfskit.fs.device.FileChannelBlockDevice;
import org.vmfskit.fs.file.FileStat;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.volume.FormatOptions;

/**
 * {@code vmfs mount --writable} through the kernel: every FUSE operation the mount maps onto the
 * vmfs file system (create, write, mkdir, rename, symlink, readlink, truncate, utimens, unlink,
 * rmdir, statfs) is driven with ordinary OS calls, {@code stat} reports the blocks a thin file
 * really holds, and afterwards our API sees the same tree and {@code vmfs fsck} finds the volume
 * clean. Skipped only where /dev/fuse, libfuse3 or fusermount3 is missing.
 */
class MountWritableTest {

  @TempDir Path dir;

  @Test
  void writableMount_mapsEveryChangeOntoTheVolume_andStatCountsAllocatedBlocks() throws Exception {
    assumeTrue(Files.exists(Path.of("/dev/fuse")), "/dev/fuse is absent: FUSE is not available here");
    assumeTrue(MountCommand.LIBFUSE3_PATHS.stream().map(Path::of).anyMatch(Files::exists), "libfuse3 is not installed");
    assumeTrue(onPath("fusermount3"), "fusermount3 is not installed");
    Path image = dir.resolve("ds.img");
    Path mnt = Files.createDirectory(dir.resolve("mnt")).toRealPath();
    try (Vmfs vmfs = Vmfs.format(FileChannelBlockDevice.create(image, 0),
        FormatOptions.builder(1L << 30).label("rw").seed(7).timeSeconds(1_700_000_000).build())) {
      vmfs.mkdir("/keep");
    }

    ByteArrayOutputStream mountErr = new ByteArrayOutputStream();
    AtomicInteger exit = new AtomicInteger(-1);
    Thread mounter = Thread.ofPlatform().name("vmfs-mount-rw").start(() -> exit.set(
        new VmfsCli(new PrintStream(new ByteArrayOutputStream()), new PrintStream(mountErr, true))
            .run(new String[] {"mount", image.toString(), mnt.toString(), "--writable"})));
    long mountedBlocks;
    try {
      Mounts.awaitMount(mnt, mounter, mountErr);
      Path d = Files.createDirectory(mnt.resolve("d"));
      Files.writeString(d.resolve("a.txt"), "hello, vmfs\n");
      Files.move(d.resolve("a.txt"), d.resolve("b.txt"));
      Files.createSymbolicLink(d.resolve("link"), Path.of("b.txt"));
      assertThat(Files.readSymbolicLink(d.resolve("link"))).isEqualTo(Path.of("b.txt"));
      assertThat(Files.readString(d.resolve("link"))).isEqualTo("hello, vmfs\n");
      Files.setLastModifiedTime(d.resolve("b.txt"), FileTime.from(Instant.parse("2001-02-03T04:05:06Z")));

      // A thin file: 1 MiB of data, then grown to 64 MiB; only the written block is allocated.
      try (RandomAccessFile thin = new RandomAccessFile(d.resolve("thin.bin").toFile(), "rw")) {
        thin.write(new byte[1 << 20]);
        thin.setLength(64L << 20);
      }
      assertThat(Files.size(d.resolve("thin.bin"))).isEqualTo(64L << 20);
      mountedBlocks = Long.parseLong(run("stat", "-c", "%b", d.resolve("thin.bin").toString()).trim());

      Files.createDirectory(d.resolve("empty"));
      Files.delete(d.resolve("empty"));
      Files.writeString(d.resolve("gone.txt"), "x");
      Files.delete(d.resolve("gone.txt"));
      assertThatThrownBy(() -> Files.delete(d)).isInstanceOf(DirectoryNotEmptyException.class);

      FileStore store = Files.getFileStore(mnt);
      assertThat(store.getTotalSpace()).isBetween(900L << 20, 1L << 30);
      assertThat(store.getUsableSpace()).isPositive().isLessThan(store.getTotalSpace());

      assertThat(new VmfsCli(new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream()))
          .run(new String[] {"umount", mnt.toString()})).isEqualTo(0);
      mounter.join(TimeUnit.SECONDS.toMillis(30));
      assertThat(mounter.isAlive()).as("vmfs mount still running after vmfs umount").isFalse();
      assertThat(exit.get()).as("vmfs mount exit status; stderr: %s", mountErr).isEqualTo(0);
    } finally {
      if (MountCommand.isMounted(mnt)) {
        MountCommand.fusermountUnmount(mnt, true);
      }
      mounter.join(TimeUnit.SECONDS.toMillis(30));
    }

    try (Vmfs vmfs = Vmfs.open(FileChannelBlockDevice.openReadOnly(image))) {
      assertThat(vmfs.list("/d").stream().map(FileStat::name)).containsExactlyInAnyOrder("b.txt", "link", "thin.bin");
      assertThat(vmfs.readLink("/d/link")).isEqualTo("b.txt");
      assertThat(new String(vmfs.openFile("/d/b.txt").readAll(1 << 10), StandardCharsets.UTF_8)).isEqualTo("hello, vmfs\n");
      assertThat(vmfs.stat("/d/b.txt").mtime()).isEqualTo(Instant.parse("2001-02-03T04:05:06Z").getEpochSecond());
      FileStat thin = vmfs.stat("/d/thin.bin");
      assertThat(thin.size()).isEqualTo(64L << 20);
      long allocatedSectors = thin.blocks() * thin.blockSize() / 512;
      assertThat(allocatedSectors).isPositive().isLessThan((64L << 20) / 512);
      assertThat(mountedBlocks).as("st_blocks through the mount").isEqualTo(allocatedSectors);
      assertThat(vmfs.exists("/keep")).isTrue();
    }
    ByteArrayOutputStream fsckOut = new ByteArrayOutputStream();
    assertThat(new VmfsCli(new PrintStream(fsckOut), new PrintStream(fsckOut)).run(new String[] {"fsck", image.toString()}))
        .as("vmfs fsck: %s", fsckOut).isEqualTo(0);
  }

  private static String run(String... command) throws Exception {
    Process process = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("%s: %s", String.join(" ", command), output).isEqualTo(0);
    return output;
  }

  private static boolean onPath(String tool) {
    return Stream.of(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
  }
}
