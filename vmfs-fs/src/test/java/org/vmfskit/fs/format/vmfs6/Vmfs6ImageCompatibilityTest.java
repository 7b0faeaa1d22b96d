package org.vmfskit.fs.format.vmfs6;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmfskit.fs.format.AddressingMode;
import org.vmfskit.fs.format.FileType;

/**
 * The test-side VMFS6 mkfs ({@link Vmfs6ImageBuilder}) read back by our own records and by Debian
 * vmfs6-tools 0.2.1 ({@code debugvmfs6 IMAGE ls -l DIR}, {@code debugvmfs6 IMAGE cat PATH}, a
 * {@code vmfs6-fuse} mount), byte-exact. The image has no TBZ block: vmfs6-tools ignores VMFS6 TBZ bits and would return
 * stale content (vmfs6-format.md 14), and its bitmap checks and fsck.vmfs6 read the VMFS5
 * cluster layout, so they are not used as oracles here.
 */
class Vmfs6ImageCompatibilityTest {

  @TempDir Path dir;

  @Test
  void builtVolume_readsBackThroughOurOwnRecords() throws Exception {
    Path image = dir.resolve("vmfs6.img");
    Vmfs6ImageBuilder.build(image);
    try (FileChannel channel = FileChannel.open(image)) {
      LvmDeviceHeader6 lvm = LvmDeviceHeader6.decode(read(channel, 0x100000, 0x1000), 0x100000);
      VolumeDescriptor6 volume = VolumeDescriptor6.decode(read(channel, lvm.volumeTableOffset(), 512), lvm.volumeTableOffset());
      PeEntry6 pe = PeEntry6.decode(read(channel, lvm.peTableOffset(), 128), 0, lvm.peTableOffset());
      FsDescriptor6 fs = FsDescriptor6.decode(read(channel, pe.imageOffsetOf(0x200000), 512), pe.imageOffsetOf(0x200000));
      assertThat(fs.lvmUuid()).isEqualTo(volume.lvmUuid());
      assertThat(volume.logicalSize()).isEqualTo(Vmfs6ImageBuilder.VOLUME_SIZE).isEqualTo(pe.length());
      // Bootstrap (7.1): the root FD at FDC base + cgOff + cpg x 2 x mdA.
      long rootL = 0x700000 + fs.fdcClusterGroupOffset() + fs.fdcClustersPerGroup() * 2 * fs.mdAlignment();
      assertThat(rootL).isEqualTo(0x720000);
      FileDescriptor6 root = FileDescriptor6.decode(read(channel, pe.imageOffsetOf(rootL), FileDescriptor6.SIZE), 0, pe.imageOffsetOf(rootL), 4);
      assertThat(root.type()).isEqualTo(FileType.DIRECTORY);
      assertThat(root.zla()).isEqualTo(AddressingMode.FILE_BLOCKS);
      Address6.Sfb rootBlock = (Address6.Sfb) Address6.decode64(root.address(0), "root", rootL);
      long rootDir = pe.imageOffsetOf(rootBlock.number(512) << 20);
      ByteBuffer header = read(channel, rootDir, DirHeader6.SIZE);
      DirHeader6 h = DirHeader6.decode(header, 0, rootDir);
      HashedDirectory6.Blocks blocks = new HashedDirectory6.Blocks() {
        @Override
        public int count() {
          return (int) ((root.fileLength() - DirBlockHeader6.FIRST_BLOCK_OFFSET) / DirBlockHeader6.BLOCK_SIZE);
        }

        @Override
        public ByteBuffer read(int block) throws IOException {
          return Vmfs6ImageCompatibilityTest.read(channel, deviceOffset(block), DirBlockHeader6.BLOCK_SIZE);
        }

        @Override
        public long deviceOffset(int block) {
          return rootDir + DirBlockHeader6.blockOffset(block);
        }
      };
      assertThat(HashedDirectory6.list(h, blocks)).extracting(DirEntry6::name).contains(".sbc.sf", "sub", "resident.txt", "sb.bin", "sfb.bin",
          "link");
      DirEntry6 resident = HashedDirectory6.find(h, true, "resident.txt", blocks).orElseThrow();
      Address6.Fd fd = resident.address();
      long fdL = 0x700000 + Vmfs6ImageBuilder.FDC_HEADER.resourceOffset(fd.cluster(), fd.resource(), 0x1000);
      FileDescriptor6 file = FileDescriptor6.decode(read(channel, pe.imageOffsetOf(fdL), FileDescriptor6.SIZE), 0, 0, fd.raw32());
      assertThat(file.residentContent()).asString().isEqualTo("hello vmfs6\n");
      findsCollidingNamesThroughTheLinkChain(channel, pe, h, blocks);
    }
  }

