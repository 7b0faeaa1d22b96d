package org.vmfskit.fs.nio;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.ProviderNotFoundException;
import java.nio.file.ReadOnlyFileSystemException;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmfskit.fs.device.FileChannelBlockDevice;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.volume.FormatOptions;

/**
 * The provider over a 256 MiB volume whose image lives on jimfs (64 KiB blocks), populated with
 * the file layer: walking, reading, writing when writable, refusing when read-only (without a
 * byte of the image changing), declining non-VMFS files, URIs, attribute views and copies in
 * and out.
 */
class VmfsFileSystemProviderTest {

  private static final long SEED = 20261123L;

  private FileSystem host;
  private Path image;
  private byte[] big;

  @BeforeEach
  void makeImage() throws IOException {
    host = Jimfs.newFileSystem(Configuration.unix().toBuilder().setBlockSize(64 << 10).setMaxSize(1L << 30).build());
    image = host.getPath("/images/ds1.img");
    Files.createDirectories(image.getParent());
    big = new byte[3 * (1 << 20) + 12345];
    new SplittableRandom(SEED).nextBytes(big);
    FileChannel channel = FileChannel.open(image, StandardOpenOption.CREATE, READ, WRITE);
    try (Vmfs vmfs = Vmfs.format(FileChannelBlockDevice.of(channel, "ds1.img", false),
        FormatOptions.builder(256L << 20).label("ds1").seed(1).timeSeconds(1_700_000_000).build())) {
      vmfs.mkdir("/vm1");
      vmfs.mkdir("/vm1/logs");
      vmfs.createFile("/vm1/vm1.vmx").write(0, ByteBuffer.wrap("displayName = \"vm1\"\n".getBytes(UTF_8)));
      vmfs.createFile("/vm1/logs/vmware.log").write(0, ByteBuffer.wrap("log line\n".getBytes(UTF_8)));
      vmfs.createFile("/vm1/disk-flat.vmdk").write(0, ByteBuffer.wrap(big));
      vmfs.symlink("vm1/vm1.vmx", "/link.vmx");
    }
  }

