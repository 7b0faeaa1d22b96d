package org.vmfskit.fs.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.file.VmfsFile;
import org.vmfskit.fs.format.AddressingMode;
import org.vmfskit.fs.testing.Images;
import org.vmfskit.fs.testing.Patterns;

class FileChannelBlockDeviceTest {

  /** jimfs is dense: 64 KiB blocks and room for the smallest volume image (0x1100000 + 256 MiB). */
  private static FileSystem jimfs() {
    return Jimfs.newFileSystem(Configuration.unix().toBuilder().setBlockSize(64 * 1024).setMaxSize(512L << 20).build());
  }

  @Test
  void smallestVolume_onJimfs_formatsWritesAndReopens() throws Exception {
    try (FileSystem fs = jimfs()) {
      Path image = fs.getPath("/datastore.img");
      byte[] big = Patterns.of(5, 0, 3 << 20);
      try (Vmfs vmfs = Vmfs.format(FileChannelBlockDevice.create(image, 0), Images.options(256L << 20))) {
        vmfs.mkdir("/vm");
        Images.createWith(vmfs, "/vm/disk-flat.vmdk", big);
        Images.createWith(vmfs, "/vm/vm.vmx", "displayName = \"vm\"".getBytes(StandardCharsets.UTF_8));
        vmfs.symlink("/vmfs/volumes/testvol/vm", "/link");
      }
      assertThat(Files.size(image)).isEqualTo(0x1100000L + (256L << 20));
      try (Vmfs vmfs = Vmfs.open(FileChannelBlockDevice.openReadOnly(image))) {
        assertThat(vmfs.volume().isReadOnly()).isTrue();
        assertThat(Images.readAll(vmfs.openFile("/link/disk-flat.vmdk"))).isEqualTo(big);
        assertThat(vmfs.stat("/vm/disk-flat.vmdk").addressing()).isEqualTo(AddressingMode.FILE_BLOCKS);
        assertThat(new String(Images.readAll(vmfs.openFile("/vm/vm.vmx")), StandardCharsets.UTF_8)).isEqualTo("displayName = \"vm\"");
        assertThatThrownBy(() -> vmfs.createFile("/x")).isInstanceOf(ReadOnlyDeviceException.class);
      }
    }
  }

  @Test
  void copyTo_onJimfs_copiesDataAndLeavesHolesUnwritten() throws Exception {
    try (FileSystem fs = jimfs()) {
      Path image = fs.getPath("/datastore.img");
      try (Vmfs vmfs = Vmfs.format(FileChannelBlockDevice.create(image, 0), Images.options(256L << 20))) {
        VmfsFile file = vmfs.createFile("/thin");
        file.write(3 << 20, ByteBuffer.wrap(Patterns.of(1, 3 << 20, 5000)));
        file.write(100, ByteBuffer.wrap(Patterns.of(1, 100, 10)));
        Path out = fs.getPath("/out.bin");
        try (var channel = java.nio.channels.FileChannel.open(out, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
          file.copyTo(0, file.size(), channel, 0);
        }
        byte[] copied = Files.readAllBytes(out);
        assertThat(copied).hasSize((3 << 20) + 5000);
        assertThat(java.util.Arrays.copyOfRange(copied, 100, 110)).isEqualTo(Patterns.of(1, 100, 10));
        assertThat(java.util.Arrays.copyOfRange(copied, 3 << 20, (3 << 20) + 5000)).isEqualTo(Patterns.of(1, 3 << 20, 5000));
        assertThat(java.util.Arrays.copyOfRange(copied, 110, 3 << 20)).containsOnly(0);
      }
    }
  }

  @Test
  void readPastTheEnd_throwsEof_andReadOnlyRefusesWrites() throws Exception {
    try (FileSystem fs = jimfs()) {
      Path path = fs.getPath("/small.img");
      Files.write(path, new byte[100]);
      try (FileChannelBlockDevice device = FileChannelBlockDevice.openWritable(path)) {
        assertThatThrownBy(() -> device.readFully(50, ByteBuffer.allocate(51))).isInstanceOf(EOFException.class).hasMessageContaining("/small.img");
        device.write(98, ByteBuffer.wrap(new byte[] {1, 2, 3, 4}));
        assertThat(device.size()).isEqualTo(102);
      }
      try (FileChannelBlockDevice device = FileChannelBlockDevice.openReadOnly(path)) {
        assertThatThrownBy(() -> device.write(0, ByteBuffer.wrap(new byte[1]))).isInstanceOf(ReadOnlyDeviceException.class);
        assertThatThrownBy(() -> device.resize(10)).isInstanceOf(ReadOnlyDeviceException.class);
        assertThat(Images.raw(device, 98, 4)).containsExactly(1, 2, 3, 4);
      }
    }
  }

  private static long allocatedBytes(Path path) throws Exception {
    Process process = new ProcessBuilder("stat", "-c", "%b %B", path.toString()).redirectErrorStream(true).start();
    String[] out = new String(process.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim().split(" ");
    assertThat(process.waitFor()).isZero();
    return Long.parseLong(out[0]) * Long.parseLong(out[1]);
  }

  @Test
  void volumeOnASparseTempFile_staysSparseAndReopens(@TempDir Path dir) throws Exception {
    Path image = dir.resolve("datastore.img");
    long volume = 4L << 30;
    byte[] data = Patterns.of(8, 0, 2 << 20);
    try (Vmfs vmfs = Vmfs.format(FileChannelBlockDevice.create(image, 0), Images.options(volume))) {
      Images.createWith(vmfs, "/a", data);
      vmfs.createFile("/thin").write(3L << 30, ByteBuffer.wrap(data));
    }
    long apparent = Files.size(image);
    assertThat(apparent).isEqualTo(0x1100000L + volume);
    assertThat(allocatedBytes(image)).as("allocated bytes of a %d-byte image", apparent).isLessThan(64L << 20);
    try (Vmfs vmfs = Vmfs.open(FileChannelBlockDevice.openReadOnly(image))) {
      assertThat(Images.readAll(vmfs.openFile("/a"))).isEqualTo(data);
      assertThat(Images.read(vmfs.openFile("/thin"), 3L << 30, data.length)).isEqualTo(data);
      assertThat(Images.read(vmfs.openFile("/thin"), 1L << 30, 4096)).isEqualTo(new byte[4096]);
    }
  }
}
