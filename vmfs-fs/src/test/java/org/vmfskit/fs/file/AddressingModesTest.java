package org.vmfskit.fs.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmfskit.fs.testing.Images.GIB;
import static org.vmfskit.fs.testing.Images.MIB;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vmfskit.fs.format.AddressingMode;
import org.vmfskit.fs.testing.Images;
import org.vmfskit.fs.testing.Patterns;
import org.vmfskit.fs.testing.SparseModel;

/** Every addressing mode written, read back byte for byte, and read again after a reopen. */
class AddressingModesTest {

  private static Vmfs reopen(Vmfs vmfs) throws IOException {
    return Vmfs.open(vmfs.volume().device());
  }

  private static void assertMatches(VmfsFile file, SparseModel model) throws IOException {
    assertThat(file.size()).isEqualTo(model.size());
    for (long page : model.writtenPageOffsets()) {
      long pos = page * SparseModel.pageSize();
      int length = (int) Math.min(SparseModel.pageSize(), model.size() - pos);
      assertThat(Images.read(file, pos, length)).as("page at %d of %s", pos, file.path()).isEqualTo(model.read(pos, length));
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 8, 1024})
  void resident_upTo1KiB_roundTrips(int length) throws Exception {
    Vmfs vmfs = Images.format(GIB);
    byte[] data = Images.content(length, length);
    Images.createWith(vmfs, "/r", data);
    for (Vmfs v : List.of(vmfs, reopen(vmfs))) {
      VmfsFile file = v.openFile("/r");
      assertThat(file.descriptor().zla()).isEqualTo(AddressingMode.RESIDENT);
      assertThat(Images.readAll(file)).isEqualTo(data);
      assertThat(file.extents(0, length)).isEmpty();
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1025, 5000, 8191, 8192})
  void subBlock_from1025To8KiB_roundTrips(int length) throws Exception {
    Vmfs vmfs = Images.format(GIB);
    byte[] data = Images.content(length, length);
    Images.createWith(vmfs, "/s", data);
    for (Vmfs v : List.of(vmfs, reopen(vmfs))) {
      VmfsFile file = v.openFile("/s");
      assertThat(file.descriptor().zla()).isEqualTo(AddressingMode.SUB_BLOCKS);
      assertThat(file.descriptor().blockSize()).isEqualTo(8192);
      assertThat(file.descriptor().numBlocks()).isEqualTo(1);
      assertThat(Images.readAll(file)).isEqualTo(data);
    }
  }

  @Test
  void append_promotesResidentToSubBlockToFileBlocksToPointerBlocksToDoubleIndirect() throws Exception {
    Vmfs vmfs = Images.format(GIB);
    VmfsFile file = vmfs.createFile("/grow");
    SparseModel model = new SparseModel();
    Object[][] steps = {
      {500L, AddressingMode.RESIDENT},
      {1024L, AddressingMode.RESIDENT},
      {1025L, AddressingMode.SUB_BLOCKS},
      {8192L, AddressingMode.SUB_BLOCKS},
      {8193L, AddressingMode.FILE_BLOCKS},
      {3 * MIB + 77, AddressingMode.FILE_BLOCKS},
      {256 * MIB, AddressingMode.FILE_BLOCKS},
      {256 * MIB + 1, AddressingMode.POINTER_BLOCKS},
      {256 * GIB, AddressingMode.POINTER_BLOCKS},
      {256 * GIB + 4097, AddressingMode.DOUBLE_INDIRECT},
    };
    for (Object[] step : steps) {
      long end = (Long) step[0];
      // Append at most 2 MiB of real bytes; anything before that stays a hole.
      long from = Math.max(model.size(), end - 2 * MIB);
      byte[] data = Patterns.of(end, from, (int) (end - from));
      file.write(from, ByteBuffer.wrap(data));
      model.write(from, data);
      assertThat(file.descriptor().zla()).as("mode at size %d", end).isEqualTo(step[1]);
      assertMatches(file, model);
    }
    assertMatches(reopen(vmfs).openFile("/grow"), model);
    assertThat(Images.read(file, 100 * GIB, 4096)).isEqualTo(new byte[4096]);
  }