  // /collide is SB-backed (ZLA 2): SB c0 r -> .sbc.sf offset -> .sbc.sf's SFB (ZLA 1) -> device.
  private static void findsCollidingNamesThroughTheLinkChain(FileChannel channel, PeEntry6 pe, DirHeader6 root,
      HashedDirectory6.Blocks rootBlocks) throws IOException {
    FileDescriptor6 sbc = readFd(channel, pe, Vmfs6ImageBuilder.SBC);
    FileDescriptor6 collide = readFd(channel, pe, HashedDirectory6.find(root, true, "collide", rootBlocks).orElseThrow().address());
    assertThat(collide.zla()).isEqualTo(AddressingMode.SUB_BLOCKS);
    HashedDirectory6.Blocks blocks = new HashedDirectory6.Blocks() {
      @Override
      public int count() {
        return (int) ((collide.fileLength() - DirBlockHeader6.FIRST_BLOCK_OFFSET) / DirBlockHeader6.BLOCK_SIZE);
      }

      @Override
      public ByteBuffer read(int block) throws IOException {
        return Vmfs6ImageCompatibilityTest.read(channel, deviceOffset(block), DirBlockHeader6.BLOCK_SIZE);
      }

      @Override
      public long deviceOffset(int block) {
        try {
          return pe.imageOffsetOf(sbLogical(collide, sbc, DirBlockHeader6.blockOffset(block)));
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
    };
    DirHeader6 header = DirHeader6.decode(Vmfs6ImageCompatibilityTest.read(channel, pe.imageOffsetOf(sbLogical(collide, sbc, 0)),
        DirHeader6.SIZE), 0, pe.imageOffsetOf(sbLogical(collide, sbc, 0)));
    List<String> colliding = Vmfs6ImageBuilder.collidingNames("collide", 14);
    int index = NameHash6.tableIndex(NameHash6.of("collide"), false);
    assertThat(HashLocation6.decode(header.slot(index), "t", 0).kind()).isEqualTo(HashLocation6.KIND_LINK_GROUP);
    for (String name : colliding) {
      assertThat(HashedDirectory6.find(header, false, name, blocks)).as(name).map(DirEntry6::name).contains(name);
    }
    assertThat(HashedDirectory6.list(header, blocks)).hasSize(2 + 20);
  }

  private static long sbLogical(FileDescriptor6 file, FileDescriptor6 sbc, long fileOffset) throws IOException {
    Address6.SubBlock sb = (Address6.SubBlock) Address6.decode64(file.address((int) (fileOffset >>> 16)), "dir", 0);
    long sbcOffset = Vmfs6ImageBuilder.SBC_HEADER.resourceOffset(sb.cluster(), sb.resource(), 0x1000) + (fileOffset & 0xFFFF);
    Address6.Sfb sfb = (Address6.Sfb) Address6.decode64(sbc.address((int) (sbcOffset >>> 20)), ".sbc.sf", 0);
    return (sfb.number(512) << 20) + (sbcOffset & 0xFFFFF);
  }

  private static FileDescriptor6 readFd(FileChannel channel, PeEntry6 pe, Address6.Fd fd) throws IOException {
    long l = 0x700000 + Vmfs6ImageBuilder.FDC_HEADER.resourceOffset(fd.cluster(), fd.resource(), 0x1000);
    return FileDescriptor6.decode(read(channel, pe.imageOffsetOf(l), FileDescriptor6.SIZE), 0, pe.imageOffsetOf(l), fd.raw32());
  }

  @Test
  void debugvmfs6_listsAndCatsEveryFileByteExact() throws Exception {
    assumeTrue(onPath("debugvmfs6"), "debugvmfs6 (Debian vmfs6-tools) not installed");
    Path image = dir.resolve("vmfs6.img");
    Map<String, byte[]> files = Vmfs6ImageBuilder.build(image);
    String root = new String(run(image, "ls", "-l", "/"));
    assertThat(root).contains("sub", "resident.txt", "sb.bin", "sfb.bin", "link", ".fdc.sf", ".sbc.sf");
    assertThat(new String(run(image, "ls", "-l", "/sub"))).contains("nested.txt");
    String collide = new String(run(image, "ls", "-l", "/collide"));
    for (String name : Vmfs6ImageBuilder.collidingNames("collide", 14)) {
      assertThat(collide).contains(" " + name + "\n");
    }
    assertThat(collide).contains(" plain-5\n");
    for (Map.Entry<String, byte[]> file : files.entrySet()) {
      assertThat(run(image, "cat", file.getKey())).as(file.getKey()).isEqualTo(file.getValue());
    }
    // vmfs6-tools' cat follows symlinks [T]: /link -> resident.txt.
    assertThat(run(image, "cat", "/link")).isEqualTo(files.get("/resident.txt"));
  }

  @Test
  void vmfs6Fuse_mountsTheVolumeAndReadsEveryFileByteExact() throws Exception {
    assumeTrue(onPath("vmfs6-fuse") && onPath("fusermount3"), "vmfs6-fuse or fusermount3 not installed");
    assumeTrue(Files.isReadable(Path.of("/dev/fuse")), "/dev/fuse not usable here");
    Path image = dir.resolve("vmfs6.img");
    Map<String, byte[]> files = Vmfs6ImageBuilder.build(image);
    Path mount = Files.createDirectory(dir.resolve("mnt"));
    Process fuse = new ProcessBuilder(onPathOrSbin("vmfs6-fuse"), image.toString(), mount.toString(), "-f")
        .redirectErrorStream(true).redirectOutput(dir.resolve("fuse.log").toFile()).start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (!Files.exists(mount.resolve("resident.txt")) && fuse.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assumeTrue(Files.exists(mount.resolve("resident.txt")), "vmfs6-fuse did not mount here: " + Files.readString(dir.resolve("fuse.log")));
      for (Map.Entry<String, byte[]> file : files.entrySet()) {
        assertThat(Files.readAllBytes(mount.resolve(file.getKey().substring(1)))).as(file.getKey()).isEqualTo(file.getValue());
      }
      assertThat(Files.readSymbolicLink(mount.resolve("link"))).hasToString("resident.txt");
      try (var names = Files.list(mount.resolve("collide"))) {
        assertThat(names.count()).isEqualTo(20);
      }
    } finally {
      new ProcessBuilder("fusermount3", "-u", mount.toString()).start().waitFor(20, TimeUnit.SECONDS);
      if (!fuse.waitFor(20, TimeUnit.SECONDS)) {
        fuse.destroyForcibly();
      }
    }
  }

  @Test
  void debugvmfs6_refusesTheVolumeWhenTheLvmUuidCopyDiffers() throws Exception {
    // Shows the oracle is not trivially satisfied: vmfs6-tools checks FS descriptor +0xB1 (12.1).
    assumeTrue(onPath("debugvmfs6"), "debugvmfs6 (Debian vmfs6-tools) not installed");
    Path image = dir.resolve("vmfs6.img");
    Vmfs6ImageBuilder.build(image);
    try (FileChannel channel = FileChannel.open(image, java.nio.file.StandardOpenOption.WRITE)) {
      channel.write(ByteBuffer.wrap(new byte[] {0x5A}), 0x1100000 + 0x200000 + 0xB1);
    }
    Process p = new ProcessBuilder(onPathOrSbin("debugvmfs6"), image.toString(), "cat", "/resident.txt")
        .redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(new String(out)).doesNotContain("hello vmfs6");
  }

  static ByteBuffer read(FileChannel channel, long offset, int length) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    while (b.hasRemaining()) {
      if (channel.read(b, offset + b.position()) < 0) {
        throw new java.io.EOFException("at " + offset);
      }
    }
    return b.flip();
  }

  static boolean onPath(String tool) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(d, tool))) {
        return true;
      }
    }
    return Files.isExecutable(Path.of("/usr/sbin", tool));
  }

  private static byte[] run(Path image, String... command) throws Exception {
    List<String> args = new java.util.ArrayList<>(List.of(onPathOrSbin("debugvmfs6"), image.toString()));
    args.addAll(List.of(command));
    Process p = new ProcessBuilder(args).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream in = p.getInputStream()) {
      in.transferTo(out);
    }
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("debugvmfs6 %s finished", String.join(" ", command)).isTrue();
    // A signal exit (segfault) is a failure even when some output came first.
    assertThat(p.exitValue()).as("debugvmfs6 %s exit status", String.join(" ", command)).isLessThan(128);
    return withoutBanner(out.toByteArray());
  }

  // debugvmfs6 0.2.1 prints "VMFS version: 6" on stdout before every command's output.
  private static byte[] withoutBanner(byte[] out) {
    byte[] banner = "VMFS version: 6\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    assertThat(out).as("debugvmfs6 recognised the volume as VMFS6").startsWith(banner);
    return java.util.Arrays.copyOfRange(out, banner.length, out.length);
  }

  private static String onPathOrSbin(String tool) {
    return Files.isExecutable(Path.of("/usr/sbin", tool)) ? "/usr/sbin/" + tool : tool;
  }
}
