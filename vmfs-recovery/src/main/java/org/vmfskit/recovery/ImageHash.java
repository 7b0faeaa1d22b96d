package org.vmfskit.recovery;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.vmdk.KernelCopySource;
import org.vmfskit.fs.vmdk.SeekDataRanges;

/**
 * The SHA-256 of a whole image, computed once, on its own thread, while the scan and the writer run:
 * the image is streamed front to back with large positional reads, so it costs one read at the speed
 * of the disk (and of the CPU's SHA instructions, which only the full JIT uses). When the image is a
 * host file, the ranges {@code lseek(SEEK_HOLE)} reports as holes are hashed as zeros without being
 * read; anywhere the hole map is unknown the bytes are read.
 */
public final class ImageHash implements AutoCloseable {

  /** Read size: large enough for the kernel's read-ahead to keep the disk busy between calls. */
  static final int CHUNK = 16 << 20;

  private final CompletableFuture<String> result = new CompletableFuture<>();
  private final AtomicBoolean cancelled = new AtomicBoolean();
  private final Thread thread;
  private volatile long bytesRead;

  private ImageHash(BlockDevice device, Path hostFile, String phase, RecoveryWriter.Progress progress) {
    thread = Thread.ofPlatform().daemon().name("vmfs-image-hash").unstarted(() -> run(device, hostFile, phase, progress));
  }

  /**
   * Starts hashing {@code device}; {@code hostFile}, when not null, is the host file the device
   * reads (its holes are not read).
   */
  public static ImageHash start(BlockDevice device, Path hostFile, RecoveryWriter.Progress progress) {
    return start(device, hostFile, "hashing image", progress);
  }

  /** Starts hashing {@code device}, reporting progress as {@code phase}. */
  static ImageHash start(BlockDevice device, Path hostFile, String phase, RecoveryWriter.Progress progress) {
    ImageHash hash = new ImageHash(device, hostFile, phase, progress == null ? RecoveryWriter.Progress.NONE : progress);
    hash.thread.start();
    return hash;
  }

  /** Waits for the hash and returns it as lower-case hex. */
  public String await() throws IOException {
    try {
      return result.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the image's SHA-256");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException("hashing the image failed: " + e.getCause(), e.getCause());
    }
  }

  /** Returns the bytes read from the device so far (holes skipped are not counted). */
  public long bytesRead() {
    return bytesRead;
  }

  /** Stops the hashing thread if it still runs, and waits for it. */
  @Override
  public void close() {
    cancelled.set(true);
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run(BlockDevice device, Path hostFile, String phase, RecoveryWriter.Progress progress) {
    try {
      result.complete(hash(device, hostFile, phase, progress));
    } catch (Throwable e) {
      result.completeExceptionally(e);
    }
  }

  private String hash(BlockDevice device, Path hostFile, String phase, RecoveryWriter.Progress progress) throws IOException {
    MessageDigest digest = RecoveryReport.newDigest();
    long size = device.size();
    List<KernelCopySource.DataRange> data = dataRanges(hostFile, size);
    ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK);
    ByteBuffer zeros = ByteBuffer.allocateDirect(CHUNK);
    long at = 0;
    int next = 0;
    progress.update(phase, 0, size);
    while (at < size) {
      if (cancelled.get()) {
        throw new InterruptedIOException("hashing the image was cancelled");
      }
      // Skip past data ranges that end before here; the one at or after here bounds the hole.
      while (next < data.size() && data.get(next).end() <= at) {
        next++;
      }
      long dataStart = next < data.size() ? Math.max(at, data.get(next).start()) : size;
      int length;
      if (dataStart > at) {
        length = (int) Math.min(CHUNK, dataStart - at);
        digest.update(zeros.clear().limit(length));
      } else {
        long dataEnd = Math.min(size, data.get(next).end());
        length = (int) Math.min(CHUNK, dataEnd - at);
        buffer.clear().limit(length);
        device.readFully(at, buffer);
        bytesRead += length;
        digest.update(buffer.flip());
      }
      at += length;
      progress.update(phase, at, size);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /** Returns where the image holds data: the host file's SEEK_DATA ranges, or the whole image when unknown. */
  private static List<KernelCopySource.DataRange> dataRanges(Path hostFile, long size) {
    List<KernelCopySource.DataRange> whole = List.of(new KernelCopySource.DataRange(0, size));
    try {
      // Only a file that is the device byte for byte (not a compressed original) has holes that are the device's.
      if (hostFile == null || java.nio.file.Files.size(hostFile) != size) {
        return whole;
      }
    } catch (IOException e) {
      return whole;
    }
    Optional<List<KernelCopySource.DataRange>> ranges = SeekDataRanges.of(hostFile, 0, size);
    return ranges.orElse(whole);
  }
}
