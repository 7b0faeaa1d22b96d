package org.vmfskit.examples;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.vmfskit.fs.device.BlockDevices;
import org.vmfskit.fs.device.SparseMemoryBlockDevice;
import org.vmfskit.fs.file.CreateOptions;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.nio.VmfsFileSystem;
import org.vmfskit.fs.nio.VmfsFileSystems;

/**
 * A 10 GiB datastore held in memory: jimfs files are dense (a 10 GiB image would need 10 GiB of
 * heap), so multi-GiB datastores live on the sparse in-memory device, whose memory grows with the
 * bytes written, not with its size. The same front door opens it.
 */
public final class TenGibInMemory {

  private TenGibInMemory() {}

  /** What the example saw. */
  public record Result(long deviceBytes, long heapBytesUsedByDevice, long totalSpace, long fileSize, String tail) {}

  /** Creates the datastore, writes near its end through the file API, then reads it through nio. */
  public static Result run() throws IOException {
    SparseMemoryBlockDevice device = BlockDevices.sparseMemory(0);
    try (Vmfs ds = Vmfs.create(device, CreateOptions.builder(10L << 30).label("big").build())) {
      ds.mkdir("/vm");
      ds.createFile("/vm/disk-flat.vmdk").write(9L << 30, ByteBuffer.wrap("the end".getBytes(StandardCharsets.UTF_8)));
    }
    // Closing a memory device keeps its bytes, so the same datastore opens again, here through nio.
    try (VmfsFileSystem fs = VmfsFileSystems.newFileSystem(device, Map.of("writable", true))) {
      Path disk = fs.getPath("/vm/disk-flat.vmdk");
      ByteBuffer tail = ByteBuffer.allocate(7);
      try (SeekableByteChannel channel = Files.newByteChannel(disk, StandardOpenOption.READ)) {
        channel.position(9L << 30).read(tail);
      }
      FileStore store = fs.getFileStores().iterator().next();
      return new Result(device.size(), device.allocatedBytes(), store.getTotalSpace(), Files.size(disk),
          new String(tail.array(), StandardCharsets.UTF_8));
    }
  }

  /** Prints what {@link #run} saw. */
  public static void main(String[] args) throws IOException {
    System.out.println(run());
  }
}
