package org.vmfskit.fs.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.device.FileChannelBlockDevice;
import org.vmfskit.fs.device.ImageFiles;
import org.vmfskit.fs.format.FsDescriptor;
import org.vmfskit.fs.format.LvmHeader;
import org.vmfskit.fs.volume.Geometry;

/**
 * A failed open or create leaves no file descriptor and no writer lock behind: the open files of
 * this process are counted in {@code /proc/self/fd} around many failed opens of damaged images,
 * through the front door, the nio provider and the device opener.
 */
class FailedOpenLeakTest {

  private static final int ROUNDS = 10;

  @TempDir static Path dir;
  private static Path good;

  @BeforeAll
  static void makeImage() throws IOException {
    good = dir.resolve("good.img");
    Vmfs.create(good, CreateOptions.builder(256L << 20).seed(3).build()).close();
  }

  /** A damaged copy of the good image: {@code offset} overwritten with {@code bytes}, or cut at {@code cutAt}. */
  record Damage(String name, long offset, byte[] bytes, long cutAt) {
    static Damage overwrite(String name, long offset, int... values) {
      byte[] bytes = new byte[values.length];
      for (int i = 0; i < values.length; i++) {
        bytes[i] = (byte) values[i];
      }
      return new Damage(name, offset, bytes, -1);
    }

    static Damage cut(String name, long length) {
      return new Damage(name, 0, new byte[0], length);
    }

    Path apply() throws IOException {
      Path image = dir.resolve(name + ".img");
      Files.deleteIfExists(image);
      Files.copy(good, image);
      try (FileChannel channel = FileChannel.open(image, StandardOpenOption.WRITE)) {
        if (cutAt >= 0) {
          channel.truncate(cutAt);
        } else {
          channel.write(ByteBuffer.wrap(bytes), offset);
        }
      }
      return image;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Damage> damages() {
    long fs = Geometry.deviceOffset(FsDescriptor.LOGICAL_OFFSET);
    return Stream.of(
        Damage.overwrite("lvm-magic", LvmHeader.IMAGE_OFFSET, 0, 0, 0, 0),
        Damage.overwrite("fs-magic", fs, 0x11, 0x22, 0x33, 0x44),
        Damage.overwrite("fs-block-size", fs + 0xA1, 0, 0, 0, 0, 0, 0, 0, 0),
        Damage.cut("empty", 0),
        Damage.cut("lvm-only", LvmHeader.IMAGE_OFFSET + 4096),
        Damage.cut("half-volume", 128L << 20));
  }

  private static long openFiles() throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("damages")
  void failedOpensOfADamagedImage_leaveNoOpenFileAndNoLock(Damage damage) throws Exception {
    assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "no /proc/self/fd to count open files");
    Path image = damage.apply();
    tryEveryDoor(image); // warm up class loading, which opens jar files once
    long before = openFiles();
    for (int i = 0; i < ROUNDS; i++) {
      tryEveryDoor(image);
    }
    assertThat(openFiles()).as("open files after %s failed opens", ROUNDS * 5).isEqualTo(before);
    // No writer lock outlived the failures either.
    try (BlockDevice device = ImageFiles.open(image, ImageFiles.Access.READ_WRITE)) {
      assertThat(device.isReadOnly()).isFalse();
    }
  }

  private static void tryEveryDoor(Path image) {
    assertThatThrownBy(() -> Vmfs.open(image)).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> Vmfs.open(image, OpenOptions.writable())).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> Vmfs.open(FileChannelBlockDevice.openWritable(image))).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> FileSystems.newFileSystem(image, Map.of("writable", true)))
        .isInstanceOfAny(IOException.class, UnsupportedOperationException.class, java.nio.file.ProviderNotFoundException.class);
    assertThatThrownBy(() -> FileSystems.newFileSystem(image, Map.of()))
        .isInstanceOfAny(IOException.class, UnsupportedOperationException.class, java.nio.file.ProviderNotFoundException.class);
  }

  @Test
  void refusedSecondWriter_leavesNoOpenFile() throws Exception {
    assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "no /proc/self/fd to count open files");
    try (Vmfs writer = Vmfs.open(good, OpenOptions.writable())) {
      assertThatThrownBy(() -> Vmfs.open(good, OpenOptions.writable())).hasMessageContaining("in use");
      long before = openFiles();
      for (int i = 0; i < ROUNDS; i++) {
        assertThatThrownBy(() -> Vmfs.open(good, OpenOptions.writable())).hasMessageContaining("in use");
        assertThatThrownBy(() -> FileSystems.newFileSystem(good, Map.of("writable", true))).hasMessageContaining("in use");
      }
      assertThat(openFiles()).isEqualTo(before);
      assertThat(writer.exists("/")).isTrue();
    }
  }

  @Test
  void createOverAnExistingFile_failsAndLeavesItAlone() throws Exception {
    assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "no /proc/self/fd to count open files");
    Path existing = Files.writeString(dir.resolve("notes.txt"), "keep me");
    long before = openFiles();
    for (int i = 0; i < ROUNDS; i++) {
      assertThatThrownBy(() -> Vmfs.create(existing, CreateOptions.builder(256L << 20).build())).isInstanceOf(FileAlreadyExistsException.class);
    }
    assertThat(openFiles()).isEqualTo(before);
    assertThat(Files.readString(existing)).isEqualTo("keep me");
  }

  @Test
  void createThatRunsOutOfSpace_deletesThePartialImage_andReleasesTheLock() throws Exception {
    try (FileSystem host = Jimfs.newFileSystem(Configuration.unix().toBuilder().setMaxSize(64L << 20).build())) {
      Path image = host.getPath("/full.img");
      assertThatThrownBy(() -> Vmfs.create(image, CreateOptions.builder(256L << 20).build())).isInstanceOf(IOException.class);
      assertThat(Files.exists(image)).isFalse();
      assertThat(List.of(host.getRootDirectories())).isNotEmpty();
      // The lock registry forgot the failed writer: a new file of that name can be locked.
      try (FileChannelBlockDevice device = ImageFiles.create(image, 4096)) {
        assertThat(device.size()).isEqualTo(4096);
      }
    }
  }
}
