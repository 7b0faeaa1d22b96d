package org.vmfskit.fs.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmfskit.fs.format.AddressingMode;
import org.vmfskit.fs.format.DirEntry;
import org.vmfskit.fs.format.FileDescriptorAddr;
import org.vmfskit.fs.format.FileType;
import org.vmfskit.fs.format.LittleEndian;
import org.vmfskit.fs.testing.Images;

/** Directories: lookup, listing, rename, compact removal, growth, symbolic links and errors. */
class DirectoryTest {

  private static final List<String> SYSTEM = List.of(".fbb.sf", ".fdc.sf", ".pbc.sf", ".sbc.sf", ".vh.sf", ".pb2.sf", ".sdd.sf");

  private Vmfs vmfs;

  @BeforeEach
  void format() throws IOException {
    vmfs = Images.format(Images.GIB);
  }

  private List<String> names(String path) throws IOException {
    return vmfs.list(path).stream().map(FileStat::name).toList();
  }

  private FileDescriptorAddr address(String path) throws IOException {
    return vmfs.stat(path, false).address();
  }

  /** Returns the raw directory content and checks it is packed: n x 140 bytes, no address-0 slot. */
  private byte[] assertCompact(String path) throws IOException {
    VmfsFile dir = vmfs.openFile(address(path));
    byte[] content = Images.readAll(dir);
    assertThat(content.length % DirEntry.SIZE).isZero();
    ByteBuffer buffer = ByteBuffer.wrap(content).order(ByteOrder.LITTLE_ENDIAN);
    for (int offset = 0; offset < content.length; offset += DirEntry.SIZE) {
      assertThat(LittleEndian.raw32(buffer, offset + 4)).as("address of slot %d of %s", offset / DirEntry.SIZE, path).isNotZero();
    }
    return content;
  }

