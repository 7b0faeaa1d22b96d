package org.vmfskit.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmfskit.fs.testing.DiskImages;
import org.vmfskit.fs.testing.Images;

/** {@code vmfs mount} of a datastore that is one partition of a GPT disk image, chosen with --partition. */
class MountContainerTest {

  private static final byte[] HELLO = Images.content(9, 70_000);

  @TempDir Path dir;

  @Test
  void mount_ofTheSecondDatastoreOfAGptDisk_servesItsFiles() throws Exception {
    assumeTrue(Files.exists(Path.of("/dev/fuse")), "/dev/fuse is absent: FUSE is not available here");
    assumeTrue(MountCommand.LIBFUSE3_PATHS.stream().map(Path::of).anyMatch(Files::exists), "libfuse3 is not installed");
    Path disk = dir.resolve("two.img");
    DiskImages.gpt(disk, List.of(DiskImages.vmfs(1, null), DiskImages.vmfs(2, vmfs -> Images.createWith(vmfs, "/hello.bin", HELLO))));
    Path mountPoint = Files.createDirectory(dir.resolve("mnt")).toRealPath();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    AtomicInteger exit = new AtomicInteger(-1);
    Thread mounter = Thread.ofPlatform().name("vmfs-mount").start(() -> exit.set(new VmfsCli(new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(err, true)).run(new String[] {"mount", disk.toString(), mountPoint.toString(), "--partition", "2"})));
    try {
      Mounts.awaitMount(mountPoint, mounter, err);
      assertThat(Files.readAllBytes(mountPoint.resolve("hello.bin"))).isEqualTo(HELLO);
      assertThat(new VmfsCli(new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream()))
          .run(new String[] {"umount", mountPoint.toString()})).isZero();
      mounter.join(TimeUnit.SECONDS.toMillis(30));
      assertThat(exit.get()).as("vmfs mount exit status; stderr: %s", err).isZero();
    } finally {
      if (MountCommand.isMounted(mountPoint)) {
        MountCommand.fusermountUnmount(mountPoint, true);
      }
      mounter.join(TimeUnit.SECONDS.toMillis(30));
    }
  }
}