  @Test
  void directFileBlocks_256MiB_roundTripsAndIsOneContiguousExtent() throws Exception {
    Vmfs vmfs = Images.format(GIB);
    VmfsFile file = vmfs.createFile("/flat");
    int chunk = 16 << 20;
    for (long pos = 0; pos < 256 * MIB; pos += chunk) {
      file.write(pos, ByteBuffer.wrap(Patterns.of(42, pos, chunk)));
    }
    assertThat(file.descriptor().zla()).isEqualTo(AddressingMode.FILE_BLOCKS);
    assertThat(file.descriptor().numBlocks()).isEqualTo(256);
    for (VmfsFile f : List.of(file, reopen(vmfs).openFile("/flat"))) {
      for (long pos = 0; pos < 256 * MIB; pos += chunk) {
        assertThat(Images.read(f, pos, chunk)).as("chunk at %d", pos).isEqualTo(Patterns.of(42, pos, chunk));
      }
    }
    List<Extent> extents = file.extents(0, 256 * MIB);
    assertThat(extents).hasSize(1);
    assertThat(extents.getFirst().length()).isEqualTo(256 * MIB);
  }

  @Test
  void pointerBlocks_sparse1point5GiB_withScatteredData_roundTrips() throws Exception {
    Vmfs vmfs = Images.format(2 * GIB);
    VmfsFile file = vmfs.createFile("/thin.vmdk");
    SparseModel model = new SparseModel();
    long[] offsets = {0, MIB - 3, 300 * MIB + 12345, GIB - 5, GIB + 512, 1536 * MIB - 100};
    for (long offset : offsets) {
      byte[] data = Patterns.of(offset, offset, 100);
      file.write(offset, ByteBuffer.wrap(data));
      model.write(offset, data);
    }
    assertThat(file.size()).isEqualTo(1536 * MIB);
    assertThat(file.descriptor().zla()).isEqualTo(AddressingMode.POINTER_BLOCKS);
    // Blocks 0, 1, 300, 1023, 1024, 1535: six data blocks in two MAPs.
    assertThat(file.descriptor().numBlocks()).isEqualTo(6);
    assertThat(file.descriptor().address(0) & 7).isEqualTo(3);
    assertThat(file.descriptor().address(1) & 7).isEqualTo(3);
    assertThat(file.descriptor().address(2)).isZero();
    assertMatches(file, model);
    assertMatches(reopen(vmfs).openFile("/thin.vmdk"), model);
    assertThat(Images.read(file, 700 * MIB, 1 << 20)).isEqualTo(new byte[1 << 20]);
    long holes = file.extents(0, file.size()).stream().filter(Extent::isHole).mapToLong(Extent::length).sum();
    assertThat(holes).isEqualTo(1536 * MIB - 6 * MIB);
  }

  @Test
  void doubleIndirect_fileAbove256GiB_onSparse8GiBVolume_roundTrips() throws Exception {
    Vmfs vmfs = Images.format(8 * GIB);
    VmfsFile file = vmfs.createFile("/huge-flat.vmdk");
    SparseModel model = new SparseModel();
    long[] offsets = {0, GIB - 7, 256 * GIB - 3, 256 * GIB + GIB, 300 * GIB + 123, 511 * GIB};
    for (long offset : offsets) {
      byte[] data = Patterns.of(offset, offset, 10000);
      file.write(offset, ByteBuffer.wrap(data));
      model.write(offset, data);
    }
    assertThat(file.descriptor().zla()).isEqualTo(AddressingMode.DOUBLE_INDIRECT);
    assertThat(file.size()).isEqualTo(511 * GIB + 10000);
    assertMatches(file, model);
    VmfsFile again = reopen(vmfs).openFile("/huge-flat.vmdk");
    assertMatches(again, model);
    assertThat(Images.read(again, 400 * GIB, 8192)).isEqualTo(new byte[8192]);
  }

