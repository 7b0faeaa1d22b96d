package org.vmfskit.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.GZIPInputStream;
import org.vmfskit.recovery.RecoveryReport;

/**
 * Expands gzip-compressed images ({@code .img.gz}, as the sample datastore is stored) into a
 * sparse working copy in the temporary directory, named after the compressed file's SHA-256 so
 * it is expanded once. The compressed file itself is only read.
 */
final class CompressedImages {

  private static final int CHUNK = 64 * 1024;

  private CompressedImages() {}

  /** Returns whether {@code image} is gzip-compressed by its name. */
  static boolean isCompressed(Path image) {
    return image.getFileName().toString().endsWith(".gz");
  }

  /** Returns the path of the expanded working copy of {@code compressed}, expanding it if needed. */
  static Path expand(Path compressed) throws IOException {
    String sha = sha256(compressed);
    Path target = Path.of(System.getProperty("java.io.tmpdir"), "vmfskit-" + sha.substring(0, 16) + ".img");
    if (Files.exists(target)) {
      return target;
    }
    Path partial = Files.createTempFile(target.getParent(), "vmfskit-expand-", ".part");
    try (InputStream in = new GZIPInputStream(Files.newInputStream(compressed), CHUNK);
        FileChannel out = FileChannel.open(partial, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.SPARSE)) {
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
    } catch (IOException e) {
      Files.deleteIfExists(partial);
      throw new IOException(compressed + ": cannot expand the compressed image: " + e.getMessage(), e);
    }
    Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return target;
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
