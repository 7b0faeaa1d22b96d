package org.vmfskit.fs.vmdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** DiskOperations keeps chains whole: hints follow a moved delta, parents with children stay put. */
class DiskOperationsTest {

  private FileSystem fs;
  private HostDiskStore store;

  @BeforeEach
  void setUp() throws IOException {
    fs = Jimfs.newFileSystem(Configuration.unix());
    store = HostDiskStore.of(Files.createDirectories(fs.getPath("/store")));
  }

  @AfterEach
  void tearDown() throws IOException {
    fs.close();
  }

  private static byte[] read(DiskStore store, String path, int length) throws IOException {
    try (VirtualDisk disk = VirtualDisk.open(store, path, false)) {
      ByteBuffer buffer = ByteBuffer.allocate(length);
      disk.read(0, buffer);
      return buffer.array();
    }
  }

  @Test
  void aDeltaMovedToAnotherDirectory_keepsFindingItsParent() throws IOException {
    Files.createDirectories(fs.getPath("/store/vm"));
    try (VirtualDisk base = VirtualDisk.createBase(store, "vm/base.vmdk", 1 << 20, DiskStore.Allocation.THIN)) {
      base.write(0, ByteBuffer.wrap(new byte[] {1, 2, 3}));
      try (VirtualDisk child = VirtualDisk.createDelta(base, "vm/child.vmdk", VirtualDisk.DeltaFormat.VMFS_SPARSE)) {
        child.write(1, ByteBuffer.wrap(new byte[] {9}));
      }
    }
    Files.createDirectories(fs.getPath("/store/other/deeper"));
    DiskOperations.rename(store, "vm/child.vmdk", "other/deeper/moved.vmdk");

    assertThat(Files.exists(fs.getPath("/store/vm/child-delta.vmdk"))).isFalse();
    assertThat(Files.exists(fs.getPath("/store/other/deeper/moved-delta.vmdk"))).isTrue();
    String text = Files.readString(fs.getPath("/store/other/deeper/moved.vmdk"));
    assertThat(text).contains("parentFileNameHint=\"../../vm/base.vmdk\"").contains("\"moved-delta.vmdk\"");
    assertThat(read(store, "other/deeper/moved.vmdk", 3)).containsExactly(1, 9, 3);
  }

  @Test
  void aParent_isNeitherRenamedNorDeletedNorExtended() throws IOException {
    try (VirtualDisk base = VirtualDisk.createBase(store, "base.vmdk", 1 << 20, DiskStore.Allocation.THIN)) {
      VirtualDisk.createDelta(base, "child.vmdk", VirtualDisk.DeltaFormat.SE_SPARSE).close();
    }
    assertThat(DiskOperations.children(store, "base.vmdk")).containsExactly("child.vmdk");
    assertThatThrownBy(() -> DiskOperations.rename(store, "base.vmdk", "b.vmdk")).isInstanceOf(FileSystemException.class)
        .hasMessageContaining("has a snapshot (delta) on top: child.vmdk");
    assertThatThrownBy(() -> DiskOperations.delete(store, "base.vmdk")).isInstanceOf(FileSystemException.class);
    assertThatThrownBy(() -> DiskOperations.extend(store, "base.vmdk", 2 << 20)).isInstanceOf(FileSystemException.class);
    assertThatThrownBy(() -> DiskOperations.extend(store, "child.vmdk", 2 << 20)).hasMessageContaining("is a delta");
    DiskOperations.delete(store, "child.vmdk");
    assertThat(Files.exists(fs.getPath("/store/child-sesparse.vmdk"))).isFalse();
    DiskOperations.extend(store, "base.vmdk", 2 << 20);
    try (VirtualDisk grown = VirtualDisk.open(store, "base.vmdk", false)) {
      assertThat(grown.capacity()).isEqualTo(2 << 20);
    }
    assertThatThrownBy(() -> DiskOperations.extend(store, "base.vmdk", 1 << 20)).hasMessageContaining("is not larger");
  }
}