  @Test
  void thinHole_beforeFirstWrite_readsZerosAndIsAHoleExtent() throws Exception {
    Vmfs vmfs = Images.format(GIB);
    VmfsFile file = vmfs.createFile("/hole");
    file.write(10 * MIB + 5, ByteBuffer.wrap(new byte[] {1, 2, 3}));
    assertThat(Images.read(file, 0, (int) (10 * MIB + 5))).isEqualTo(new byte[(int) (10 * MIB + 5)]);
    assertThat(Images.read(file, 10 * MIB + 5, 3)).containsExactly(1, 2, 3);
    List<Extent> extents = file.extents(0, file.size());
    assertThat(extents.getFirst().isHole()).isTrue();
    assertThat(extents.getFirst().length()).isEqualTo(10 * MIB);
    assertThat(file.descriptor().numBlocks()).isEqualTo(1);
  }

  /** Leaves {@code megabytes} of non-zero garbage in freed blocks, so reuse would show it. */
  private static void dirtyFreeSpace(Vmfs vmfs, int megabytes) throws IOException {
    VmfsFile junk = vmfs.createFile("/junk");
    byte[] ones = new byte[1 << 20];
    java.util.Arrays.fill(ones, (byte) 0x5A);
    for (int i = 0; i < megabytes; i++) {
      junk.write((long) i << 20, ByteBuffer.wrap(ones));
    }
    vmfs.delete("/junk");
  }

  @Test
  void preallocateToBeZeroed_readsZerosOverStaleBlocks_thenPartialWritesKeepTheRestZero() throws Exception {
    Vmfs vmfs = Images.format(GIB);
    dirtyFreeSpace(vmfs, 64);
    VmfsFile file = vmfs.createFile("/zeroedthick");
    file.preallocate(5 * MIB, VmfsFile.Preallocation.TO_BE_ZEROED);
    assertThat(file.size()).isEqualTo(5 * MIB);
    assertThat(file.descriptor().numBlocks()).isEqualTo(5);
    assertThat(file.descriptor().numTbzBlocks()).isEqualTo(5);
    assertThat(file.descriptor().address(0) & 0x20).as("TBZ flag").isEqualTo(0x20);
    assertThat(Images.readAll(file)).isEqualTo(new byte[(int) (5 * MIB)]);

    file.write(MIB + 100, ByteBuffer.wrap(new byte[] {9, 9, 9}));
    file.write(3 * MIB - 2, ByteBuffer.wrap(new byte[] {7, 7, 7, 7}));
    byte[] expected = new byte[(int) (5 * MIB)];
    expected[(int) MIB + 100] = expected[(int) MIB + 101] = expected[(int) MIB + 102] = 9;
    for (int i = 0; i < 4; i++) {
      expected[(int) (3 * MIB) - 2 + i] = 7;
    }
    assertThat(file.descriptor().numTbzBlocks()).isEqualTo(2);
    for (Vmfs v : List.of(vmfs, reopen(vmfs))) {
      VmfsFile f = v.openFile("/zeroedthick");
      assertThat(Images.readAll(f)).isEqualTo(expected);
      // The written blocks lost their flag and hold zeros on disk, not the stale 0x5A bytes.
      Extent written = f.extents(MIB, MIB).getFirst();
      assertThat(written.isHole()).isFalse();
      assertThat(Images.raw(v.volume().device(), written.deviceOffset(), (int) MIB)).isEqualTo(java.util.Arrays.copyOfRange(expected, (int) MIB, (int) (2 * MIB)));
    }
  }

  @Test
  void preallocateZeroed_writesZerosOverStaleBlocks() throws Exception {
    Vmfs vmfs = Images.format(GIB);
    dirtyFreeSpace(vmfs, 64);
    VmfsFile file = vmfs.createFile("/eager");
    file.preallocate(3 * MIB + 10, VmfsFile.Preallocation.ZEROED);
    assertThat(file.descriptor().numTbzBlocks()).isZero();
    assertThat(file.descriptor().numBlocks()).isEqualTo(4);
    for (Extent extent : file.extents(0, file.size())) {
      assertThat(extent.isHole()).isFalse();
      assertThat(Images.raw(vmfs.volume().device(), extent.deviceOffset(), (int) extent.length())).isEqualTo(new byte[(int) extent.length()]);
    }
    assertThat(Images.readAll(reopen(vmfs).openFile("/eager"))).isEqualTo(new byte[(int) (3 * MIB + 10)]);
  }

