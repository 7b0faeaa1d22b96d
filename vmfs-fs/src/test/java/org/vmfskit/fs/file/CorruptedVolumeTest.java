package org.vmfskit.fs.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.device.SparseMemoryBlockDevice;
import org.vmfskit.fs.format.AddressingMode;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.FileDescriptorAddr;
import org.vmfskit.fs.format.FileType;
import org.vmfskit.fs.format.ResourceLimitException;
import org.vmfskit.fs.format.TruncatedImageException;
import org.vmfskit.fs.format.UnsupportedFormatException;
import org.vmfskit.fs.testing.Images;
import org.vmfskit.fs.device.CopyOnWriteBlockDevice;
import org.vmfskit.fs.volume.ResourceKind;
import org.vmfskit.fs.volume.Volume;

/**
 * Damages one critical field of a valid volume per case and checks the exact exception and
 * message, after zipfs's CorruptedZipFilesTest.
 *
 * <p>The template is a 1 GiB volume (1 MiB blocks) made with seed 1 at time 1700000000. Image
 * offsets (logical address L sits at 0x1100000 + L):
 * <pre>
 * 0x0100000  LVM header: magic +0x0, major +0x4; volume descriptor numPEs 0x100274,
 *            lastPE 0x100280, numDevs 0x100290
 * 0x1300000  FS descriptor (L 0x200000): magic +0x0, major +0x4, block size 0x13000A1,
 *            LVM UUID 0x13000B1
 * 0x1500000  .fdc.sf (FB 4-6): resource header ipe +0x0, epa +0x4, groupSize +0x10,
 *            numResources +0x14; cluster 0 header 0x1510000 (id at 0x1510200)
 * 0x1518000  FD slots, 0x800 each: root c0r0 0x1518000, .fbb.sf 0x1518800, .fdc.sf 0x1519000,
 *            .pbc.sf 0x1519800, .sbc.sf 0x151A000, ... /res c0r8 0x151C000 (resident, 3 B),
 *            /sb c0r9 0x151C800 (ZLA 2, 5000 B), /fb c0r10 0x151D000 (ZLA 1, 3 MiB),
 *            /pb c0r11 0x151D800 (ZLA 3, 300 MiB + 10, one MAP), /dir c0r12 0x151E000 (ZLA 2),
 *            /dir/inner c0r13 0x151E800 (resident), /link c0r14 0x151F000 (symlink to /res),
 *            /gone c0r15 0x151F800 (deleted: magic kept, nlink 0 at 0x151FA08),
 *            /di c0r16 0x1520000 (ZLA 4304, 300 GiB + 10, slot 0 = first-level MAP c0r1)
 *            within a slot: descAddr +0x200, nlink +0x208, type +0x20C, size +0x214,
 *            blockSize +0x21C, ZLA +0x244, address slot 0 +0x400
 * 0x1800000  .fbb.sf (FB 7): header; cluster 0 header 0x1810000, cluster 1 0x1810400
 * 0x1900000  .pbc.sf (FB 8-10): header; cluster headers 0x1910000; MAP c0r0 (of /pb) 0x1918000,
 *            its entry 300 at 0x19184B0; /di's first-level MAP c0r1 0x1919000 (entry 300 at
 *            0x19194B0 names MAP c0r2) and second-level MAP c0r2 0x191A000 (entry 0 = the data FB)
 * 0x1C00000  .sbc.sf (FB 11-15): header; cluster headers 0x1C10000; SB c0r0 (/sb) 0x1C18000,
 *            SB c0r1 (/dir content) 0x1C1A000
 * 0x2200000  root directory content (FB 17), 15 entries of 140 B: ". .. .fbb.sf .fdc.sf .pbc.sf
 *            .sbc.sf .vh.sf .pb2.sf .sdd.sf res sb fb pb dir link"; entry 9 (res) at 0x22004EC
 *            (type +0x0, address +0x4, name +0xC = 0x22004F8)
 * 0x2300000  .sdd.sf content (FB 18): "." and ".."
 * 0x2400000  /fb data (FB 19-21); /pb's only data block at 0x2700000
 * 0x41100000 end of image (1 GiB + 0x1100000)
 * </pre>
 */
class CorruptedVolumeTest {

  private static SparseMemoryBlockDevice template;

