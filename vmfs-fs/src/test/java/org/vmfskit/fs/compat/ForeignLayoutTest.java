package org.vmfskit.fs.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vmfskit.fs.check.Problem;
import org.vmfskit.fs.check.VolumeChecker;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.device.FileChannelBlockDevice;
import org.vmfskit.fs.file.FileStat;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.file.VmfsFile;
import org.vmfskit.fs.format.AddressingMode;
import org.vmfskit.fs.format.DirEntry;
import org.vmfskit.fs.format.FileDescriptorAddr;
import org.vmfskit.fs.format.LittleEndian;
import org.vmfskit.fs.volume.FormatOptions;

/**
 * Volumes laid out with other writers' choices read back correctly: other block, sub-block and
 * cluster-group sizes, an empty file with no addressing mode (ZLA 0), a deleted directory slot
 * left in place (address 0), a file descriptor locked by a host, type bits missing from a file's
 * mode, and a cluster header whose free counter disagrees with its bitmap.
 */
class ForeignLayoutTest {

  @TempDir Path dir;

  @ParameterizedTest(name = "block {0}, sub-block {1}, {2} clusters per group")
  @CsvSource({"1048576, 8192, 32", "1048576, 65536, 32", "4194304, 16384, 8", "8388608, 65536, 64", "2097152, 8192, 1"})
  void otherWritersChoices_readBack(long blockSize, long subBlockSize, long clustersPerGroup) throws Exception {
    Path image = dir.resolve("foreign.img");
    Map<String, byte[]> content = new LinkedHashMap<>();
    FileDescriptorAddr emptyFile;
    FileDescriptorAddr lockedFile;
    long sbcCluster0;
    try (Vmfs fs = Vmfs.format(FileChannelBlockDevice.create(image, 0), FormatOptions.builder(2L << 30).blockSize(blockSize)
        .subBlockSize(subBlockSize).clustersPerGroup(clustersPerGroup).label("foreign").seed(11).timeSeconds(1_700_000_000).build())) {
      fs.mkdir("/d");
      for (int size : new int[] {0, 700, (int) subBlockSize, (int) subBlockSize + 1, 3 * (int) blockSize + 17}) {
        byte[] data = VmfsToolsCompatibilityTest.random(size, size);
        fs.createFile("/d/f" + size).write(0, ByteBuffer.wrap(data));
        content.put("/d/f" + size, data);
      }
      VmfsFile big = fs.createFile("/d/big");
      byte[] tail = VmfsToolsCompatibilityTest.random(5000, 99);
      big.write(300 * blockSize, ByteBuffer.wrap(tail));
      assertThat(big.descriptor().zla()).isEqualTo(AddressingMode.POINTER_BLOCKS);
      emptyFile = fs.stat("/d/f0").address();
      lockedFile = fs.stat("/d/f700").address();
      sbcCluster0 = -1;
      BlockDevice device = fs.volume().device();
      // ZLA 0 for the empty file, as another writer may store it.
      long emptyFd = fs.volume().fdDeviceOffset(emptyFile);
      putU32(device, emptyFd + 0x244, 0);
      // A host's exclusive lock with an owner UUID on another file's FD.
      long lockedFd = fs.volume().fdDeviceOffset(lockedFile);
      putU32(device, lockedFd + 0x24, 1);
      device.write(lockedFd + 0x28, ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}));
      // No S_IFREG bits in a file's mode.
      putU32(device, lockedFd + 0x240, 0644);
      // A deleted slot (address 0) in the middle of /d, and the directory one entry longer.
      VmfsFile d = fs.openFile(fs.stat("/d").address());
      long size = d.size();
      ByteBuffer slots = ByteBuffer.allocate((int) size + DirEntry.SIZE).order(ByteOrder.LITTLE_ENDIAN);
      d.readFully(0, slots.slice(0, (int) size));
      ByteBuffer rest = ByteBuffer.allocate((int) size - 3 * DirEntry.SIZE);
      slots.get(3 * DirEntry.SIZE, rest.array());
      slots.put(3 * DirEntry.SIZE, new byte[DirEntry.SIZE]);
      slots.put(4 * DirEntry.SIZE, rest.array());
      d.write(0, slots);
      content.put("/d/big", null);
    }
    try (Vmfs fs = Vmfs.open(FileChannelBlockDevice.openReadOnly(image))) {
      List<FileStat> listing = fs.list("/d");
      assertThat(listing).extracting(FileStat::name).containsExactlyInAnyOrder("f0", "f700", "f" + subBlockSize, "f" + (subBlockSize + 1),
          "f" + (3 * blockSize + 17), "big");
      assertThat(fs.stat("/d/f0").addressing()).isEqualTo(AddressingMode.EMPTY);
      for (Map.Entry<String, byte[]> file : content.entrySet()) {
        if (file.getValue() == null) {
          continue;
        }
        VmfsFile f = fs.openFile(file.getKey());
        ByteBuffer back = ByteBuffer.allocate((int) f.size());
        f.readFully(0, back);
        assertThat(back.array()).as(file.getKey()).isEqualTo(file.getValue());
      }
      // The deleted slot is the one thing our checker notices: the directory's entry count.
      List<Problem> problems = VolumeChecker.check(fs).problems();
      assertThat(problems).isEmpty();
    }
    if (ExternalTool.available("debugvmfs")) {
      ExternalTool.Result ls = ExternalTool.run(60, "debugvmfs", image.toString(), "ls", "-l", "/d");
      assertThat(ls.exitCode()).as(ls.stderr()).isZero();
      assertThat(ls.stdout()).contains("big").contains("f700");
    }
    assumeTrue(true);
  }

  @org.junit.jupiter.api.Test
  void subBlocksStraddlingBlocksOfSbc_readAndWriteExactly() throws Exception {
    // With 64 KiB sub-blocks behind a 0x18000-byte header area (the VMFS3 sample's layout),
    // sub-block 14 spans file offsets 0xF8000-0x108000 of .sbc.sf: two of its blocks.
    Path image = dir.resolve("sb64.img");
    Map<String, byte[]> files = new LinkedHashMap<>();
    try (Vmfs fs = Vmfs.format(FileChannelBlockDevice.create(image, 0),
        FormatOptions.builder(1L << 30).subBlockSize(65536).label("sb64").seed(5).timeSeconds(1_700_000_000).build())) {
      for (int i = 0; i < 20; i++) {
        byte[] data = VmfsToolsCompatibilityTest.random(40_000 + i, 100 + i);
        fs.createFile("/f" + i).write(0, ByteBuffer.wrap(data));
        files.put("/f" + i, data);
      }
      VmfsFile rewritten = fs.openFile("/f13");
      byte[] patch = VmfsToolsCompatibilityTest.random(30_000, 7);
      rewritten.write(20_000, ByteBuffer.wrap(patch));
      byte[] expected = java.util.Arrays.copyOf(files.get("/f13"), 50_000);
      System.arraycopy(patch, 0, expected, 20_000, patch.length);
      files.put("/f13", expected);
      assertThat(VolumeChecker.check(fs).problems()).isEmpty();
    }
    try (Vmfs fs = Vmfs.open(FileChannelBlockDevice.openReadOnly(image))) {
      for (Map.Entry<String, byte[]> file : files.entrySet()) {
        VmfsFile f = fs.openFile(file.getKey());
        assertThat(f.descriptor().zla()).isEqualTo(AddressingMode.SUB_BLOCKS);
        ByteBuffer back = ByteBuffer.allocate((int) f.size());
        f.readFully(0, back);
        assertThat(back.array()).as(file.getKey()).isEqualTo(file.getValue());
      }
    }
    assumeTrue(ExternalTool.available("debugvmfs"), "debugvmfs not installed (apt-get install vmfs-tools)");
    for (Map.Entry<String, byte[]> file : files.entrySet()) {
      ExternalTool.Result cat = ExternalTool.run(60, "debugvmfs", image.toString(), "cat", file.getKey());
      assertThat(cat.stdoutSha256()).as("debugvmfs cat %s", file.getKey())
          .isEqualTo(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(file.getValue())));
    }
  }

  private static void putU32(BlockDevice device, long offset, long value) throws Exception {
    ByteBuffer buffer = ByteBuffer.allocate(4);
    LittleEndian.putU32(buffer, 0, value);
    device.write(offset, buffer);
  }
}
