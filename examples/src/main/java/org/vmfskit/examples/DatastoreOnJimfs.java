package org.vmfskit.examples;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.vmfskit.fs.file.CreateOptions;
import org.vmfskit.fs.file.OpenOptions;
import org.vmfskit.fs.file.Vmfs;

/**
 * A small datastore in an image file on jimfs (an in-memory host file system), made and read
 * through the front door {@link Vmfs} and through the {@code vmfs} nio provider.
 */
public final class DatastoreOnJimfs {

  private DatastoreOnJimfs() {}

  /** What the example saw. */
  public record Result(String readThroughVmfs, String readThroughNio, List<String> listed, String secondWriter) {}

  /** Creates a 256 MiB datastore on jimfs, writes a file, and reads it back two ways. */
  public static Result run() throws IOException {
    try (FileSystem host = Jimfs.newFileSystem(Configuration.unix())) {
      Path image = host.getPath("/datastores/ds1.img");
      Files.createDirectories(image.getParent());

      // Create: the image file is made (sparse where the host supports it) and opened writable.
      String secondWriter;
      try (Vmfs ds = Vmfs.create(image, CreateOptions.builder(256L << 20).label("ds1").build())) {
        ds.mkdir("/iso");
        ds.createFile("/iso/readme.txt").write(0, ByteBuffer.wrap("hello from vmfskit".getBytes(StandardCharsets.UTF_8)));
        // The library holds the image's writer lock: a second writer is refused.
        try (Vmfs second = Vmfs.open(image, OpenOptions.writable())) {
          secondWriter = "opened (unexpected)";
        } catch (java.nio.file.FileSystemException refused) {
          secondWriter = refused.getReason();
        }
      }

      // Open: read-only by default, so an image is never changed by accident.
      String viaVmfs;
      try (Vmfs ds = Vmfs.open(image)) {
        ByteBuffer text = ByteBuffer.allocate((int) ds.stat("/iso/readme.txt").size());
        ds.openFile("/iso/readme.txt").read(0, text);
        viaVmfs = new String(text.array(), StandardCharsets.UTF_8);
      }

      // nio: FileSystems finds the vmfs provider by the image's content.
      try (FileSystem ds = FileSystems.newFileSystem(image, Map.of())) {
        String viaNio = Files.readString(ds.getPath("/iso/readme.txt"));
        List<String> listed;
        try (var names = Files.list(ds.getPath("/iso"))) {
          listed = names.map(Path::toString).toList();
        }
        return new Result(viaVmfs, viaNio, listed, secondWriter);
      }
    }
  }

  /** Prints what {@link #run} saw. */
  public static void main(String[] args) throws IOException {
    System.out.println(run());
  }
}
