package org.vmfskit.fs.vmdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Chain behaviour on jimfs: CIDs, hints, info, allocation and the host store's path rules. */
class VirtualDiskTest {

  private FileSystem fs;
  private Path root;
  private HostDiskStore store;

  @BeforeEach
  void setUp() throws IOException {
    fs = Jimfs.newFileSystem(Configuration.unix());
    root = fs.getPath("/ds");
    Files.createDirectories(root.resolve("vm"));
    store = HostDiskStore.of(root);
  }

  @AfterEach
  void tearDown() throws IOException {
    fs.close();
  }

  @Test
  void createBase_thin_writesVmfsDescriptorWithThinFlag() throws IOException {
    try (VirtualDisk disk = VirtualDisk.createBase(store, "vm/a.vmdk", 1 << 20, DiskStore.Allocation.THIN)) {
      assertThat(disk.descriptor().createType()).isEqualTo("vmfs");
      assertThat(disk.descriptor().ddbValue("ddb.thinProvisioned")).contains("1");
    }
    String text = Files.readString(root.resolve("vm/a.vmdk"));
    assertThat(text).contains("RW 2048 VMFS \"a-flat.vmdk\"\n").contains("parentCID=ffffffff\n");
    assertThat(Files.size(root.resolve("vm/a-flat.vmdk"))).isEqualTo(1 << 20);
  }

  @Test
  void createBase_eagerZeroedThick_hasNoThinFlag() throws IOException {
    try (VirtualDisk disk =
        VirtualDisk.createBase(store, "vm/e.vmdk", 1 << 20, DiskStore.Allocation.EAGER_ZEROED_THICK)) {
      assertThat(disk.descriptor().ddbValue("ddb.thinProvisioned")).isEmpty();
      assertThat(disk.info().chain().getFirst().allocatedBytes()).isEqualTo(1 << 20);
    }
  }

  @Test
  void createDelta_linksParentCidAndNewCidOnFirstWrite() throws IOException {
    VirtualDisk base = VirtualDisk.createBase(store, "vm/a.vmdk", 4 << 20, DiskStore.Allocation.THIN);
    long baseCid = base.descriptor().cid();
    VirtualDisk child = VirtualDisk.createDelta(base, "vm/a-000001.vmdk", VirtualDisk.DeltaFormat.VMFS_SPARSE);
    assertThatThrownBy(() -> base.write(0, ByteBuffer.wrap(new byte[1]))).isInstanceOf(IllegalStateException.class);
    base.close();
    long childCid = child.descriptor().cid();
    assertThat(child.descriptor().parentCid()).isEqualTo(baseCid);
    assertThat(child.descriptor().parentFileNameHint()).contains("a.vmdk");
    child.write(12345, ByteBuffer.wrap(new byte[] {1, 2, 3}));
    long afterWrite = child.descriptor().cid();
    child.write(99999, ByteBuffer.wrap(new byte[] {4}));
    assertThat(afterWrite).isNotEqualTo(childCid).isEqualTo(child.descriptor().cid());
    VirtualDisk.Info info = child.info();
    child.close();
    assertThat(info.capacityBytes()).isEqualTo(4 << 20);
    assertThat(info.chain()).extracting(VirtualDisk.LayerInfo::createType).containsExactly("vmfsSparse", "vmfs");
    assertThat(info.chain().getFirst().allocatedBytes()).isEqualTo(1024);
    try (VirtualDisk reopened = VirtualDisk.open(store, "vm/a-000001.vmdk", false)) {
      assertThat(reopened.descriptor().cid()).isEqualTo(afterWrite);
      ByteBuffer three = ByteBuffer.allocate(3);
      reopened.read(12345, three);
      assertThat(three.array()).containsExactly(1, 2, 3);
    }
  }

  @Test
  void open_absoluteVmfsVolumesHint_resolvesInStore() throws IOException {
    VirtualDisk base = VirtualDisk.createBase(store, "vm/a.vmdk", 1 << 20, DiskStore.Allocation.THIN);
    base.write(0, ByteBuffer.wrap("base".getBytes(StandardCharsets.US_ASCII)));
    VirtualDisk child = VirtualDisk.createDelta(base, "vm/a-000001.vmdk", VirtualDisk.DeltaFormat.SE_SPARSE);
    base.close();
    child.close();
    Path descriptor = root.resolve("vm/a-000001.vmdk");
    Files.writeString(descriptor, Files.readString(descriptor)
        .replace("parentFileNameHint=\"a.vmdk\"", "parentFileNameHint=\"/vmfs/volumes/datastore1/vm/a.vmdk\""));
    try (VirtualDisk reopened = VirtualDisk.open(store, "vm/a-000001.vmdk", false)) {
      ByteBuffer four = ByteBuffer.allocate(4);
      reopened.read(0, four);
      assertThat(new String(four.array(), StandardCharsets.US_ASCII)).isEqualTo("base");
      assertThat(reopened.depth()).isEqualTo(2);
    }
  }

  @Test
  void hostStore_resolve_handlesRelativeParentAndVolumePaths() {
    assertThat(store.resolve("vm/a-000001.vmdk", "a.vmdk")).isEqualTo("vm/a.vmdk");
    assertThat(store.resolve("vm/a-000001.vmdk", "../other/b.vmdk")).isEqualTo("other/b.vmdk");
    assertThat(store.resolve("vm/x.vmdk", "/vmfs/volumes/5e1f-uuid/vm2/b.vmdk")).isEqualTo("vm2/b.vmdk");
    assertThat(store.hostPath("/vmfs/volumes/ds1/vm/a.vmdk")).isEqualTo(root.resolve("vm/a.vmdk"));
    assertThat(DiskCreation.relativize("vm/child.vmdk", "other/base.vmdk")).isEqualTo("../other/base.vmdk");
    assertThat(DiskCreation.relativize("vm/child.vmdk", "vm/base.vmdk")).isEqualTo("base.vmdk");
  }

