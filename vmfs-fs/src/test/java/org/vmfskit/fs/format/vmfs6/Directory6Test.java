package org.vmfskit.fs.format.vmfs6;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.vmfskit.fs.format.vmfs6.Vmfs6Bytes.assertCorrupt;
import static org.vmfskit.fs.format.vmfs6.Vmfs6Bytes.buffer;
import static org.vmfskit.fs.format.vmfs6.Vmfs6Bytes.copy;
import static org.vmfskit.fs.format.vmfs6.Vmfs6Bytes.hex;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.FileType;
import org.vmfskit.fs.format.LittleEndian;

/**
 * The hashed directory (vmfs6-format.md 9): header, allocation map, dirent and link blocks, link
 * groups, locations; the real root reproduced; lookup through collision chains; corruption tables.
 */
class Directory6Test {

  static final Address6.Fd ROOT = Address6.Fd.ROOT;

  /** The real image's root: ".", "..", the eight system files in slots 0-7, then "directory". */
  static DirectoryImage6 realRoot() {
    DirectoryImage6 root = new DirectoryImage6(ROOT, 1, FileType.DIRECTORY, ROOT, 1, true);
    // System FDs c0 r1..r8 in the order of their fixed slots (7.1, 9.3).
    for (int i = 0; i < 8; i++) {
      root.add(DirHeader6.ROOT_SYSTEM_NAMES.get(i), FileType.SYSTEM, new Address6.Fd(0, i + 1), 1);
    }
    root.add("directory", FileType.DIRECTORY, new Address6.Fd(0, 9), 1);
    return root;
  }

  @Test
  void realRoot_putsDirectoryAtBlock1Slot8AndItsTableSlot() throws Exception {
    DirectoryImage6 root = realRoot();
    assertThat(root.header().numEntries()).isEqualTo(11);
    assertThat(root.header().slot(15490)).isEqualTo(0x08000005);
    assertThat(root.header().slot(15974)).isEqualTo(HashLocation6.dirent(1, 0).raw());
    assertThat(root.header().slot(15981)).isEqualTo(HashLocation6.dirent(1, 7).raw());
    byte[] file = root.bytes();
    assertThat(file).hasSize(0x12000);
    ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    DirEntry6 directory = DirEntry6.decode(b, 0x11940, 0x811940, 0x11940, null);
    assertThat(directory.name()).isEqualTo("directory");
    assertThat(directory.storedHash()).isEqualTo(0x0DBC9F66);
    assertThat(LittleEndian.u64(b, 0x11940 + 0x10)).isEqualTo(0x11940);
    assertThat(LittleEndian.u32(b, 0x11040 + 0x0C)).as(".fbb.sf stores hash 0").isZero();
    // Allocation map: block 0 = 3, block 1 = 5 (dirent block with free slots), the rest 8.
    assertThat(hex(b, 0x10040, 0x10043)).isEqualTo("358888");
    // Dirent block 1: version 1, kind 1, 14 slots, 5 free, bits 9-13 set.
    assertThat(hex(b, 0x11000, 0x11010)).isEqualTo("0100" + "0100" + "0e00" + "0500" + "003e000000000000");
    assertThat(LittleEndian.u32(b, 0x5F8 + 4 * 15490)).isEqualTo(0x08000005);
    assertThat(LittleEndian.u32(b, 0)).isEqualTo(0xF50001);
  }

  @Test
  void realRoot_listsAndFindsEveryName() throws Exception {
    DirectoryImage6 root = realRoot();
    List<String> names = HashedDirectory6.list(root.header(), root).stream().map(DirEntry6::name).toList();
    assertThat(names).containsExactly(".", "..", ".fbb.sf", ".fdc.sf", ".pbc.sf", ".sbc.sf", ".vh.sf", ".pb2.sf", ".sdd.sf", ".jbc.sf",
        "directory");
    for (String name : names) {
      assertThat(HashedDirectory6.find(root.header(), true, name, root)).as(name).map(DirEntry6::name).contains(name);
    }
    assertThat(HashedDirectory6.find(root.header(), true, "missing", root)).isEmpty();
    assertThat(HashedDirectory6.find(root.header(), true, "..", root).orElseThrow().rawAddress()).isEqualTo(4);
  }

