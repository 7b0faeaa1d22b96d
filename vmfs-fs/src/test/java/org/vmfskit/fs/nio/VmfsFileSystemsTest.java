package org.vmfskit.fs.nio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.net.URI;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.ReadOnlyFileSystemException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmfskit.fs.device.BlockDevices;
import org.vmfskit.fs.device.SparseMemoryBlockDevice;
import org.vmfskit.fs.file.Vmfs;

/** The provider creates datastores ({@code "create"}, as zipfs) and opens them over any block device. */
class VmfsFileSystemsTest {

  @TempDir Path dir;

  @Test
  void createThroughTheVmfsUri_makesASparseImage_withTheGivenLabelAndBlockSize() throws Exception {
    Path image = dir.resolve("new.img");
    URI uri = URI.create("vmfs:" + image.toUri());
    try (FileSystem fs = FileSystems.newFileSystem(uri, Map.of("create", true, "size", "512M", "label", "made", "blockSize", "2M"))) {
      assertThat(fs.isReadOnly()).isFalse();
      Files.writeString(fs.getPath("/hello.txt"), "hello");
      FileStore store = fs.getFileStores().iterator().next();
      assertThat(store.name()).isEqualTo("made");
      assertThat(store.getTotalSpace()).isLessThanOrEqualTo(512L << 20);
    }
    assertThat(Files.size(image)).isEqualTo((512L << 20) + (17L << 20));
    try (Vmfs vmfs = Vmfs.open(image)) {
      assertThat(vmfs.volume().info().blockSize()).isEqualTo(2L << 20);
      assertThat(vmfs.exists("/hello.txt")).isTrue();
    }
    // "create" on an existing image opens it as it is (as zipfs does), here read-only on request.
    try (FileSystem fs = VmfsFileSystems.newFileSystem(image, Map.of("create", "true", "writable", false))) {
      assertThat(Files.readString(fs.getPath("/hello.txt"))).isEqualTo("hello");
      assertThatThrownBy(() -> Files.createDirectory(fs.getPath("/x"))).isInstanceOf(ReadOnlyFileSystemException.class);
    }
  }

  @Test
  void createOnJimfs_throughTheProvider() throws Exception {
    try (FileSystem host = Jimfs.newFileSystem(Configuration.unix().toBuilder().setMaxSize(1L << 30).build())) {
      Path image = host.getPath("/ds.img");
      try (FileSystem fs = VmfsFileSystems.newFileSystem(image, Map.of("create", true, "size", 256L << 20))) {
        Files.createDirectories(fs.getPath("/vm/a"));
        assertThat(Files.isDirectory(fs.getPath("/vm/a"))).isTrue();
        assertThat(fs.getPath("/vm").toUri().toString()).startsWith("vmfs:jimfs:");
      }
      assertThat(Files.size(image)).isEqualTo((256L << 20) + (17L << 20));
    }
  }

  @Test
  void createWithoutASize_isAClearError() {
    Path image = dir.resolve("nosize.img");
    assertThatThrownBy(() -> VmfsFileSystems.newFileSystem(image, Map.of("create", true)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'size' is needed");
    assertThat(Files.exists(image)).isFalse();
    assertThatThrownBy(() -> VmfsFileSystems.newFileSystem(image, Map.of("create", true, "size", "lots")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'size'");
  }

  @Test
  void tenGibDatastoreInMemory_throughTheProvider() throws Exception {
    SparseMemoryBlockDevice device = BlockDevices.sparseMemory(0);
    try (VmfsFileSystem fs = VmfsFileSystems.newFileSystem(device, Map.of("create", true, "size", "10G", "label", "mem"))) {
      Path big = fs.getPath("/big.bin");
      try (var channel = Files.newByteChannel(big, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
        channel.position(9L << 30).write(java.nio.ByteBuffer.wrap("end".getBytes()));
      }
      assertThat(Files.size(big)).isEqualTo((9L << 30) + 3);
      assertThat(fs.getFileStores().iterator().next().getTotalSpace()).isGreaterThan(9L << 30);
      assertThat(fs.image()).isNull();
      assertThat(big.toUri().toString()).isEqualTo("vmfs:device:memory!/big.bin");
    }
    assertThat(device.size()).isEqualTo((10L << 30) + (17L << 20));
    assertThat(device.allocatedBytes()).isLessThan(64L << 20);
    // Reopened read-only over the same device: the file is there, and nothing can be changed.
    try (VmfsFileSystem fs = VmfsFileSystems.newFileSystem(device, Map.of())) {
      assertThat(fs.isReadOnly()).isTrue();
      assertThat(Files.size(fs.getPath("/big.bin"))).isEqualTo((9L << 30) + 3);
      assertThatThrownBy(() -> Files.delete(fs.getPath("/big.bin"))).isInstanceOf(ReadOnlyFileSystemException.class);
    }
  }
}