  @ParameterizedTest
  @ValueSource(longs = {1000, 6000, 3 * (1 << 20) + 5, 300L << 20})
  void truncateShrinkThenGrow_readsZerosNeverStaleBytes(long length) throws Exception {
    Vmfs vmfs = Images.format(GIB);
    VmfsFile file = vmfs.createFile("/t");
    byte[] data = Patterns.of(length, 0, (int) Math.min(length, 4 << 20));
    file.write(length - data.length, ByteBuffer.wrap(data));
    SparseModel model = new SparseModel();
    model.write(length - data.length, data);
    long cut = length - data.length + data.length / 3 + 1;
    file.truncate(cut);
    model.truncate(cut);
    assertMatches(file, model);
    file.truncate(length);
    model.truncate(length);
    assertMatches(file, model);
    assertThat(Images.read(file, cut, (int) (length - cut))).isEqualTo(new byte[(int) (length - cut)]);
    assertMatches(reopen(vmfs).openFile("/t"), model);
  }

  @Test
  void truncateShrink_freesBlocksPastTheEnd() throws Exception {
    Vmfs vmfs = Images.format(GIB);
    long before = vmfs.volume().freeCount(org.vmfskit.fs.volume.ResourceKind.FILE_BLOCK);
    VmfsFile file = Images.createWith(vmfs, "/t", Patterns.of(1, 0, 5 << 20));
    assertThat(vmfs.volume().freeCount(org.vmfskit.fs.volume.ResourceKind.FILE_BLOCK)).isEqualTo(before - 5);
    file.truncate(MIB + 1);
    assertThat(vmfs.volume().freeCount(org.vmfskit.fs.volume.ResourceKind.FILE_BLOCK)).isEqualTo(before - 2);
    assertThat(file.descriptor().numBlocks()).isEqualTo(2);
    file.truncate(0);
    assertThat(vmfs.volume().freeCount(org.vmfskit.fs.volume.ResourceKind.FILE_BLOCK)).isEqualTo(before);
    assertThat(file.descriptor().numBlocks()).isZero();
  }

  @Test
  void writeAfterShrink_beyondTheEnd_leavesZerosInTheGap() throws Exception {
    Vmfs vmfs = Images.format(GIB);
    VmfsFile file = Images.createWith(vmfs, "/t", Patterns.of(3, 0, 3 << 20));
    file.truncate(1000);
    file.write(2 * MIB, ByteBuffer.wrap(new byte[] {1}));
    byte[] all = Images.readAll(file);
    assertThat(java.util.Arrays.copyOf(all, 1000)).isEqualTo(Patterns.of(3, 0, 1000));
    assertThat(java.util.Arrays.copyOfRange(all, 1000, (int) (2 * MIB))).isEqualTo(new byte[(int) (2 * MIB) - 1000]);
    assertThat(all[(int) (2 * MIB)]).isEqualTo((byte) 1);
  }

  @Test
  void unalignedWrites_crossingBlockBoundaries_overwriteExactlyTheirBytes() throws Exception {
    Vmfs vmfs = Images.format(GIB);
    VmfsFile file = vmfs.createFile("/u");
    SparseModel model = new SparseModel();
    long[][] writes = {{0, 4 * MIB + 3}, {MIB - 5, 3 * MIB + 17}, {2 * MIB - 1, 2}, {4 * MIB + 1, MIB}, {8191, 8194}};
    for (long[] w : writes) {
      byte[] data = Patterns.of(w[0] ^ w[1], w[0], (int) w[1]);
      file.write(w[0], ByteBuffer.wrap(data));
      model.write(w[0], data);
      assertMatches(file, model);
    }
    assertMatches(reopen(vmfs).openFile("/u"), model);
  }