  @Test
  void header_roundTripsThroughItsBytes() throws Exception {
    DirectoryImage6 root = realRoot();
    ByteBuffer b = ByteBuffer.wrap(root.bytes()).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(DirHeader6.decode(b, 0, 0x800000)).isEqualTo(root.header());
    assertThat(AllocationMap6.decode(b, 0x10000, 0x810000, true)).isEqualTo(root.map());
  }

  /** Returns {@code count} names whose table index (outside the root) is {@code index}'s, found by search. */
  private static final java.util.Map<String, List<String>> COLLIDING = new java.util.HashMap<>();

  static List<String> namesCollidingWith(String seed, int count) {
    // The search costs about 16001 hashes per name, so each seed is searched once for 16 names.
    return COLLIDING.computeIfAbsent(seed, s -> searchColliding(s, 16)).subList(0, count);
  }

  private static List<String> searchColliding(String seed, int count) {
    int index = NameHash6.tableIndex(NameHash6.of(seed), false);
    List<String> names = new ArrayList<>(List.of(seed));
    // Start the search at a seed-dependent point so two seeds do not share candidates.
    for (int i = seed.length() * 1_000_000; names.size() < count; i++) {
      String candidate = "c" + i;
      if (NameHash6.tableIndex(NameHash6.of(candidate), false) == index) {
        names.add(candidate);
      }
    }
    return names;
  }

  static DirectoryImage6 collidingDirectory(List<String> colliding, int plain) {
    DirectoryImage6 dir = new DirectoryImage6(new Address6.Fd(0, 20), 3, FileType.DIRECTORY, ROOT, 1, false);
    int r = 21;
    for (String name : colliding) {
      dir.add(name, FileType.REGULAR, new Address6.Fd(r / 1024, r++ % 1024), r);
    }
    for (int i = 0; i < plain; i++) {
      dir.add("plain-" + i, FileType.REGULAR, new Address6.Fd(r / 1024, r++ % 1024), r);
    }
    return dir;
  }

  @Test
  void fourteenCollidingNames_fillOneLinkGroupAndChainASecond() throws Exception {
    List<String> colliding = namesCollidingWith("collide", 14);
    DirectoryImage6 dir = collidingDirectory(colliding, 6);
    int index = NameHash6.tableIndex(NameHash6.of("collide"), false);
    HashLocation6 first = HashLocation6.decode(dir.header().slot(index), "t", 0);
    assertThat(first.kind()).isEqualTo(HashLocation6.KIND_LINK_GROUP);
    LinkGroup6 group = dir.readGroup(first, index);
    assertThat(group.links()).hasSize(12);
    LinkGroup6 second = dir.readGroup(group.nextGroup().orElseThrow(), index);
    assertThat(second.links()).hasSize(2);
    assertThat(second.nextGroup()).isEmpty();
    assertThat(dir.header().numEntries()).isEqualTo(2 + 14 + 6);
    for (String name : colliding) {
      Optional<DirEntry6> found = HashedDirectory6.find(dir.header(), false, name, dir);
      assertThat(found).as(name).map(DirEntry6::name).contains(name);
    }
    assertThat(HashedDirectory6.find(dir.header(), false, "plain-3", dir)).map(DirEntry6::name).contains("plain-3");
    // A name with the same index that is not in the directory walks the chain and finds nothing.
    String absent = namesCollidingWith("collide", 16).get(15);
    assertThat(HashedDirectory6.find(dir.header(), false, absent, dir)).isEmpty();
    assertThat(HashedDirectory6.list(dir.header(), dir)).hasSize(22);
  }