  @Test
  void deepChain_readsFromTheOwningLayer() throws IOException {
    VirtualDisk disk = VirtualDisk.createBase(store, "vm/d.vmdk", 2 << 20, DiskStore.Allocation.THIN);
    for (int d = 1; d <= 40; d++) {
      VirtualDisk child = VirtualDisk.createDelta(disk, "vm/d-%06d.vmdk".formatted(d),
          d % 2 == 0 ? VirtualDisk.DeltaFormat.SE_SPARSE : VirtualDisk.DeltaFormat.VMFS_SPARSE);
      disk.close();
      disk = child;
      disk.write(d * 4096L, ByteBuffer.wrap(new byte[] {(byte) d}));
    }
    try (VirtualDisk top = disk) {
      assertThat(top.depth()).isEqualTo(41);
      for (int d = 1; d <= 40; d++) {
        ByteBuffer one = ByteBuffer.allocate(1);
        top.read(d * 4096L, one);
        assertThat(one.get(0)).isEqualTo((byte) d);
      }
    }
  }

  @Test
  void openChain_deeperThanLimit_throwsResourceLimit() throws IOException {
    VirtualDisk disk = VirtualDisk.createBase(store, "vm/l.vmdk", 1 << 20, DiskStore.Allocation.THIN);
    for (int d = 1; d <= 3; d++) {
      VirtualDisk child = VirtualDisk.createDelta(disk, "vm/l-%06d.vmdk".formatted(d), VirtualDisk.DeltaFormat.VMFS_SPARSE);
      disk.close();
      disk = child;
    }
    disk.close();
    assertThatThrownBy(() -> Layer.openChain(store, "vm/l-000003.vmdk", false, 3))
        .isInstanceOf(org.vmfskit.fs.format.ResourceLimitException.class)
        .hasMessageContaining("chain depth");
    assertThat(Layer.openChain(store, "vm/l-000003.vmdk", false, 4)).hasSize(4).allSatisfy(layer -> layer.close());
  }

  @Test
  void hostStore_fileOperations_andReadOnlyStore() throws IOException {
    try (DiskFile file = store.create("vm/x.bin", 8192, DiskStore.Allocation.EAGER_ZEROED_THICK)) {
      assertThat(file.size()).isEqualTo(8192);
      file.write(100, ByteBuffer.wrap(new byte[] {7}));
      file.allocate(16384);
      assertThat(file.size()).isEqualTo(16384);
    }
    store.rename("vm/x.bin", "vm/y.bin");
    assertThat(store.list("vm")).containsExactly("y.bin");
    assertThat(store.exists("/vmfs/volumes/ds/vm/y.bin")).isTrue();
    assertThat(store.hostPath("../../etc/passwd")).isEqualTo(root.resolve("etc/passwd"));
    HostDiskStore readOnly = HostDiskStore.readOnly(root);
    assertThatThrownBy(() -> readOnly.create("vm/z.bin")).isInstanceOf(java.nio.file.ReadOnlyFileSystemException.class);
    try (DiskFile file = readOnly.open("vm/y.bin", false)) {
      ByteBuffer one = ByteBuffer.allocate(1);
      file.readFully(100, one);
      assertThat(one.get(0)).isEqualTo((byte) 7);
      assertThatThrownBy(() -> file.write(0, ByteBuffer.allocate(1))).isInstanceOf(IOException.class);
      assertThatThrownBy(() -> file.readFully(16380, ByteBuffer.allocate(8))).isInstanceOf(java.io.EOFException.class);
    }
    store.delete("vm/y.bin");
    assertThat(store.list("vm")).isEmpty();
  }

  @Test
  void manyGrainTables_moreThanTheCacheHolds_readBackAfterEviction(@org.junit.jupiter.api.io.TempDir Path host)
      throws IOException {
    HostDiskStore sparse = HostDiskStore.of(host);
    long capacity = 2L << 30;
    java.util.SplittableRandom random = new java.util.SplittableRandom(99);
    java.util.Map<Long, Byte> written = new java.util.HashMap<>();
    VirtualDisk base = VirtualDisk.createBase(sparse, "big.vmdk", capacity, DiskStore.Allocation.THIN);
    for (VirtualDisk.DeltaFormat format : VirtualDisk.DeltaFormat.values()) {
      VirtualDisk child = VirtualDisk.createDelta(base, "big-" + format + ".vmdk", format);
      base.close();
      base = child;
      // One write in each of 1000 spans: more grain tables than either extent caches.
      for (long span = 0; span < 1000; span++) {
        long offset = span * (2L << 20) + random.nextInt(1 << 20);
        byte value = (byte) random.nextInt(1, 256);
        base.write(offset, ByteBuffer.wrap(new byte[] {value}));
        written.put(offset, value);
      }
    }
    base.close();
    try (VirtualDisk disk = VirtualDisk.open(sparse, "big-SE_SPARSE.vmdk", false)) {
      for (java.util.Map.Entry<Long, Byte> e : written.entrySet()) {
        ByteBuffer one = ByteBuffer.allocate(1);
        disk.read(e.getKey(), one);
        assertThat(one.get(0)).as("byte at %s", e.getKey()).isEqualTo(e.getValue());
      }
    }
  }
}