  @Test
  void subBlockReuse_afterDelete_neverShowsStaleBytes() throws Exception {
    Vmfs vmfs = Images.format(GIB);
    byte[] junk = new byte[8000];
    java.util.Arrays.fill(junk, (byte) 0x77);
    Images.createWith(vmfs, "/junk", junk);
    vmfs.delete("/junk");
    VmfsFile file = vmfs.createFile("/small");
    file.write(5000, ByteBuffer.wrap(new byte[] {1}));
    byte[] expected = new byte[5001];
    expected[5000] = 1;
    assertThat(Images.readAll(file)).isEqualTo(expected);
    file.truncate(8000);
    assertThat(Images.readAll(file)).isEqualTo(java.util.Arrays.copyOf(expected, 8000));
  }

  @Test
  void writePastTheLargestFile_throwsFileTooLarge_andChangesNothing() throws Exception {
    Vmfs vmfs = Images.format(GIB);
    VmfsFile file = Images.createWith(vmfs, "/f", new byte[] {1, 2});
    long limit = vmfs.volume().geometry().maxBytes(AddressingMode.DOUBLE_INDIRECT);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> file.write(limit, ByteBuffer.wrap(new byte[1])))
        .isInstanceOf(FileTooLargeException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> file.truncate(limit + 1)).isInstanceOf(FileTooLargeException.class);
    assertThat(file.size()).isEqualTo(2);
    assertThat(file.descriptor().zla()).isEqualTo(AddressingMode.RESIDENT);
    file.write(limit - 1, ByteBuffer.wrap(new byte[] {7}));
    assertThat(file.size()).isEqualTo(limit);
    assertThat(Images.read(file, limit - 1, 1)).containsExactly(7);
    assertThat(Images.read(file, 0, 2)).containsExactly(1, 2);
  }

  @Test
  void truncateOfAToBeZeroedFile_keepsBlockAndTbzCountersRight() throws Exception {
    Vmfs vmfs = Images.format(GIB);
    VmfsFile file = vmfs.createFile("/z");
    file.preallocate(5 * MIB, VmfsFile.Preallocation.TO_BE_ZEROED);
    file.write(0, ByteBuffer.wrap(new byte[(int) MIB]));
    assertThat(file.descriptor().numTbzBlocks()).isEqualTo(4);
    file.truncate(2 * MIB + 1);
    assertThat(file.descriptor().numBlocks()).isEqualTo(3);
    assertThat(file.descriptor().numTbzBlocks()).isEqualTo(2);
    file.truncate(0);
    assertThat(file.descriptor().numBlocks()).isZero();
    assertThat(file.descriptor().numTbzBlocks()).isZero();
  }

  @ParameterizedTest
  @ValueSource(ints = {100, 5000, 3 << 20})
  void buffersWithOffsetsAndReadOnlyOrDirectBuffers_areHonoured(int length) throws Exception {
    Vmfs vmfs = Images.format(GIB);
    byte[] data = Patterns.of(length, 0, length);
    ByteBuffer framed = ByteBuffer.allocate(length + 20);
    framed.position(7).put(data).position(7).limit(7 + length);
    VmfsFile a = vmfs.createFile("/a");
    a.write(3, framed.asReadOnlyBuffer());
    ByteBuffer direct = ByteBuffer.allocateDirect(length);
    direct.put(data).flip();
    VmfsFile b = vmfs.createFile("/b");
    b.write(0, direct);
    assertThat(direct.hasRemaining()).isFalse();
    ByteBuffer into = ByteBuffer.allocate(length + 30);
    into.position(11).limit(11 + length);
    a.readFully(3, into);
    assertThat(into.position()).isEqualTo(11 + length);
    assertThat(java.util.Arrays.copyOfRange(into.array(), 11, 11 + length)).isEqualTo(data);
    assertThat(java.util.Arrays.copyOf(into.array(), 11)).containsOnly(0);
    assertThat(Images.read(a, 0, 3)).containsExactly(0, 0, 0);
    ByteBuffer directInto = ByteBuffer.allocateDirect(length);
    b.readFully(0, directInto);
    byte[] back = new byte[length];
    directInto.flip().get(back);
    assertThat(back).isEqualTo(data);
  }
}