  @BeforeAll
  static void buildTemplate() throws IOException {
    template = new SparseMemoryBlockDevice(0);
    Vmfs vmfs = Vmfs.format(template, Images.options(Images.GIB));
    Images.createWith(vmfs, "/res", new byte[] {1, 2, 3});
    Images.createWith(vmfs, "/sb", Images.content(2, 5000));
    Images.createWith(vmfs, "/fb", Images.content(3, 3 << 20));
    vmfs.createFile("/pb").write(300L << 20, ByteBuffer.wrap(Images.content(4, 10)));
    vmfs.mkdir("/dir");
    Images.createWith(vmfs, "/dir/inner", new byte[] {5});
    vmfs.symlink("/res", "/link");
    Images.createWith(vmfs, "/gone", new byte[] {6});
    vmfs.delete("/gone");
    vmfs.createFile("/di").write(300L << 30, ByteBuffer.wrap(Images.content(7, 10)));
    // Mark the journal clean, as a close would: a pending record would be replayed over the damage.
    vmfs.volume().flush();
  }

  @Test
  void template_layoutMatchesTheDocumentedOffsets() throws IOException {
    Vmfs vmfs = Vmfs.open(new CopyOnWriteBlockDevice(template));
    Volume volume = vmfs.volume();
    assertThat(volume.fdDeviceOffset(FileDescriptorAddr.ROOT)).isEqualTo(0x1518000);
    assertThat(volume.fdDeviceOffset(ResourceKind.SUB_BLOCK.fdAddress())).isEqualTo(0x151A000);
    Object[][] files = {
      {"/res", 0x151C000L, AddressingMode.RESIDENT}, {"/sb", 0x151C800L, AddressingMode.SUB_BLOCKS},
      {"/fb", 0x151D000L, AddressingMode.FILE_BLOCKS}, {"/pb", 0x151D800L, AddressingMode.POINTER_BLOCKS},
      {"/dir", 0x151E000L, AddressingMode.SUB_BLOCKS}, {"/dir/inner", 0x151E800L, AddressingMode.RESIDENT},
      {"/link", 0x151F000L, AddressingMode.RESIDENT}, {"/di", 0x1520000L, AddressingMode.DOUBLE_INDIRECT},
    };
    for (Object[] f : files) {
      FileStat stat = vmfs.stat((String) f[0], false);
      assertThat(volume.fdDeviceOffset(stat.address())).as((String) f[0]).isEqualTo(f[1]);
      assertThat(stat.addressing()).as((String) f[0]).isEqualTo(f[2]);
    }
    assertThat(volume.resourceFileBlocks(ResourceKind.FILE_DESCRIPTOR)).containsExactly(4, 5, 6);
    assertThat(volume.resourceFileBlocks(ResourceKind.FILE_BLOCK)).containsExactly(7);
    assertThat(volume.resourceFileBlocks(ResourceKind.POINTER_BLOCK)).containsExactly(8, 9, 10);
    assertThat(volume.resourceFileBlocks(ResourceKind.SUB_BLOCK)).containsExactly(11, 12, 13, 14, 15);
    assertThat(vmfs.openFile(FileDescriptorAddr.ROOT).extents(0, 2100)).containsExactly(new Extent(0, 2100, 0x2200000));
    assertThat(vmfs.openFile(new FileDescriptorAddr(0, 7)).extents(0, 280)).containsExactly(new Extent(0, 280, 0x2300000));
    assertThat(vmfs.openFile("/fb").extents(0, 3 << 20)).containsExactly(new Extent(0, 3 << 20, 0x2400000));
    assertThat(vmfs.openFile("/pb").extents(300L << 20, 10)).containsExactly(new Extent(300L << 20, 10, 0x2700000));
    assertThat(vmfs.openFile("/sb").extents(0, 5000)).containsExactly(new Extent(0, 5000, 0x1C18000));
    assertThat(vmfs.openFile(vmfs.stat("/dir").address()).extents(0, 420)).containsExactly(new Extent(0, 420, 0x1C1A000));
    assertThat(volume.pointerBlockDeviceOffset(volume.readFd(vmfs.stat("/pb").address()).address(0), "test", 0)).isEqualTo(0x1918000);
    assertThat(Images.raw(template, 0x22004F8, 4)).containsExactly('r', 'e', 's', 0);
    int diSlot0 = volume.readFd(vmfs.stat("/di").address()).address(0);
    assertThat(volume.pointerBlockDeviceOffset(diSlot0, "test", 0)).isEqualTo(0x1919000);
    int second = volume.readPointerBlock(diSlot0, "test", 0)[300];
    assertThat(volume.pointerBlockDeviceOffset(second, "test", 0)).isEqualTo(0x191A000);
    assertThat(volume.readPointerBlock(second, "test", 0)[0] & 7).isEqualTo(1);
    assertThat(template.size()).isEqualTo(0x41100000L);
  }