  @Test
  void twoThousandRandomNames_areAllFoundByHashAndListed() throws Exception {
    long seed = 20261204;
    java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
    DirectoryImage6 dir = new DirectoryImage6(new Address6.Fd(0, 20), 3, FileType.DIRECTORY, ROOT, 1, false);
    java.util.Set<String> names = new java.util.LinkedHashSet<>();
    while (names.size() < 2000) {
      byte[] raw = new byte[1 + random.nextInt(40)];
      for (int i = 0; i < raw.length; i++) {
        raw[i] = (byte) ('!' + random.nextInt(94));
      }
      String name = new String(raw, java.nio.charset.StandardCharsets.US_ASCII).replace('/', '_');
      if (DirEntry6.isLegalName(name)) {
        names.add(name);
      }
    }
    int r = 0;
    for (String name : names) {
      r++;
      dir.add(name, FileType.REGULAR, new Address6.Fd(r / 1024, r % 1024), r);
    }
    // About 2000^2 / (2 x 16001) = 125 shared slots, so link groups are exercised too.
    long groups = java.util.Arrays.stream(dir.header().hashTable()).filter(raw -> (raw & 3) == HashLocation6.KIND_LINK_GROUP).count();
    assertThat(groups).as("seed %s", seed).isGreaterThan(50);
    for (String name : names) {
      assertThat(HashedDirectory6.find(dir.header(), false, name, dir)).as("seed %s: %s", seed, name).map(DirEntry6::name).contains(name);
    }
    assertThat(HashedDirectory6.list(dir.header(), dir)).extracting(DirEntry6::name).hasSize(2002).containsAll(names);
    assertThat(HashedDirectory6.find(dir.header(), false, "not-there", dir)).isEmpty();
  }

  @Test
  void linkGroupChainThatLoops_throwsCorruptStructure() throws Exception {
    List<String> colliding = namesCollidingWith("loop", 14);
    DirectoryImage6 dir = collidingDirectory(colliding, 0);
    int index = NameHash6.tableIndex(NameHash6.of("loop"), false);
    HashLocation6 first = HashLocation6.decode(dir.header().slot(index), "t", 0);
    HashLocation6 second = dir.readGroup(first, index).nextGroup().orElseThrow();
    dir.writeGroup(second, dir.readGroup(second, index).withNextGroup(Optional.of(first)));
    String absent = namesCollidingWith("loop", 15).get(14);
    assertThatThrownBy(() -> HashedDirectory6.find(dir.header(), false, absent, dir))
        .isInstanceOf(CorruptStructureException.class)
        .hasMessageContaining("link-group chain loops");
  }

  @Test
  void locationBeyondTheDirectory_throwsCorruptStructure() {
    DirectoryImage6 root = realRoot();
    DirHeader6 bad = root.header().withSlot(15490, HashLocation6.dirent(9, 0).raw(), 0);
    assertThatThrownBy(() -> HashedDirectory6.find(bad, true, "directory", root))
        .isInstanceOf(CorruptStructureException.class)
        .hasMessageContaining("location beyond the directory's length");
    DirHeader6 free = root.header().withSlot(15490, HashLocation6.dirent(1, 12).raw(), 0);
    assertThatThrownBy(() -> HashedDirectory6.find(free, true, "directory", root))
        .isInstanceOf(CorruptStructureException.class)
        .hasMessageContaining("location names a free slot");
  }

  @Test
  void hashLocation_codecAndOffsets() throws Exception {
    HashLocation6 l = HashLocation6.decode(0x08000005, "t", 0);
    assertThat(l).isEqualTo(HashLocation6.dirent(1, 8));
    assertThat(l.directoryOffset()).isEqualTo(0x11940);
    assertThat(HashLocation6.decode(0x00000005, "t", 0).directoryOffset()).isEqualTo(0x11040);
    assertThat(HashLocation6.linkGroup(2, 47).raw()).isEqualTo(47 << 24 | 2 << 2 | 2);
    assertThat(HashLocation6.linkGroup(2, 1).directoryOffset()).isEqualTo(0x12040 + 0x54);
  }