  private DirEntry entry(String dir, String name) throws IOException {
    return vmfs.entries(address(dir)).stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void freshRoot_listsTheSystemFilesAndHasDotEntriesPointingToItself() throws IOException {
    assertThat(names("/")).containsExactlyElementsOf(SYSTEM);
    List<DirEntry> raw = vmfs.entries(FileDescriptorAddr.ROOT);
    assertThat(raw.get(0).name()).isEqualTo(".");
    assertThat(raw.get(1).name()).isEqualTo("..");
    assertThat(raw.get(0).rawAddress()).isEqualTo(0x4);
    assertThat(raw.get(1).rawAddress()).isEqualTo(0x4);
    assertThat(vmfs.stat("/").isDirectory()).isTrue();
    // ".", "..", and the ".." of the system directory .sdd.sf, as ESXi counts it.
    assertThat(vmfs.stat("/").nlink()).isEqualTo(3);
  }

  @Test
  void createAndMkdir_nestedPaths_resolveAndListInCreationOrder() throws IOException {
    vmfs.mkdir("/vm");
    vmfs.mkdir("/vm/disks");
    Images.createWith(vmfs, "/vm/vm.vmx", "config".getBytes());
    Images.createWith(vmfs, "/vm/disks/a.vmdk", "descriptor".getBytes());
    assertThat(names("/vm")).containsExactly("disks", "vm.vmx");
    assertThat(names("/vm/disks")).containsExactly("a.vmdk");
    assertThat(Images.readAll(vmfs.openFile("/vm/disks/a.vmdk"))).isEqualTo("descriptor".getBytes());
    assertThat(Images.readAll(vmfs.openFile("//vm/./disks//a.vmdk"))).isEqualTo("descriptor".getBytes());
    assertThat(vmfs.stat("/vm").nlink()).isEqualTo(3);
    assertThat(vmfs.stat("/").nlink()).isEqualTo(4);
    assertThat(entry("/vm/disks", "..").rawAddress()).isEqualTo(address("/vm").raw());
    assertThat(entry("/vm/disks", ".").rawAddress()).isEqualTo(address("/vm/disks").raw());
    assertThat(entry("/vm", "vm.vmx").generation()).isEqualTo(vmfs.stat("/vm/vm.vmx").generation());
    assertThat(vmfs.stat("/vm/disks").addressing()).isEqualTo(AddressingMode.SUB_BLOCKS);
  }

  @Test
  void rename_inTheSameDirectory_keepsSlotAddressAndContent() throws IOException {
    Images.createWith(vmfs, "/a", "A".getBytes());
    Images.createWith(vmfs, "/b", "B".getBytes());
    FileDescriptorAddr before = address("/a");
    vmfs.rename("/a", "/c");
    assertThat(names("/")).endsWith("c", "b");
    assertThat(address("/c")).isEqualTo(before);
    assertThat(Images.readAll(vmfs.openFile("/c"))).isEqualTo("A".getBytes());
    assertThat(vmfs.exists("/a")).isFalse();
    assertCompact("/");
  }

  @Test
  void rename_acrossDirectories_movesTheEntry() throws IOException {
    vmfs.mkdir("/src");
    vmfs.mkdir("/dst");
    Images.createWith(vmfs, "/src/f", "F".getBytes());
    Images.createWith(vmfs, "/src/g", "G".getBytes());
    vmfs.rename("/src/f", "/dst/renamed");
    assertThat(names("/src")).containsExactly("g");
    assertThat(names("/dst")).containsExactly("renamed");
    assertThat(Images.readAll(vmfs.openFile("/dst/renamed"))).isEqualTo("F".getBytes());
    vmfs.rename("/src/g", "/dst");
    assertThat(names("/dst")).containsExactly("renamed", "g");
    assertThat(names("/src")).isEmpty();
    assertCompact("/src");
    assertCompact("/dst");
  }

  @Test
  void rename_ofADirectoryAcrossDirectories_updatesDotDotAndLinkCounts() throws IOException {
    vmfs.mkdir("/old");
    vmfs.mkdir("/new");
    vmfs.mkdir("/old/moving");
    Images.createWith(vmfs, "/old/moving/payload", "P".getBytes());
    assertThat(vmfs.stat("/old").nlink()).isEqualTo(3);
    vmfs.rename("/old/moving", "/new/moved");
    assertThat(entry("/new/moved", "..").rawAddress()).isEqualTo(address("/new").raw());
    assertThat(entry("/new/moved", "..").generation()).isEqualTo(vmfs.stat("/new").generation());
    assertThat(vmfs.stat("/old").nlink()).isEqualTo(2);
    assertThat(vmfs.stat("/new").nlink()).isEqualTo(3);
    assertThat(Images.readAll(vmfs.openFile("/new/moved/payload"))).isEqualTo("P".getBytes());
    assertThat(Images.readAll(vmfs.openFile("/new/moved/../moved/payload"))).isEqualTo("P".getBytes());
    vmfs.delete("/old");
    Vmfs again = Vmfs.open(vmfs.volume().device());
    assertThat(again.list("/new/moved")).extracting(FileStat::name).containsExactly("payload");
  }

  @Test
  void rename_errors() throws IOException {
    vmfs.mkdir("/d");
    vmfs.mkdir("/d/sub");
    Images.createWith(vmfs, "/f", new byte[1]);
    Images.createWith(vmfs, "/g", new byte[1]);
    assertThatThrownBy(() -> vmfs.rename("/f", "/g")).isInstanceOf(FileAlreadyExistsException.class);
    assertThatThrownBy(() -> vmfs.rename("/missing", "/x")).isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> vmfs.rename("/f", "/nodir/x")).isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> vmfs.rename("/d", "/d/sub/inside")).isInstanceOf(FileSystemException.class).hasMessageContaining("into itself");
    assertThatThrownBy(() -> vmfs.rename("/d", "/d/sub")).isInstanceOf(FileSystemException.class).hasMessageContaining("into itself");
    assertThatThrownBy(() -> vmfs.rename("/f", "/" + "n".repeat(128))).isInstanceOf(FileSystemException.class);
    assertThat(names("/")).contains("d", "f", "g");
  }

  @Test
  void delete_inTheMiddle_movesTheLastEntryIntoTheGapAndShrinks() throws IOException {
    vmfs.mkdir("/d");
    for (int i = 0; i < 10; i++) {
      Images.createWith(vmfs, "/d/f" + i, new byte[] {(byte) i});
    }
    assertThat(assertCompact("/d")).hasSize(12 * DirEntry.SIZE);
    vmfs.delete("/d/f2");
    assertThat(assertCompact("/d")).hasSize(11 * DirEntry.SIZE);
    assertThat(names("/d")).containsExactly("f0", "f1", "f9", "f3", "f4", "f5", "f6", "f7", "f8");
    vmfs.delete("/d/f8");
    assertThat(names("/d")).containsExactly("f0", "f1", "f9", "f3", "f4", "f5", "f6", "f7");
    assertThat(assertCompact("/d")).hasSize(10 * DirEntry.SIZE);
    for (int i : new int[] {0, 1, 3, 9}) {
      assertThat(Images.readAll(vmfs.openFile("/d/f" + i))).containsExactly(i);
    }
  }

  @Test
  void directory_growingPastOneSubBlock_andBack_staysReadable() throws IOException {
    vmfs.mkdir("/big");
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 70; i++) {
      String name = "file-with-a-longish-name-%03d".formatted(i);
      vmfs.createFile("/big/" + name).write(0, ByteBuffer.wrap(name.getBytes()));
      expected.add(name);
    }
    assertThat(vmfs.stat("/big").size()).isEqualTo(72 * DirEntry.SIZE);
    assertThat(vmfs.stat("/big").addressing()).isEqualTo(AddressingMode.FILE_BLOCKS);
    assertThat(names("/big")).containsExactlyElementsOf(expected);
    assertCompact("/big");
    for (int i = 0; i < 65; i++) {
      vmfs.delete("/big/" + expected.get(i));
    }
    List<String> left = names("/big");
    assertThat(left).containsExactlyInAnyOrderElementsOf(expected.subList(65, 70));
    assertThat(assertCompact("/big")).hasSize(7 * DirEntry.SIZE);
    Vmfs again = Vmfs.open(vmfs.volume().device());
    for (String name : left) {
      assertThat(Images.readAll(again.openFile("/big/" + name))).isEqualTo(name.getBytes());
    }
  }

  @Test
  void directory_exactlyAtTheSubBlockBoundary_58Entries() throws IOException {
    vmfs.mkdir("/edge");
    for (int i = 0; i < 56; i++) {
      vmfs.createFile("/edge/" + i);
    }
    assertThat(vmfs.stat("/edge").size()).isEqualTo(58 * DirEntry.SIZE);
    assertThat(vmfs.stat("/edge").addressing()).isEqualTo(AddressingMode.SUB_BLOCKS);
    vmfs.createFile("/edge/56");
    assertThat(vmfs.stat("/edge").size()).isEqualTo(59 * DirEntry.SIZE);
    assertThat(vmfs.stat("/edge").addressing()).isEqualTo(AddressingMode.FILE_BLOCKS);
    assertThat(names("/edge")).hasSize(57).contains("0", "55", "56");
  }

  @Test
  void symlinks_readLinkAndFollowing() throws IOException {
    vmfs.mkdir("/real");
    vmfs.mkdir("/real/dir");
    Images.createWith(vmfs, "/real/dir/file", "payload".getBytes());
    vmfs.symlink("/real", "/abs");
    vmfs.symlink("dir/file", "/real/rel");
    vmfs.symlink("/vmfs/volumes/testvol/real/dir", "/esxi");
    vmfs.symlink("/vmfs/volumes/" + vmfs.volume().fsDescriptor().fsUuid() + "/real/dir/file", "/byuuid");
    vmfs.symlink("/abs/dir", "/chain");
    assertThat(vmfs.readLink("/abs")).isEqualTo("/real");
    assertThat(vmfs.readLink("/real/rel")).isEqualTo("dir/file");
    assertThat(vmfs.stat("/abs", false).isSymlink()).isTrue();
    assertThat(vmfs.stat("/abs").isDirectory()).isTrue();
    assertThat(vmfs.stat("/abs", false).addressing()).isEqualTo(AddressingMode.RESIDENT);
    for (String path : List.of("/abs/dir/file", "/real/rel", "/esxi/file", "/byuuid", "/chain/file")) {
      assertThat(Images.readAll(vmfs.openFile(path))).as(path).isEqualTo("payload".getBytes());
    }
    assertThat(names("/abs/dir")).containsExactly("file");
    assertThatThrownBy(() -> vmfs.readLink("/real")).isInstanceOf(FileSystemException.class);
  }

  @Test
  void symlinks_longTargetAndLoopsAndDanglingLinks() throws IOException {
    String longTarget = "/" + "segment/".repeat(200) + "end";
    vmfs.symlink(longTarget, "/long");
    assertThat(vmfs.readLink("/long")).isEqualTo(longTarget);
    assertThat(vmfs.stat("/long", false).addressing()).isEqualTo(AddressingMode.SUB_BLOCKS);
    vmfs.symlink("/loop2", "/loop1");
    vmfs.symlink("/loop1", "/loop2");
    assertThatThrownBy(() -> vmfs.openFile("/loop1")).isInstanceOf(FileSystemException.class).hasMessageContaining("symbolic links");
    vmfs.symlink("/nowhere", "/dangling");
    assertThatThrownBy(() -> vmfs.openFile("/dangling")).isInstanceOf(NoSuchFileException.class);
    vmfs.delete("/dangling");
    assertThat(vmfs.exists("/dangling")).isFalse();
  }

  @Test
  void errors_haveTheNioExceptionTypes() throws IOException {
    vmfs.mkdir("/d");
    Images.createWith(vmfs, "/d/f", new byte[1]);
    assertThatThrownBy(() -> vmfs.openFile("/missing")).isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> vmfs.createFile("/missing/f")).isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> vmfs.stat("/d/missing")).isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> vmfs.delete("/missing")).isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> vmfs.createFile("/d/f")).isInstanceOf(FileAlreadyExistsException.class);
    assertThatThrownBy(() -> vmfs.mkdir("/d")).isInstanceOf(FileAlreadyExistsException.class);
    assertThatThrownBy(() -> vmfs.mkdir("/")).isInstanceOf(FileAlreadyExistsException.class);
    assertThatThrownBy(() -> vmfs.delete("/d")).isInstanceOf(DirectoryNotEmptyException.class);
    assertThatThrownBy(() -> vmfs.list("/d/f")).isInstanceOf(NotDirectoryException.class);
    assertThatThrownBy(() -> vmfs.openFile("/d/f/x")).isInstanceOf(NotDirectoryException.class);
    assertThatThrownBy(() -> vmfs.createFile("/d/f/x")).isInstanceOf(NotDirectoryException.class);
    assertThatThrownBy(() -> vmfs.openFile("/d")).isInstanceOf(FileSystemException.class).hasMessageContaining("is a directory");
    assertThatThrownBy(() -> vmfs.createFile("/" + "n".repeat(128))).isInstanceOf(FileSystemException.class).hasMessageContaining("illegal file name");
    assertThatThrownBy(() -> vmfs.createFile("/d/..")).isInstanceOf(FileSystemException.class);
    assertThatThrownBy(() -> vmfs.delete("/.fbb.sf")).isInstanceOf(FileSystemException.class).hasMessageContaining("system file");
    assertThatThrownBy(() -> vmfs.delete("/")).isInstanceOf(FileSystemException.class);
    assertThat(names("/d")).containsExactly("f");
  }

  @Test
  void longestLegalName_127Bytes_isAccepted() throws IOException {
    String name = "n".repeat(127);
    Images.createWith(vmfs, "/" + name, new byte[] {1});
    assertThat(names("/")).contains(name);
    assertThat(Images.readAll(vmfs.openFile("/" + name))).containsExactly(1);
  }

  @Test
  void deleteRecursive_removesATreeAndRestoresFreeCounts() throws IOException {
    var volume = vmfs.volume();
    long[] before = new long[4];
    var kinds = org.vmfskit.fs.volume.ResourceKind.values();
    for (int i = 0; i < 4; i++) {
      before[i] = volume.freeCount(kinds[i]);
    }
    vmfs.mkdir("/t");
    vmfs.mkdir("/t/a");
    Images.createWith(vmfs, "/t/a/big", new byte[3 << 20]);
    vmfs.createFile("/t/thin").write(500L << 20, ByteBuffer.wrap(new byte[] {1}));
    Images.createWith(vmfs, "/t/small", new byte[3000]);
    vmfs.symlink("/t/a", "/t/link");
    vmfs.deleteRecursive("/t");
    assertThat(vmfs.exists("/t")).isFalse();
    assertThat(vmfs.stat("/").nlink()).isEqualTo(3);
    for (int i = 0; i < 4; i++) {
      assertThat(volume.freeCount(kinds[i])).as(kinds[i].toString()).isEqualTo(before[i]);
    }
    assertCompact("/");
  }

  @Test
  void entryTypes_matchTheirDescriptors() throws IOException {
    vmfs.mkdir("/d");
    vmfs.createFile("/f");
    vmfs.symlink("/f", "/l");
    assertThat(entry("/", "d").type()).isEqualTo(FileType.DIRECTORY);
    assertThat(entry("/", "f").type()).isEqualTo(FileType.REGULAR);
    assertThat(entry("/", "l").type()).isEqualTo(FileType.SYMLINK);
    assertThat(entry("/", ".fbb.sf").type()).isEqualTo(FileType.SYSTEM);
    assertThat(vmfs.stat("/f").mode()).isEqualTo(Vmfs.MODE_FILE);
    assertThat(vmfs.stat("/d").modeString()).isEqualTo("drwxr-xr-t");
  }

  @Test
  void exists_isFalseWhenAParentIsMissingOrNotADirectory() throws IOException {
    Images.createWith(vmfs, "/file", new byte[1]);
    assertThat(vmfs.exists("/file")).isTrue();
    assertThat(vmfs.exists("/missing")).isFalse();
    assertThat(vmfs.exists("/missing/child")).isFalse();
    assertThat(vmfs.exists("/file/child")).isFalse();
  }
}