  @Test
  void template_walksCleanly() throws IOException {
    assertThatCode(() -> walk(Vmfs.open(new CopyOnWriteBlockDevice(template)))).doesNotThrowAnyException();
  }

  /** Opens, counts every bitmap, lists the whole tree, reads every link and every mapped block. */
  static void walk(Vmfs vmfs) throws IOException {
    for (ResourceKind kind : ResourceKind.values()) {
      vmfs.volume().freeCount(kind);
    }
    walkDirectory(vmfs, "/", 0);
  }

  private static void walkDirectory(Vmfs vmfs, String path, int depth) throws IOException {
    if (depth > 16) {
      return;
    }
    for (FileStat stat : vmfs.list(path)) {
      String child = Vmfs.join(path, stat.name());
      if (stat.type() == FileType.DIRECTORY) {
        walkDirectory(vmfs, child, depth + 1);
      } else if (stat.type() == FileType.SYMLINK) {
        vmfs.readLink(child);
      } else {
        VmfsFile file = vmfs.openFile(stat.address());
        if (stat.addressing() == AddressingMode.RESIDENT) {
          Images.readAll(file);
          continue;
        }
        for (Extent extent : file.extents(0, stat.size())) {
          Images.read(file, extent.fileOffset(), (int) Math.min(4096, extent.length()));
        }
      }
    }
  }

  enum Phase { OPEN, WALK }

  @FunctionalInterface
  interface Mutation {
    void apply(BlockDevice device) throws IOException;
  }