  @AfterEach
  void closeHost() throws IOException {
    host.close();
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

  @Test
  void newFileSystem_onJimfsImage_isReadOnlyAndWalksAndReads() throws Exception {
    try (FileSystem fs = FileSystems.newFileSystem(image)) {
      assertThat(fs).isInstanceOf(VmfsFileSystem.class);
      assertThat(fs.provider().getScheme()).isEqualTo("vmfs");
      assertThat(fs.isReadOnly()).isTrue();
      List<String> walked;
      try (Stream<Path> paths = Files.walk(fs.getPath("/"))) {
        walked = paths.map(Path::toString).toList();
      }
      assertThat(walked).contains("/", "/vm1", "/vm1/logs", "/vm1/vm1.vmx", "/vm1/logs/vmware.log", "/vm1/disk-flat.vmdk", "/link.vmx");
      assertThat(Files.readAllBytes(fs.getPath("/vm1/disk-flat.vmdk"))).isEqualTo(big);
      assertThat(Files.readString(fs.getPath("/link.vmx"))).isEqualTo("displayName = \"vm1\"\n");
      assertThat(Files.isSymbolicLink(fs.getPath("/link.vmx"))).isTrue();
      assertThat(Files.readSymbolicLink(fs.getPath("/link.vmx"))).hasToString("vm1/vm1.vmx");
      assertThat(Files.isSameFile(fs.getPath("/link.vmx"), fs.getPath("/vm1/../vm1/vm1.vmx"))).isTrue();
      try (SeekableByteChannel channel = Files.newByteChannel(fs.getPath("vm1", "disk-flat.vmdk"))) {
        ByteBuffer window = ByteBuffer.allocate(1000);
        channel.position(2_000_000).read(window);
        assertThat(window.array()).isEqualTo(java.util.Arrays.copyOfRange(big, 2_000_000, 2_001_000));
        assertThat(channel.size()).isEqualTo(big.length);
      }
    }
  }

  @Test
  void readOnlyFileSystem_refusesEveryChange_andLeavesImageBytesUnchanged() throws Exception {
    String before = sha256(image);
    try (FileSystem fs = FileSystems.newFileSystem(image, Map.of())) {
      Path vmx = fs.getPath("/vm1/vm1.vmx");
      assertThatThrownBy(() -> Files.writeString(vmx, "x")).isInstanceOf(ReadOnlyFileSystemException.class);
      assertThatThrownBy(() -> Files.newByteChannel(vmx, APPEND)).isInstanceOf(ReadOnlyFileSystemException.class);
      assertThatThrownBy(() -> Files.createDirectory(fs.getPath("/new"))).isInstanceOf(ReadOnlyFileSystemException.class);
      assertThatThrownBy(() -> Files.delete(vmx)).isInstanceOf(ReadOnlyFileSystemException.class);
      assertThatThrownBy(() -> Files.move(vmx, fs.getPath("/moved"))).isInstanceOf(ReadOnlyFileSystemException.class);
      assertThatThrownBy(() -> Files.copy(vmx, fs.getPath("/copied"))).isInstanceOf(ReadOnlyFileSystemException.class);
      assertThatThrownBy(() -> Files.createSymbolicLink(fs.getPath("/l2"), vmx)).isInstanceOf(ReadOnlyFileSystemException.class);
      assertThatThrownBy(() -> Files.setLastModifiedTime(vmx, java.nio.file.attribute.FileTime.fromMillis(0)))
          .isInstanceOf(ReadOnlyFileSystemException.class);
      assertThat(Files.isWritable(vmx)).isFalse();
      assertThat(Files.readAllBytes(fs.getPath("/vm1/disk-flat.vmdk"))).isEqualTo(big);
    }
    assertThat(sha256(image)).isEqualTo(before);
  }

  @Test
  void writableFileSystem_createsWritesAppendsTruncatesMovesAndDeletes() throws Exception {
    try (FileSystem fs = FileSystems.newFileSystem(image, Map.of("writable", "true"))) {
      assertThat(fs.isReadOnly()).isFalse();
      Path dir = Files.createDirectory(fs.getPath("/vm2"));
      Path notes = dir.resolve("notes.txt");
      Files.writeString(notes, "hello");
      try (SeekableByteChannel channel = Files.newByteChannel(notes, WRITE, APPEND)) {
        channel.write(ByteBuffer.wrap(" world".getBytes(UTF_8)));
      }
      assertThat(Files.readString(notes)).isEqualTo("hello world");
      try (SeekableByteChannel channel = Files.newByteChannel(notes, CREATE, WRITE, TRUNCATE_EXISTING)) {
        channel.write(ByteBuffer.wrap("new".getBytes(UTF_8)));
      }
      assertThat(Files.readString(notes)).isEqualTo("new");
      Files.move(notes, dir.resolve("renamed.txt"));
      Files.createSymbolicLink(fs.getPath("/vm2/link"), fs.getPath("renamed.txt"));
      assertThat(Files.readString(fs.getPath("/vm2/link"))).isEqualTo("new");
      Files.copy(fs.getPath("/vm1/disk-flat.vmdk"), fs.getPath("/vm2/disk-copy.vmdk"));
      Files.setLastModifiedTime(fs.getPath("/vm2/renamed.txt"), java.nio.file.attribute.FileTime.fromMillis(1_600_000_000_000L));
      assertThat(Files.getLastModifiedTime(fs.getPath("/vm2/renamed.txt")).toMillis()).isEqualTo(1_600_000_000_000L);
      Files.delete(fs.getPath("/vm1/logs/vmware.log"));
      Files.delete(fs.getPath("/vm1/logs"));
    }
    try (FileSystem fs = FileSystems.newFileSystem(image)) {
      assertThat(Files.readString(fs.getPath("/vm2/renamed.txt"))).isEqualTo("new");
      assertThat(Files.exists(fs.getPath("/vm2/notes.txt"))).isFalse();
      assertThat(Files.readAllBytes(fs.getPath("/vm2/disk-copy.vmdk"))).isEqualTo(big);
      assertThat(Files.exists(fs.getPath("/vm1/logs"))).isFalse();
      assertThat(Files.readSymbolicLink(fs.getPath("/vm2/link"))).hasToString("renamed.txt");
    }
  }

  @Test
  void copyInAndOut_roundTripsBytes() throws Exception {
    Path source = host.getPath("/in.bin");
    byte[] data = new byte[5 * (1 << 20) + 77];
    new SplittableRandom(SEED + 1).nextBytes(data);
    Files.write(source, data);
    try (FileSystem fs = FileSystems.newFileSystem(image, Map.of("writable", Boolean.TRUE))) {
      Files.copy(source, fs.getPath("/in.bin"));
      Path out = host.getPath("/out.bin");
      Files.copy(fs.getPath("/in.bin"), out);
      assertThat(Files.readAllBytes(out)).isEqualTo(data);
      Files.copy(fs.getPath("/vm1/disk-flat.vmdk"), host.getPath("/disk.out"));
      assertThat(Files.readAllBytes(host.getPath("/disk.out"))).isEqualTo(big);
      Files.copy(source, fs.getPath("/in.bin"), StandardCopyOption.REPLACE_EXISTING);
      assertThat(Files.size(fs.getPath("/in.bin"))).isEqualTo(data.length);
    }
  }

  @Test
  void nonVmfsFile_isDeclined() throws Exception {
    Path plain = host.getPath("/plain.bin");
    Files.write(plain, new byte[2 << 20]);
    assertThatThrownBy(() -> FileSystems.newFileSystem(plain)).isInstanceOf(ProviderNotFoundException.class);
    assertThatThrownBy(() -> new VmfsFileSystemProvider().newFileSystem(plain, Map.of()))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void secondOpen_foreignPath_unknownProperty_andUris() throws Exception {
    try (FileSystem fs = FileSystems.newFileSystem(image)) {
      assertThatThrownBy(() -> FileSystems.newFileSystem(image)).isInstanceOf(FileSystemAlreadyExistsException.class);
      assertThatThrownBy(() -> Files.copy(fs.getPath("/vm1/vm1.vmx"), fs.getPath("/x").resolve(host.getPath("/y"))))
          .isInstanceOf(ProviderMismatchException.class);
      assertThatThrownBy(() -> fs.provider().readAttributes(host.getPath("/"), "size")).isInstanceOf(ProviderMismatchException.class);
      URI uri = fs.getPath("/vm1/vm1.vmx").toUri();
      assertThat(uri.getScheme()).isEqualTo("vmfs");
      assertThat(uri.toString()).startsWith("vmfs:jimfs://").endsWith("/images/ds1.img!/vm1/vm1.vmx");
      assertThat(Path.of(uri)).isEqualTo(fs.getPath("/vm1/vm1.vmx"));
      assertThat(FileSystems.getFileSystem(uri)).isSameAs(fs);
      assertThatThrownBy(() -> FileSystems.newFileSystem(uri, Map.of())).isInstanceOf(FileSystemAlreadyExistsException.class);
    }
    URI uri = URI.create("vmfs:" + image.toUri() + "!/vm1");
    assertThatThrownBy(() -> FileSystems.getFileSystem(uri)).isInstanceOf(FileSystemNotFoundException.class);
    assertThatThrownBy(() -> FileSystems.newFileSystem(image, Map.of("writeable", true))).isInstanceOf(IllegalArgumentException.class);
    try (FileSystem fs = FileSystems.newFileSystem(uri, Map.of())) {
      assertThat(Files.isDirectory(Path.of(uri))).isTrue();
      assertThat(Path.of(uri).getFileSystem()).isSameAs(fs);
    }
  }

  @Test
  void attributeViews_basicPosixAndVmfs() throws Exception {
    try (FileSystem fs = FileSystems.newFileSystem(image)) {
      Path disk = fs.getPath("/vm1/disk-flat.vmdk");
      assertThat(fs.supportedFileAttributeViews()).containsExactlyInAnyOrder("basic", "posix", "vmfs");
      var posix = Files.readAttributes(disk, java.nio.file.attribute.PosixFileAttributes.class);
      assertThat(posix.size()).isEqualTo(big.length);
      assertThat(posix.isRegularFile()).isTrue();
      assertThat(java.nio.file.attribute.PosixFilePermissions.toString(posix.permissions())).isEqualTo("rw-r--r--");
      VmfsFileAttributes vmfs = Files.readAttributes(disk, VmfsFileAttributes.class);
      assertThat(vmfs.blockCount()).isEqualTo(4);
      assertThat(vmfs.addressingMode()).isEqualTo(org.vmfskit.fs.format.AddressingMode.FILE_BLOCKS);
      assertThat(vmfs.generation()).isPositive();
      assertThat(Files.getAttribute(disk, "vmfs:blockCount")).isEqualTo(4L);
      assertThat(Files.getAttribute(disk, "vmfs:tbzBlocks")).isEqualTo(0L);
      assertThat(Files.getAttribute(disk, "vmfs:fdAddress")).isEqualTo(vmfs.fdAddress().toString());
      Map<String, Object> all = Files.readAttributes(disk, "vmfs:*");
      assertThat(all).containsKeys("fdAddress", "addressingMode", "blockSize", "blockCount", "tbzBlocks", "generation", "size");
      assertThat(Files.readAttributes(fs.getPath("/vm1"), "posix:permissions,isDirectory")).containsEntry("isDirectory", true);
      assertThat(Files.getFileAttributeView(disk, VmfsFileAttributeView.class).readAttributes().fileKey()).isEqualTo(vmfs.fdAddress());
      assertThat(Files.readAttributes(fs.getPath("/link.vmx"), "isSymbolicLink", java.nio.file.LinkOption.NOFOLLOW_LINKS))
          .containsEntry("isSymbolicLink", true);
      var store = Files.getFileStore(disk);
      assertThat(store.name()).isEqualTo("ds1");
      assertThat(store.type()).isEqualTo("vmfs5");
      assertThat(store.getTotalSpace()).isGreaterThan(200L << 20).isLessThanOrEqualTo(256L << 20);
      assertThat(store.getUsableSpace()).isPositive().isLessThan(store.getTotalSpace());
    }
  }
}