  static Stream<Arguments> badLocations() {
    return Stream.of(
        Arguments.of(0x08000007, "bad location kind"),
        Arguments.of(0x08000004, "bad location kind"),
        Arguments.of(0x08000001, "location outside the directory's blocks"),
        Arguments.of(0x0E000005, "location outside the directory's blocks"),
        Arguments.of(0x30000006, "location outside the directory's blocks"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badLocations")
  void hashLocation_bad_throwsCorruptStructure(int raw, String defect) {
    assertThatThrownBy(() -> HashLocation6.decode(raw, "DirHeader6", 0x80805F8L))
        .isInstanceOf(CorruptStructureException.class)
        .hasMessageStartingWith("DirHeader6 at 0x80805f8: " + defect);
  }

  @Test
  void linkGroup_roundTripGoldenBytesAndRemoval() throws Exception {
    LinkGroup6 group = new LinkGroup6(14398, List.of(new LinkGroup6.Link(HashLocation6.dirent(1, 0), 0xABCD),
        new LinkGroup6.Link(HashLocation6.dirent(1, 1), 0x1234), new LinkGroup6.Link(HashLocation6.dirent(2, 5), 0x0F0F)),
        Optional.of(HashLocation6.linkGroup(3, 1)));
    ByteBuffer b = buffer(LinkGroup6.SIZE);
    group.encode(b, 0);
    assertThat(LinkGroup6.decode(b, 0, 0x1000, 14398)).isEqualTo(group);
    assertThat(hex(b, 0, 0x12)).isEqualTo("3e38" + "0c" + "09" + "03" + "00" + "05000000" + "cdab" + "05000001" + "3412");
    assertThat(LittleEndian.u32(b, 0x4E)).isEqualTo(0x0100000E);
    LinkGroup6 fewer = group.withoutLink(HashLocation6.dirent(1, 0));
    assertThat(fewer.links()).extracting(LinkGroup6.Link::linkHash).containsExactly(0x0F0F, 0x1234);
  }

  static Stream<Arguments> linkGroupCorruptions() {
    return Stream.of(
        Arguments.of("index", 0x00, 14399, 2, 0x2040L, "tableIndex", "expected 14398"),
        Arguments.of("total 13", 0x02, 13, 1, 0x2042L, "totalLinks", "expected 12"),
        Arguments.of("free 13", 0x03, 13, 1, 0x2043L, "freeLinks", "0..12"),
        Arguments.of("next free", 0x04, 5, 1, 0x2044L, "nextFreeLink", "expected 2"),
        Arguments.of("link names a group", 0x06, 0x00000006, 4, 0x2046L, "link", "a dirent location"),
        Arguments.of("next is a dirent", 0x4E, 0x00000005, 4, 0x208EL, "nextGroup", "kind 2"),
        Arguments.of("next kind 3", 0x4E, 0x00000007, 4, 0x208EL, "location", "1 or 2"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("linkGroupCorruptions")
  void linkGroup_corruptField_throwsCorruptStructure(String what, int off, long value, int width, long at, String field, String expected) {
    LinkGroup6 group = new LinkGroup6(14398, List.of(new LinkGroup6.Link(HashLocation6.dirent(1, 0), 1),
        new LinkGroup6.Link(HashLocation6.dirent(1, 1), 2)), Optional.empty());
    ByteBuffer b = buffer(LinkGroup6.SIZE);
    group.encode(b, 0);
    Vmfs6Bytes.put(b, off, value, width);
    assertCorrupt(src -> LinkGroup6.decode(src, 0, 0x2040, 14398), b, "LinkGroup6", at, field, expected);
  }

  @Test
  void dirEntry_roundTripAndCorruptions() throws Exception {
    DirEntry6 entry = DirEntry6.of(FileType.REGULAR, new Address6.Fd(0, 10), 1, 0x11040, "file1");
    assertThat(entry.storedHash()).isEqualTo(0xD2B970EB);
    ByteBuffer b = buffer(DirEntry6.SIZE);
    entry.encode(b, 0);
    assertThat(DirEntry6.decode(b, 0, 0x1911040, 0x11040, null)).isEqualTo(entry);
    assertThat(hex(b, 0, 0x1D)).isEqualTo("03000000" + "04008002" + "01000000" + "eb70b9d2" + "4010010000000000" + "66696c6531");
    ByteBuffer wrongOffset = copy(b);
    assertCorrupt(src -> DirEntry6.decode(src, 0, 0x1911040, 0x11160, null), wrongOffset, "DirEntry6", 0x1911050, "offset", "0x11160");
    ByteBuffer notFd = copy(b);
    LittleEndian.putU32(notFd, 4, 0x02800001);
    assertCorrupt(src -> DirEntry6.decode(src, 0, 0x1911040, 0x11040, null), notFd, "DirEntry6", 0x1911044, "address", "type 4");
    ByteBuffer slash = copy(b);
    slash.put(0x18 + 2, (byte) '/');
    assertCorrupt(src -> DirEntry6.decode(src, 0, 0x1911040, 0x11040, null), slash, "DirEntry6", 0x1911058, "name", "without '/'");
    ByteBuffer longName = copy(b);
    for (int i = 0; i < 128; i++) {
      longName.put(0x18 + i, (byte) 'x');
    }
    assertCorrupt(src -> DirEntry6.decode(src, 0, 0x1911040, 0x11040, null), longName, "DirEntry6", 0x1911058, "name", "at most 127 bytes");
    ByteBuffer type = copy(b);
    LittleEndian.putU32(type, 0, 0);
    assertCorrupt(src -> DirEntry6.decode(src, 0, 0x1911040, 0x11040, null), type, "DirEntry6", 0x1911040, "type", "1..6");
  }

  @Test
  void dirBlockHeader_corruptions() {
    ByteBuffer b = buffer(DirBlockHeader6.SIZE);
    DirBlockHeader6.empty(DirBlockHeader6.KIND_LINK).encode(b, 0);
    assertThat(hex(b, 0, 0x10)).isEqualTo("0100" + "0200" + "3000" + "3000" + "ffffffffffff0000");
    ByteBuffer kind = copy(b);
    LittleEndian.putU16(kind, 2, 1);
    assertCorrupt(src -> DirBlockHeader6.decode(src, 0, 0x12000, DirBlockHeader6.KIND_LINK), kind, "DirBlockHeader6", 0x12002, "kind", "expected 2");
    ByteBuffer total = copy(b);
    LittleEndian.putU16(total, 4, 49);
    assertCorrupt(src -> DirBlockHeader6.decode(src, 0, 0x12000, DirBlockHeader6.KIND_LINK), total, "DirBlockHeader6", 0x12004, "totalSlots",
        "expected 48");
    ByteBuffer beyond = copy(b);
    beyond.put(0x0E, (byte) 1);
    assertCorrupt(src -> DirBlockHeader6.decode(src, 0, 0x12000, DirBlockHeader6.KIND_LINK), beyond, "DirBlockHeader6", 0x12008, "slotBitmap",
        "none at or above 48");
    ByteBuffer far = copy(b);
    far.put(0x30, (byte) 1);
    assertCorrupt(src -> DirBlockHeader6.decode(src, 0, 0x12000, DirBlockHeader6.KIND_LINK), far, "DirBlockHeader6", 0x12030, "slotBitmap", "0");
    ByteBuffer version = copy(b);
    LittleEndian.putU16(version, 0, 2);
    assertCorrupt(src -> DirBlockHeader6.decode(src, 0, 0x12000, DirBlockHeader6.KIND_LINK), version, "DirBlockHeader6", 0x12000, "version",
        "expected 1");
  }

  @Test
  void allocationMap_corruptions() {
    ByteBuffer b = buffer(DirBlockHeader6.BLOCK_SIZE);
    AllocationMap6.fresh().withNibble(1, 5).encode(b, 0);
    ByteBuffer self = copy(b);
    self.put(0x40, (byte) 0x55);
    assertCorrupt(src -> AllocationMap6.decode(src, 0, 0x810000, true), self, "AllocationMap6", 0x810040, "nibble[0]", "expected 3");
    ByteBuffer kindless = copy(b);
    kindless.put(0x41, (byte) 0x48);
    assertCorrupt(src -> AllocationMap6.decode(src, 0, 0x810000, true), kindless, "AllocationMap6", 0x810041, "nibble[2]", "kind 1, 2 or 3");
  }

  static Stream<Arguments> headerCorruptions() {
    return Stream.of(
        Arguments.of("DirHeader6", "version", 0x000, 0xF50002L, 0x800000L, "version", "0xF50001"),
        Arguments.of("DirHeader6", "numEntries 1", 0x004, 1L, 0x800004L, "numEntries", "2.."),
        Arguments.of("DirHeader6", "no map blocks", 0x00C, 0L, 0x80000CL, "numAllocationMapBlocks", "1..128"),
        Arguments.of("DirHeader6", "map block 0 moved", 0x010, 4L, 0x800010L, "allocationMapBlocks[0]", "expected 0"),
        Arguments.of("DirEntry6", "dot offset", 0x3B8 + 0x10, 0x3B9L, 0x8003C8L, "offset", "0x3B8"),
        Arguments.of("DirEntry6", "dot-dot not an FD", 0x4D8 + 0x04, 0x5L, 0x8004DCL, "address", "type 4"),
        Arguments.of("DirHeader6", "table slot kind 3", 0x5F8 + 4 * 100, 0x7L, 0x8005F8L + 400, "location", "1 or 2"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("headerCorruptions")
  void dirHeader_corruptField_throwsCorruptStructure(String structure, String what, int off, long value, long at, String field,
      String expected) {
    ByteBuffer b = ByteBuffer.wrap(realRoot().bytes()).order(ByteOrder.LITTLE_ENDIAN);
    LittleEndian.putU32(b, off, value);
    assertCorrupt(src -> DirHeader6.decode(src, 0, 0x800000), b, structure, at, field, expected);
  }

  @Test
  void damagedDirectoryStructures_neverEscapeAsUncheckedExceptions() {
    DirectoryImage6 root = realRoot();
    ByteBuffer header = ByteBuffer.wrap(root.bytes(), 0, DirHeader6.SIZE).slice().order(ByteOrder.LITTLE_ENDIAN);
    // Counts and map list, the "." entry's fixed fields, and the first table slots.
    assertThat(Vmfs6Bytes.sweep(header, 0, 0x20, 81, src -> DirHeader6.decode(src, 0, 0))).isPositive();
    assertThat(Vmfs6Bytes.sweep(header, 0x3B8, 0x3E0, 84, src -> DirHeader6.decode(src, 0, 0))).isPositive();
    assertThat(Vmfs6Bytes.sweep(header, 0x5F8, 0x640, 85, src -> DirHeader6.decode(src, 0, 0))).isPositive();
    assertThat(Vmfs6Bytes.sweep(root.rawBlock(1), 0, 0x40, 82, src -> DirBlockHeader6.decode(src, 0, 0, 1))).isPositive();
    assertThat(Vmfs6Bytes.sweep(root.rawBlock(1), 0x940, 0xA60, 86, src -> DirEntry6.decode(src, 0x940, 0, 0x11940, null))).isPositive();
    LinkGroup6 group = new LinkGroup6(7, List.of(new LinkGroup6.Link(HashLocation6.dirent(1, 0), 1)), Optional.of(HashLocation6.linkGroup(2, 0)));
    ByteBuffer g = buffer(LinkGroup6.SIZE);
    group.encode(g, 0);
    assertThat(Vmfs6Bytes.sweep(g, 0, LinkGroup6.SIZE, 83, src -> LinkGroup6.decode(src, 0, 0, 7))).isPositive();
  }
}
