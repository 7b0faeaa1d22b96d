package org.vmfskit.recovery;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * A new host output file written front to back and hashed as it is written, so its SHA-256 costs
 * no read-back. All-zero 64 KiB pieces are hashed but not written, so the file stays as sparse as
 * the disk it holds.
 */
final class HashedOutput implements AutoCloseable {

  private static final int PIECE = 64 << 10;
  private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(PIECE).asReadOnlyBuffer();

  private final Path path;
  private final String name;
  private final FileChannel channel;
  private final MessageDigest digest = RecoveryReport.newDigest();
  private long position;

  /** Creates {@code path} (which must not exist); {@code name} is how the report names it. */
  HashedOutput(Path path, String name) throws IOException {
    this.path = path;
    this.name = name;
    try {
      this.channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.SPARSE);
    } catch (IOException e) {
      throw RecoveryOutputException.of(path, e);
    }
  }

  /** Appends the remaining bytes of {@code src} (consumed). */
  void append(ByteBuffer src) throws IOException {
    try {
      write(src);
    } catch (IOException e) {
      throw RecoveryOutputException.of(path, e);
    }
  }

  private void write(ByteBuffer src) throws IOException {
    int end = src.limit();
    for (int at = src.position(); at < end; at += PIECE) {
      ByteBuffer piece = src.slice(at, Math.min(PIECE, end - at));
      digest.update(piece.duplicate());
      if (piece.mismatch(ZEROS.duplicate().limit(piece.remaining())) >= 0) {
        long to = position + (at - src.position());
        while (piece.hasRemaining()) {
          to += channel.write(piece, to);
        }
      }
    }
    position += end - src.position();
    src.position(end);
  }

  /** Appends {@code length} zero bytes as a hole. */
  void appendZeros(long length) {
    for (long done = 0; done < length; done += PIECE) {
      digest.update(ZEROS.duplicate().limit((int) Math.min(PIECE, length - done)));
    }
    position += length;
  }

  /** Sets the length to what was appended, closes the file and returns it with its hash. */
  RecoveryReport.OutputFile finish() throws IOException {
    try {
      if (channel.size() < position) {
        // A trailing hole: one zero byte at the end gives the file its length without allocating the rest.
        channel.write(ByteBuffer.allocate(1), position - 1);
      }
      // On disk before the directory is renamed into place: a crash then leaves no complete-looking half file.
      channel.force(true);
      channel.close();
    } catch (IOException e) {
      throw RecoveryOutputException.of(path, e);
    }
    return new RecoveryReport.OutputFile(name, position, HexFormat.of().formatHex(digest.digest()));
  }

  Path path() {
    return path;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
