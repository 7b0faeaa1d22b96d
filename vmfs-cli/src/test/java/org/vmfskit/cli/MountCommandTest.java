package org.vmfskit.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmfskit.fs.device.FileChannelBlockDevice;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.file.VmfsFile;
import org.vmfskit.fs.volume.FormatOptions;

/**
 * Mounts a volume with {@code vmfs mount} (FUSE, read-only) and reads it with ordinary OS calls
 * from another thread and with {@code sha256sum}; the hashes must equal what our API and
 * {@code vmfs cat} give. Skipped only where /dev/fuse, libfuse3 or fusermount3 is missing.
 */
class MountCommandTest {

  private static final int BIG = 50 << 20;

  @TempDir Path dir;

  @Test
  void mount_readOnly_servesTheSameBytesAsOurApiAndVmfsCat() throws Exception {
    assumeTrue(Files.exists(Path.of("/dev/fuse")), "/dev/fuse is absent: FUSE is not available here");
    assumeTrue(MountCommand.LIBFUSE3_PATHS.stream().map(Path::of).anyMatch(Files::exists), "libfuse3 is not installed");
    assumeTrue(onPath("fusermount3"), "fusermount3 is not installed");
    Path image = dir.resolve("ds.img");
    Path mountPoint = Files.createDirectory(dir.resolve("mnt")).toRealPath();
    byte[] big = new byte[BIG];
    new SplittableRandom(6).nextBytes(big);
    try (Vmfs vmfs = Vmfs.format(FileChannelBlockDevice.create(image, 0),
        FormatOptions.builder(1L << 30).label("mnt").seed(6).timeSeconds(1_700_000_000).build())) {
      vmfs.mkdir("/vm1");
      vmfs.mkdir("/vm1/nested");
      vmfs.createFile("/vm1/vm1.vmx").write(0, ByteBuffer.wrap("displayName = \"vm1\"\n".getBytes(StandardCharsets.UTF_8)));
      vmfs.createFile("/vm1/nested/notes.txt").write(0, ByteBuffer.wrap("nested\n".getBytes(StandardCharsets.UTF_8)));
      vmfs.createFile("/vm1/empty");
      vmfs.createFile("/vm1/big.bin").write(0, ByteBuffer.wrap(big));
    }
    String apiHash;
    try (Vmfs vmfs = Vmfs.open(FileChannelBlockDevice.openReadOnly(image))) {
      apiHash = sha256(readAll(vmfs.openFile("/vm1/big.bin")));
    }
    ByteArrayOutputStream catOut = new ByteArrayOutputStream();
    assertThat(new VmfsCli(new PrintStream(catOut), new PrintStream(new ByteArrayOutputStream())).run(new String[] {"cat", image.toString(), "/vm1/big.bin"}))
        .isEqualTo(0);
    assertThat(sha256(catOut.toByteArray())).isEqualTo(apiHash).isEqualTo(sha256(big));
    String imageHash = sha256(image);

    ByteArrayOutputStream mountErr = new ByteArrayOutputStream();
    AtomicInteger exit = new AtomicInteger(-1);
    Thread mounter = Thread.ofPlatform().name("vmfs-mount").start(() -> exit.set(
        new VmfsCli(new PrintStream(new ByteArrayOutputStream()), new PrintStream(mountErr, true)).run(new String[] {"mount", image.toString(), mountPoint.toString()})));
    try {
      Mounts.awaitMount(mountPoint, mounter, mountErr);
      try (Stream<Path> walk = Files.walk(mountPoint)) {
        assertThat(walk.map(p -> mountPoint.relativize(p).toString()).toList())
            .contains("vm1", "vm1/nested", "vm1/nested/notes.txt", "vm1/vm1.vmx", "vm1/empty", "vm1/big.bin");
      }
      Path mountedBig = mountPoint.resolve("vm1/big.bin");
      assertThat(Files.size(mountedBig)).isEqualTo(BIG);
      assertThat(sha256(mountedBig)).isEqualTo(apiHash);
      assertThat(sha256sumProcess(mountedBig)).isEqualTo(apiHash);
      assertThat(Files.readString(mountPoint.resolve("vm1/nested/notes.txt"))).isEqualTo("nested\n");
      assertThat(Files.size(mountPoint.resolve("vm1/empty"))).isZero();
      assertThatThrownBy(() -> Files.writeString(mountPoint.resolve("vm1/new.txt"), "x")).isInstanceOf(IOException.class);
      assertThat(new VmfsCli(new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream())).run(new String[] {"umount", mountPoint.toString()})).isEqualTo(0);
      mounter.join(TimeUnit.SECONDS.toMillis(30));
      assertThat(mounter.isAlive()).as("vmfs mount still running after vmfs umount").isFalse();
      assertThat(exit.get()).as("vmfs mount exit status; stderr: %s", mountErr).isEqualTo(0);
      assertThat(MountCommand.isMounted(mountPoint)).isFalse();
    } finally {
      if (MountCommand.isMounted(mountPoint)) {
        MountCommand.fusermountUnmount(mountPoint, true);
      }
      mounter.join(TimeUnit.SECONDS.toMillis(30));
    }
    assertThat(sha256(image)).as("image unchanged by a read-only mount").isEqualTo(imageHash);
  }

  private static boolean onPath(String tool) {
    return Stream.of(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
  }

  private static byte[] readAll(VmfsFile file) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate((int) file.size());
    file.readFully(0, buffer);
    return buffer.array();
  }

  private static String sha256(byte[] data) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
  }

  private static String sha256(Path file) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 20];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static String sha256sumProcess(Path file) throws Exception {
    Process process = new ProcessBuilder(List.of("sha256sum", file.toString())).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("sha256sum: %s", output).isEqualTo(0);
    return output.split("\\s+")[0];
  }
}
