package org.vmfskit.fs.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.vmfskit.fs.snapshot.SnapshotManager.VerifyResult;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import org.vmfskit.fs.file.Extent;
import org.vmfskit.fs.file.VmfsFile;
import org.vmfskit.fs.vmdk.Descriptor;
import org.vmfskit.fs.vmdk.DiskFile;
import org.vmfskit.fs.vmdk.VirtualDisk;

/**
 * The digest that makes a snapshot immutable ("static"): SHA-256 over, for each frozen disk in
 * {@code .vmsd} order, the line {@code node:capacity\n} and the disk's logical content read
 * through its frozen chain as 64 KiB chunks (byte 0 for an all-zero chunk, else byte 1 and the
 * chunk's bytes), then, for a memory snapshot, the memory size (u64 big-endian) and each
 * non-zero page as its number (u32 big-endian) and 4096 bytes, ascending. Recorded as
 * {@code snapshotN.vmfskit.digest = "sha256:<hex>"}; consolidation never changes it.
 */
final class SnapshotDigest {

  private static final int READ_CHUNK = 4 << 20;
  private static final int DIGEST_CHUNK = 64 << 10;
  private static final byte[] ZEROS = new byte[DIGEST_CHUNK];

  private final SnapshotManager manager;

  SnapshotDigest(SnapshotManager manager) {
    this.manager = manager;
  }

  List<VerifyResult> verify(Optional<Integer> uid) throws IOException {
    List<VerifyResult> out = new ArrayList<>();
    SnapshotTree tree = manager.tree();
    for (SnapshotEntry entry : tree.snapshots()) {
      if (uid.isPresent() && uid.get() != entry.uid()) {
        continue;
      }
      String actual = "sha256:" + HexFormat.of().formatHex(digestOf(tree, entry));
      out.add(new VerifyResult(entry.uid(), entry.displayName(), entry.digest().orElse(""), actual,
          entry.digest().isPresent() && entry.digest().get().equals(actual)));
    }
    if (uid.isPresent() && out.isEmpty()) {
      throw new SnapshotException("no snapshot with uid " + uid.get());
    }
    return out;
  }

  /** Returns the SHA-256 of snapshot {@code entry}'s frozen disks and (if saved) memory. */
  byte[] digestOf(SnapshotTree tree, SnapshotEntry entry) throws IOException {
    MessageDigest digest = sha256();
    for (SnapshotEntry.SnapshotDisk disk : entry.disks()) {
      try (VirtualDisk chain = VirtualDisk.open(manager.vm().store(), manager.vm().file(disk.fileName()), false)) {
        digestDisk(digest, manager.vm(), disk.node(), chain);
      }
    }
    if (entry.memory()) {
      manager.rebuildMemory(tree, entry.uid()).digestInto(digest);
    }
    return digest.digest();
  }

  /**
   * Feeds disk {@code node}'s logical content to {@code digest} in 64 KiB chunks: a zero byte for
   * an all-zero chunk, else a one byte and the chunk. Chunks outside every range a layer may hold
   * data for (allocated flat blocks, allocated COWD grains) are zero without being read, so the
   * result depends only on the content, however it is allocated.
   */
  static void digestDisk(MessageDigest digest, VmDirectory vm, String node, VirtualDisk disk) throws IOException {
    digest.update((node + ":" + disk.capacity() + "\n").getBytes(StandardCharsets.UTF_8));
    long capacity = disk.capacity();
    long[] ranges = dataRanges(vm, disk.path(), capacity);
    ByteBuffer buffer = ByteBuffer.allocate(READ_CHUNK);
    long cursor = 0; // next chunk index not yet fed
    for (int i = 0; i < ranges.length; i += 2) {
      long first = Math.max(cursor, ranges[i] / DIGEST_CHUNK);
      long end = Math.ceilDiv(ranges[i + 1], DIGEST_CHUNK);
      if (first >= end) {
        continue;
      }
      zeroChunks(digest, first - cursor);
      for (long from = first * DIGEST_CHUNK; from < Math.min(end * DIGEST_CHUNK, capacity); from += READ_CHUNK) {
        int n = (int) Math.min(READ_CHUNK, Math.min(end * DIGEST_CHUNK, capacity) - from);
        disk.read(from, buffer.clear().limit(n));
        for (int at = 0; at < n; at += DIGEST_CHUNK) {
          int length = Math.min(DIGEST_CHUNK, n - at);
          if (java.util.Arrays.equals(buffer.array(), at, at + length, ZEROS, 0, length)) {
            digest.update((byte) 0);
          } else {
            digest.update((byte) 1);
            digest.update(buffer.array(), at, length);
          }
        }
      }
      cursor = end;
    }
    zeroChunks(digest, Math.ceilDiv(capacity, DIGEST_CHUNK) - cursor);
  }

  private static void zeroChunks(MessageDigest digest, long count) {
    for (long left = count; left > 0; left -= ZEROS.length) {
      digest.update(ZEROS, 0, (int) Math.min(ZEROS.length, left));
    }
  }

  /** Returns the merged ranges of the disk any layer of the chain from {@code top} may hold data for. */
  static long[] dataRanges(VmDirectory vm, String top, long capacity) throws IOException {
    List<long[]> lists = new ArrayList<>();
    java.util.Set<String> seen = new java.util.HashSet<>();
    String at = top;
    while (at != null) {
      if (!seen.add(at) || seen.size() > VirtualDisk.MAX_CHAIN_DEPTH) {
        return new long[] {0, capacity};
      }
      Descriptor d = vm.descriptor(at);
      if (d.extents().size() != 1 || d.extents().getFirst().offsetSectors() > 0) {
        return new long[] {0, capacity};
      }
      String extent = vm.store().resolve(at, d.extents().getFirst().fileName());
      switch (d.extents().getFirst().type()) {
        case VMFS, FLAT -> {
          LongArrayList runs = new LongArrayList();
          VmfsFile file = vm.vmfs().openFile("/" + extent);
          for (Extent run : file.extents(0, file.size())) {
            if (!run.isHole()) {
              runs.add(run.fileOffset());
              runs.add(run.fileOffset() + run.length());
            }
          }
          lists.add(runs.toLongArray());
        }
        case VMFSSPARSE -> {
          try (DiskFile file = vm.store().open(extent, false)) {
            lists.add(CowdGrainMap.allocatedRanges(file));
          }
        }
        default -> {
          return new long[] {0, capacity};
        }
      }
      at = vm.parentOf(at, d).orElse(null);
    }
    long[] merged = CowdGrainMap.union(lists);
    for (int i = 0; i < merged.length; i++) {
      merged[i] = Math.min(merged[i], capacity);
    }
    return merged;
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