  record Case(String name, Mutation mutation, Phase phase, Class<? extends IOException> type, String regex) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Mutation u32(long offset, long value) {
    return device -> {
      ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) value).flip();
      device.write(offset, b);
    };
  }

  static Mutation u64(long offset, long value) {
    return device -> device.write(offset, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).flip());
  }

  static Mutation u8(long offset, int value) {
    return device -> device.write(offset, ByteBuffer.wrap(new byte[] {(byte) value}));
  }

  static Mutation both(Mutation a, Mutation b) {
    return device -> {
      a.apply(device);
      b.apply(device);
    };
  }

  static Mutation resize(long size) {
    return device -> device.resize(size);
  }

  static Case open(String name, Mutation m, Class<? extends IOException> type, String regex) {
    return new Case(name, m, Phase.OPEN, type, regex);
  }

  static Case walk(String name, Mutation m, Class<? extends IOException> type, String regex) {
    return new Case(name, m, Phase.WALK, type, regex);
  }

  static final Class<CorruptStructureException> CORRUPT = CorruptStructureException.class;
  static final Class<UnsupportedFormatException> UNSUPPORTED = UnsupportedFormatException.class;
  static final Class<TruncatedImageException> TRUNCATED = TruncatedImageException.class;
  static final Class<ResourceLimitException> LIMIT = ResourceLimitException.class;

  static Stream<Case> cases() {
    return Stream.of(
        // LVM header and volume descriptor
        open("LVM magic", u32(0x100000, 0), CORRUPT, "LvmHeader at 0x100000: bad magic .*"),
        open("LVM major 4", u32(0x100004, 4), CORRUPT, "LvmHeader at 0x100004: unknown LVM major version .*was 4\\)"),
        open("LVM major 6 (VMFS6)", u32(0x100004, 6), UNSUPPORTED, "LvmHeader at 0x100000: LVM major version 6 .*"),
        open("LVM numPEs 0", u32(0x100274, 0), CORRUPT, "LvmHeader at 0x100274: numPEs out of range .*"),
        open("LVM numPEs above lastPE", u32(0x100274, 8), CORRUPT, "LvmHeader at 0x100280: bad lastPE \\(expected 7, was 3\\)"),
        open("LVM numPEs past the image", both(u32(0x100274, 8), u64(0x100280, 7)), TRUNCATED, "LvmHeader at 0x100000: image ends before .*"),
        open("LVM numDevs 2", u32(0x100290, 2), UNSUPPORTED, "LvmHeader at 0x100290: volume spans 2 extents.*"),
        // FS descriptor
        open("FS magic", u32(0x1300000, 0x2FABF15D), CORRUPT, "FsDescriptor at 0x1300000: bad magic .*"),
        open("FS major 24 (VMFS6)", u32(0x1300004, 24), UNSUPPORTED, "FsDescriptor at 0x1300004: .*VMFS6.*"),
        open("FS block size not a power of two", u64(0x13000A1, 0x100001), CORRUPT, "FsDescriptor at 0x13000a1: bad file-block size .*"),
        open("FS block size 2 MiB", u64(0x13000A1, 2 << 20), CORRUPT, "FileDescriptor of \\.fdc\\.sf at 0x151921c: bad blockSize \\(expected 2097152, was 1048576\\)"),
        open("FS LVM UUID", u8(0x13000B1, 0x45), CORRUPT, "FsDescriptor at 0x13000b1: file system does not belong to this LVM volume .*"),
        // Resource headers
        open("FDC ipe 2048", u32(0x1500000, 2048), CORRUPT, "ResourceHeader of \\.fdc\\.sf at 0x1500000: resourcesPerCluster out of range .*"),
        open("FDC epa 0", u32(0x1500004, 0), CORRUPT, "ResourceHeader of \\.fdc\\.sf at 0x1500004: clustersPerGroup out of range .*"),
        open("FDC groupSize", u32(0x1500010, 0x208001), CORRUPT, "ResourceHeader of \\.fdc\\.sf at 0x1500010: cluster-group size disagrees .*"),
        open("FDC numResources", u32(0x1500014, 0x7FFFFFFF), CORRUPT, "ResourceHeader of \\.fdc\\.sf at 0x1500014: resource count does not fit .*"),
        open("FBB numResources above the volume", u32(0x1800014, 2000), CORRUPT, "ResourceHeader of \\.fbb\\.sf at 0x1800014: numResources out of range .*"),
        open("PBC resourceSize", u32(0x190000C, 4097), CORRUPT, "ResourceHeader of \\.pbc\\.sf at 0x1900010: cluster-group size disagrees .*"),
        open("SBC ipe 65", u32(0x1C00000, 65), CORRUPT, "ResourceHeader of \\.sbc\\.sf at 0x1c00000: resourcesPerCluster out of range .*"),
        open("FBB file FD ZLA 3", u32(0x1518800 + 0x244, 3), UNSUPPORTED, "FileDescriptor of \\.fbb\\.sf at 0x1518800: resource file uses addressing mode .*"),
        open("FBB file FD block outside the volume", u32(0x1518800 + 0x400, 5000 << 6 | 1), CORRUPT, "FileDescriptor of \\.fbb\\.sf at 0x1518c00: block out of range .*was 5000\\)"),
        open("FDC file FD magic", u32(0x1519000, 0), CORRUPT, "FileDescriptor at 0x1519000: bad magic .*"),
        // Cluster headers (read with the bitmaps)
        walk("FDC cluster magic", u32(0x1510000, 0x10C00002), CORRUPT, "ClusterHeader 0 of \\.fdc\\.sf at 0x1510000: bad magic \\(expected 0x10C00005, was 0x10C00002\\)"),
        walk("FBB cluster id", u32(0x1810600, 7), CORRUPT, "ClusterHeader 1 of \\.fbb\\.sf at 0x1810600: bad clusterId \\(expected 1, was 7\\)"),
        walk("FBB cluster total", u32(0x1810204, 201), CORRUPT, "ClusterHeader 0 of \\.fbb\\.sf at 0x1810204: total out of range .*"),
        walk("PBC file shorter than its clusters", u64(0x1519800 + 0x214, 0x10000), CORRUPT, "\\.pbc\\.sf cluster 0 at 0x1900000: structure lies outside \\.pbc\\.sf .*"),
        // File descriptors
        walk("root FD magic", u32(0x1518000, 0), CORRUPT, "FileDescriptor at 0x1518000: bad magic .*"),
        walk("FD magic", u32(0x151D000, 0x10C00002), CORRUPT, "FileDescriptor at 0x151d000: bad magic .*"),
        walk("FD descAddr", u32(0x151D200, 0x2C00004), CORRUPT, "FileDescriptor at 0x151d200: bad descAddr \\(expected 0x2800004, was 0x2C00004\\)"),
        walk("FD nlink 0", u32(0x151D208, 0), CORRUPT, "FileDescriptor at 0x151d208: file descriptor is not in use .*"),
        walk("FD type 9", u32(0x151D20C, 9), CORRUPT, "FileDescriptor at 0x151d20c: type out of range .*"),
        walk("FD ZLA 7", u32(0x151D244, 7), CORRUPT, "FileDescriptor at 0x151d244: unknown addressing mode .*"),
        walk("FD ZLA 5 (PB2)", u32(0x151D244, 5), UNSUPPORTED, "FileDescriptor at 0x151d000: addressing mode 5 .*"),
        walk("FD size above ZLA 1 reach", u64(0x151D214, 257L << 20), CORRUPT, "FileDescriptor at 0x151d214: size out of range .*"),
        walk("FD resident size above 1 KiB", u64(0x151C214, 2000), CORRUPT, "FileDescriptor at 0x151c214: size out of range .*"),
        walk("FD size negative as u64", u64(0x151D214, -5), CORRUPT, "FileDescriptor at 0x151d214: size out of range .*"),
        walk("FD blockSize of sub-block file", u64(0x151C800 + 0x21C, 1 << 20), CORRUPT, "FileDescriptor at 0x151ca1c: bad blockSize \\(expected 8192, was 1048576\\)"),
        walk("FD blockSize 0", u64(0x151D21C, 0), CORRUPT, "FileDescriptor at 0x151d21c: bad block size .*"),
        // Block addresses in FDs and MAPs
        walk("FD FB outside the volume", u32(0x151D400, 5000 << 6 | 1), CORRUPT, "FileDescriptor at 0x151d400: file block out of range .*was 5000\\)"),
        walk("FD FB slot holds a sub-block", u32(0x151D400, 0x2), CORRUPT, "FileDescriptor at 0x151d400: unexpected address .*"),
        walk("FD FB slot holds type 7", u32(0x151D404, 0x47), CORRUPT, "block map at 0x151d404: bad block address type .*"),
        walk("FD SB names no sub-block", u32(0x151C800 + 0x400, 63 << 6 | 2), CORRUPT, "FileDescriptor at 0x151cc00: address names no \\.sbc\\.sf resource .*"),
        walk("FD PB slot holds a file block", u32(0x151D800 + 0x400, 18 << 6 | 1), CORRUPT, "block map at 0x151dc00: unexpected address .*"),
        walk("FD PB names no MAP", u32(0x151D800 + 0x400, 999 << 6 | 3), CORRUPT, "block map at 0x151dc00: address names no \\.pbc\\.sf resource .*"),
        walk("MAP FB outside the volume", u32(0x19184B0, 5000 << 6 | 1), CORRUPT, "PointerBlock at 0x19184b0: file block out of range .*"),
        walk("MAP entry holds an FD address", u32(0x19184B0, 0x4), CORRUPT, "PointerBlock at 0x19184b0: unexpected address .*"),
        walk("first-level MAP entry holds a file block", u32(0x19194B0, 18 << 6 | 1), CORRUPT, "block map at 0x19194b0: unexpected address .*"),
        walk("first-level MAP entry names no MAP", u32(0x19194B0, 4000 << 6 | 3), CORRUPT, "block map at 0x19194b0: address names no \\.pbc\\.sf resource .*"),
        walk("second-level MAP entry outside the volume", u32(0x191A000, 5000 << 6 | 1), CORRUPT, "PointerBlock at 0x191a000: file block out of range .*"),
        walk("second-level MAP entry holds a MAP", u32(0x191A000, 0x10000003), CORRUPT, "PointerBlock at 0x191a000: unexpected address .*"),
        // Directories
        walk("root size not a multiple of 140", u64(0x1518214, 2101), CORRUPT, ".*directory / at 0x1518214: directory size is not a whole number of entries .*"),
        walk("root size above the directory limit", u64(0x1518214, 140L * 500_000), LIMIT, "file / at 0x1518000: size exceeds the limit .*"),
        walk("subdirectory size not a multiple of 140", u64(0x151E214, 421), CORRUPT, ".*directory /dir at 0x151e214: directory size is not a whole number of entries .*"),
        walk("entry name with a slash", u8(0x22004F9, '/'), CORRUPT, "DirEntry at 0x22004f8: illegal name .*"),
        walk("entry name unterminated", fill(0x22004F8, 128, 'x'), CORRUPT, "DirEntry at 0x22004f8: name is not NUL-terminated .*"),
        walk("entry type 9", u32(0x22004EC, 9), CORRUPT, "DirEntry at 0x22004ec: type out of range .*"),
        walk("entry address not an FD", u32(0x22004F0, 0x96e1), CORRUPT, "DirEntry at 0x22004f0: not a file-descriptor address .*"),
        walk("entry names an FD past .fdc.sf", u32(0x22004F0, new FileDescriptorAddr(999, 0).raw()), CORRUPT, "DirEntry at 0x22004f0: address names no \\.fdc\\.sf slot .*"),
        walk("entry names a deleted FD", u32(0x22004F0, new FileDescriptorAddr(0, 15).raw()), CORRUPT, "FileDescriptor at 0x151fa08: file descriptor is not in use .*"),
        walk("entry names a never-used FD slot", u32(0x22004F0, new FileDescriptorAddr(0, 30).raw()), CORRUPT, "FileDescriptor at 0x1527000: bad magic .*"),
        walk("subdirectory entry name", u8(0x1C1A124, '/'), CORRUPT, "DirEntry at 0x1c1a124: illegal name .*"),
        // Truncated images
        open("image ends inside the LVM header", resize(0x100100), TRUNCATED, "LvmHeader at 0x100000: image ends before the structure .*"),
        open("image ends inside the FS descriptor", resize(0x1300100), TRUNCATED, "FsDescriptor at 0x1300000: image ends before the structure .*"),
        open("image shorter than the volume", resize(0x21100000L), TRUNCATED, "LvmHeader at 0x100000: image ends before the structure .*"));
  }

  static Mutation fill(long offset, int length, char c) {
    return device -> {
      byte[] bytes = new byte[length];
      java.util.Arrays.fill(bytes, (byte) c);
      device.write(offset, ByteBuffer.wrap(bytes));
    };
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void damagedField_throwsTheExactFormatException(Case c) throws IOException {
    CopyOnWriteBlockDevice device = new CopyOnWriteBlockDevice(template);
    c.mutation().apply(device);
    if (c.phase() == Phase.OPEN) {
      assertThatThrownBy(() -> Vmfs.open(device)).isExactlyInstanceOf(c.type()).hasMessageMatching(c.regex());
    } else {
      Vmfs vmfs = Vmfs.open(device);
      assertThatThrownBy(() -> walk(vmfs)).isExactlyInstanceOf(c.type()).hasMessageMatching(c.regex());
    }
  }

  /** Regions whose every byte is metadata a reader trusts. */
  static final long[][] METADATA = {
    {0x100000, 0x300}, {0x1300000, 0x100}, {0x1500000, 0x40}, {0x1510000, 0x400}, {0x1518000, 0x7800},
    {0x1800000, 0x40}, {0x1810000, 0x800}, {0x1900000, 0x40}, {0x1910000, 0x400}, {0x1918000, 0x1000},
    {0x1C00000, 0x40}, {0x1C10000, 0x400}, {0x1C1A000, 420}, {0x2200000, 2240}, {0x1919000, 0x2000},
  };

  static Stream<Long> seeds() {
    return new SplittableRandom(20261123).longs(100).boxed();
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void randomMetadataDamage_onlyIOExceptionsEscape(long seed) throws IOException {
    SplittableRandom random = new SplittableRandom(seed);
    CopyOnWriteBlockDevice device = new CopyOnWriteBlockDevice(template);
    List<String> changes = new ArrayList<>();
    for (int i = 0; i < 1 + random.nextInt(4); i++) {
      long[] region = METADATA[random.nextInt(METADATA.length)];
      long offset = region[0] + random.nextLong(region[1]);
      if (random.nextInt(3) == 0) {
        // A whole random u32 at an aligned field: large counts, sizes and addresses.
        long aligned = offset & ~3L;
        int word = random.nextInt();
        device.write(aligned, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(word).flip());
        changes.add("u32 0x%x=0x%08x".formatted(aligned, word));
        continue;
      }
      int value = random.nextBoolean() ? random.nextInt(256) : (0xFF & (Images.raw(device, offset, 1)[0] ^ (1 << random.nextInt(8))));
      device.write(offset, ByteBuffer.wrap(new byte[] {(byte) value}));
      changes.add("0x%x=0x%02x".formatted(offset, value));
    }
    assertThatCode(() -> {
      try {
        walk(Vmfs.open(device));
      } catch (IOException expected) {
        // Any IOException is an acceptable verdict on a damaged volume.
      }
    }).as("seed %d, changes %s", seed, changes).doesNotThrowAnyException();
  }
}
