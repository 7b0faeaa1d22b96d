package org.vmfskit.fs.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmfskit.fs.check.VolumeChecker;
import org.vmfskit.fs.device.FileChannelBlockDevice;

/**
 * The library refuses a second writer on one image, in this process and in another, whichever
 * door it comes through (the front door, a device opener, the nio provider), and nothing the
 * first writer wrote is lost. Readers may open alongside a writer.
 */
class SecondWriterTest {

  private static final long SIZE = 256L << 20;

  @TempDir Path dir;

  private Path newImage() throws IOException {
    Path image = dir.resolve("ds.img");
    try (Vmfs vmfs = Vmfs.create(image, CreateOptions.builder(SIZE).label("lock").seed(1).build())) {
      vmfs.mkdir("/d");
    }
    return image;
  }

  private static void write(Vmfs vmfs, String path, String text) throws IOException {
    vmfs.createFile(path).write(0, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
  }

  private static String read(Vmfs vmfs, String path) throws IOException {
    VmfsFile file = vmfs.openFile(path);
    ByteBuffer buffer = ByteBuffer.allocate((int) file.size());
    file.read(0, buffer);
    return new String(buffer.array(), StandardCharsets.UTF_8);
  }

  /** Asserts the first writer's file is there and the volume checks clean. */
  private static void assertNothingLost(Path image, String path, String text) throws IOException {
    try (Vmfs vmfs = Vmfs.open(image)) {
      assertThat(read(vmfs, path)).isEqualTo(text);
      assertThat(VolumeChecker.check(vmfs).problems()).isEmpty();
    }
  }

  @Test
  void secondWriterInThisProcess_isRefusedThroughEveryDoor_andNothingIsLost() throws Exception {
    Path image = newImage();
    try (Vmfs first = Vmfs.open(image, OpenOptions.writable())) {
      write(first, "/d/first.txt", "written by the first writer");
      assertThatThrownBy(() -> Vmfs.open(image, OpenOptions.writable()))
          .isInstanceOf(FileSystemException.class).hasMessageContaining("image is in use by another writer");
      assertThatThrownBy(() -> FileChannelBlockDevice.openWritable(image))
          .isInstanceOf(FileSystemException.class).hasMessageContaining("image is in use by another writer");
      assertThatThrownBy(() -> FileSystems.newFileSystem(image, Map.of("writable", true)))
          .isInstanceOf(FileSystemException.class).hasMessageContaining("image is in use by another writer");
      // A second name for the same file is the same image.
      Path link = Files.createSymbolicLink(dir.resolve("alias.img"), image);
      assertThatThrownBy(() -> Vmfs.open(link, OpenOptions.writable())).hasMessageContaining("in use by another writer");
      try (Vmfs reader = Vmfs.open(image)) {
        assertThat(reader.exists("/d")).isTrue();
      }
      write(first, "/d/after.txt", "still the only writer");
    }
    assertNothingLost(image, "/d/first.txt", "written by the first writer");
    assertNothingLost(image, "/d/after.txt", "still the only writer");
    try (Vmfs again = Vmfs.open(image, OpenOptions.writable())) {
      assertThat(again.exists("/d/first.txt")).isTrue();
    }
  }

  @Test
  void writerThroughTheProvider_refusesTheFrontDoor() throws Exception {
    Path image = newImage();
    try (FileSystem fs = FileSystems.newFileSystem(image, Map.of("writable", true))) {
      Files.writeString(fs.getPath("/d/by-provider.txt"), "provider");
      assertThatThrownBy(() -> Vmfs.open(image, OpenOptions.writable())).hasMessageContaining("image is in use by another writer");
    }
    assertNothingLost(image, "/d/by-provider.txt", "provider");
  }

  @Test
  void secondWriterOnJimfs_isRefused() throws Exception {
    try (FileSystem host = Jimfs.newFileSystem(Configuration.unix().toBuilder().setMaxSize(1L << 30).build())) {
      Path image = host.getPath("/ds.img");
      try (Vmfs first = Vmfs.create(image, CreateOptions.builder(SIZE).seed(2).build())) {
        write(first, "/kept.txt", "jimfs");
        assertThatThrownBy(() -> Vmfs.open(image, OpenOptions.writable())).hasMessageContaining("image is in use by another writer");
      }
      assertNothingLost(image, "/kept.txt", "jimfs");
    }
  }

  @Test
  void secondWriterInAnotherProcess_isRefused_bothWays() throws Exception {
    Path image = newImage();
    // The other process writes first and holds the image until told to finish.
    Process child = LockHolder.start(image, "hold");
    try (BufferedReader out = child.inputReader(); Writer in = child.outputWriter()) {
      assertThat(out.readLine()).isEqualTo("locked");
      assertThatThrownBy(() -> Vmfs.open(image, OpenOptions.writable()))
          .isInstanceOf(FileSystemException.class).hasMessageContaining("image is in use by another writer (another process holds its lock)");
      try (Vmfs reader = Vmfs.open(image)) {
        assertThat(reader.exists("/d")).isTrue();
      }
      in.write("finish\n");
      in.flush();
      assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(child.exitValue()).isZero();
    assertNothingLost(image, "/d/from-child.txt", "written by the other process");

    // This process writes; the other process is refused.
    try (Vmfs first = Vmfs.open(image, OpenOptions.writable())) {
      write(first, "/d/from-parent.txt", "parent");
      Process second = LockHolder.start(image, "try");
      assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
      String said = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(second.exitValue()).as(said).isEqualTo(LockHolder.REFUSED);
      assertThat(said).contains("image is in use by another writer");
    }
    assertNothingLost(image, "/d/from-parent.txt", "parent");
    assertNothingLost(image, "/d/from-child.txt", "written by the other process");
  }

  /** A second JVM that opens an image writable: {@code hold} writes and waits, {@code try} reports refusal. */
  static final class LockHolder {
    static final int REFUSED = 3;

    static Process start(Path image, String mode) throws IOException {
      Path java = Path.of(System.getProperty("java.home"), "bin", "java");
      return new ProcessBuilder(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
          LockHolder.class.getName(), image.toString(), mode)).redirectErrorStream(true).start();
    }

    public static void main(String[] args) throws Exception {
      Path image = Path.of(args[0]);
      if (args[1].equals("try")) {
        try (Vmfs ignored = Vmfs.open(image, OpenOptions.writable())) {
          System.out.println("opened: not refused");
          System.exit(0);
        } catch (FileSystemException e) {
          System.out.println(e.getMessage());
          System.exit(REFUSED);
        }
      }
      try (Vmfs vmfs = Vmfs.open(image, OpenOptions.writable())) {
        System.out.println("locked");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        if (!"finish".equals(in.readLine())) {
          System.exit(2);
        }
        write(vmfs, "/d/from-child.txt", "written by the other process");
      }
    }
  }
}
