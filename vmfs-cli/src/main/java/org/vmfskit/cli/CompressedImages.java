package org.vmfskit.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.vmfskit.recovery.RecoveryReport;

/**
 * Expands gzip-compressed images ({@code .img.gz}, as the sample datastore is stored) into a
 * sparse working copy for the command that asked, and deletes it when the command ends. The
 * compressed file itself is only read.
 *
 * <p>A working copy is never found by its name: each one is created exclusively, owner-only
 * ({@code rw-------}), in a fresh private directory ({@code rwx------}) under the temporary
 * directory, so nothing another user placed there beforehand can stand in for the real content.
 * Within one command a compressed image is expanded once (a report names it after it was read).
 */
final class CompressedImages {

  private static final int CHUNK = 64 * 1024;
  private static final FileAttribute<?> OWNER_ONLY_DIRECTORY = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
  private static final FileAttribute<?> OWNER_ONLY_FILE = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

  /** The copies this command expanded, by the compressed file's real path; all deleted by {@link #discardAll}. */
  private static final Map<Path, Path> EXPANDED = new LinkedHashMap<>();

  static {
    // Ctrl-C or SIGTERM ends the JVM without reaching the command's own clean-up.
    Runtime.getRuntime().addShutdownHook(new Thread(CompressedImages::discardAll, "vmfs-discard-working-copies"));
  }

  private CompressedImages() {}

  /** Returns whether {@code image} is gzip-compressed by its name. */
  static boolean isCompressed(Path image) {
    return image.getFileName().toString().endsWith(".gz");
  }

  /**
   * Returns the path of a working copy of {@code compressed} expanded by this command, expanding
   * it now if this command has not done so yet.
   */
  static synchronized Path expand(Path compressed) throws IOException {
    Path key = compressed.toRealPath();
    Path copy = EXPANDED.get(key);
    if (copy != null) {
      return copy;
    }
    Path directory = Files.createTempDirectory(temporaryDirectory(), "vmfskit-", OWNER_ONLY_DIRECTORY);
    String name = compressed.getFileName().toString();
    copy = directory.resolve(name.substring(0, name.length() - ".gz".length()) + (name.equals(".gz") ? "image" : ""));
    EXPANDED.put(key, copy);
    try {
      expandInto(compressed, copy);
    } catch (IOException e) {
      discard(key);
      throw new IOException(compressed + ": cannot expand the compressed image into " + directory + ": " + e.getMessage(), e);
    }
    return copy;
  }

  private static void expandInto(Path compressed, Path copy) throws IOException {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(compressed), CHUNK);
        FileChannel out = FileChannel.open(copy, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.SPARSE), OWNER_ONLY_FILE)) {
      byte[] buffer = new byte[CHUNK];
      long position = 0;
      for (int n; (n = in.readNBytes(buffer, 0, CHUNK)) > 0; position += n) {
        if (!isZero(buffer, n)) {
          out.write(ByteBuffer.wrap(buffer, 0, n), position);
        }
      }
      if (out.size() < position) {
        out.write(ByteBuffer.allocate(1), position - 1); // the trailing hole keeps the image's length
      }
    }
  }

  /**
   * Returns the directory working copies go to: {@code java.io.tmpdir}, which the {@code vmfs}
   * launcher sets from {@code TMPDIR}; when the JVM was started without it (its default
   * {@code /tmp}), {@code TMPDIR} as the shell's other tools honour it.
   */
  static Path temporaryDirectory() {
    return temporaryDirectory(System.getProperty("java.io.tmpdir"), System.getenv("TMPDIR"));
  }

  static Path temporaryDirectory(String javaTmpdir, String tmpdirVariable) {
    boolean jvmDefault = javaTmpdir == null || javaTmpdir.isEmpty() || Path.of(javaTmpdir).normalize().equals(Path.of("/tmp"));
    if (jvmDefault && tmpdirVariable != null && !tmpdirVariable.isEmpty()) {
      return Path.of(tmpdirVariable);
    }
    return Path.of(javaTmpdir == null || javaTmpdir.isEmpty() ? "/tmp" : javaTmpdir);
  }

  /** Deletes every working copy this command expanded, with its private directory. */
  static synchronized void discardAll() {
    for (Path key : java.util.List.copyOf(EXPANDED.keySet())) {
      discard(key);
    }
  }

  private static void discard(Path key) {
    Path copy = EXPANDED.remove(key);
    try {
      Files.deleteIfExists(copy);
      Files.deleteIfExists(copy.getParent());
    } catch (IOException e) {
      // Best effort: a copy that cannot be deleted is named in no output and is owner-only.
    }
  }

  private static boolean isZero(byte[] buffer, int length) {
    for (int i = 0; i < length; i++) {
      if (buffer[i] != 0) {
        return false;
      }
    }
    return true;
  }

  /** Returns the SHA-256 of a file as lower-case hex. */
  static String sha256(Path file) throws IOException {
    return RecoveryReport.sha256(file);
  }

}
