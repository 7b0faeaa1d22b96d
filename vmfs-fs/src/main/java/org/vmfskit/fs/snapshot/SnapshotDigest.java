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
import org.vmfskit.fs.vmdk.VirtualDisk;

/**
 * The digest that makes a snapshot immutable ("static"): SHA-256 over, for each frozen disk in
 * {@code .vmsd} order, the line {@code node:capacity\n} and the disk's logical content read
 * through its frozen chain, then, for a memory snapshot, the memory size (u64 big-endian) and each
 * non-zero page as its number (u32 big-endian) and 4096 bytes, ascending. Recorded as
 * {@code snapshotN.vmfskit.digest = "sha256:<hex>"}; consolidation never changes it.
 */
final class SnapshotDigest {

  private static final int READ_CHUNK = 4 << 20;

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
        digestDisk(digest, disk.node(), chain);
      }
    }
    if (entry.memory()) {
      manager.rebuildMemory(tree, entry.uid()).digestInto(digest);
    }
    return digest.digest();
  }

  static void digestDisk(MessageDigest digest, String node, VirtualDisk disk) throws IOException {
    digest.update((node + ":" + disk.capacity() + "\n").getBytes(StandardCharsets.UTF_8));
    ByteBuffer chunk = ByteBuffer.allocate(READ_CHUNK);
    for (long at = 0; at < disk.capacity(); at += READ_CHUNK) {
      int n = (int) Math.min(READ_CHUNK, disk.capacity() - at);
      disk.read(at, chunk.clear().limit(n));
      digest.update(chunk.array(), 0, n);
    }
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
