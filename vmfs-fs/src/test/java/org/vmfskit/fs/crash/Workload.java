package org.vmfskit.fs.crash;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.file.VmfsFile;
import org.vmfskit.fs.volume.FormatOptions;

/**
 * A deterministic write workload over a fresh 256 MiB volume, with a model of the tree after each
 * completed operation: every addressing mode (resident, sub-block, file blocks, a sparse file
 * with a MAP), promotion, truncate both ways, renames within and across directories, mkdir,
 * deletes of files and directories, and a directory grown past one sub-block.
 */
final class Workload {

  /** Size of the volume the workload formats. */
  static final long VOLUME_BYTES = 256L << 20;

  /** A path's expected state: a directory (content null) or a file with its content. */
  record Node(boolean directory, byte[] content, long length, String sha256) {
    Node(boolean directory, byte[] content) {
      this(directory, content, content == null ? 0 : content.length, content == null ? "" : digest(content, content.length));
    }

    static Node dir() {
      return new Node(true, null);
    }

    boolean sameAs(Node other) {
      return other != null && directory == other.directory && length == other.length && sha256.equals(other.sha256);
    }
  }

  static String digest(byte[] b, int n) {
    try {
      java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
      md.update(b, 0, n);
      return java.util.HexFormat.of().formatHex(md.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** One operation: what it does to the volume and to the model. */
  interface Op {
    String describe();

    void run(Vmfs fs) throws IOException;

    void apply(Map<String, Node> model);

    /** Whether a cut may leave any content in the paths the op changes (in-place writes). */
    default boolean contentIndeterminate() {
      return false;
    }
  }

  /** Runs every operation on {@code device}; {@code completed} receives each finished op index. */
  static Vmfs format(BlockDevice device) throws IOException {
    return Vmfs.format(device, FormatOptions.builder(VOLUME_BYTES).label("crash").seed(42).timeSeconds(1_700_000_000L).build());
  }

  static List<Op> ops() {
    SplittableRandom random = new SplittableRandom(7);
    List<Op> ops = new ArrayList<>();
    ops.add(mkdir("/a"));
    ops.add(mkdir("/b"));
    ops.add(write("/a/small", 0, bytes(random, 300), true));
    ops.add(write("/a/sub", 0, bytes(random, 5000), true));
    ops.add(write("/a/multi", 0, bytes(random, (5 << 19) + 123), true));
    ops.add(write("/sparse", 300L << 20, bytes(random, 70_000), true));
    ops.add(write("/a/small", 300, bytes(random, 3000), false));
    ops.add(truncate("/a/multi", (1 << 20) + 4567));
    ops.add(truncate("/a/sub", 20_000));
    ops.add(write("/a/sub", 19_000, bytes(random, 2000), false));
    ops.add(rename("/a/small", "/a/small2"));
    ops.add(rename("/a/multi", "/b/multi"));
    ops.add(mkdir("/a/d"));
    ops.add(write("/a/d/inner", 0, bytes(random, 100), true));
    ops.add(rename("/a/d", "/b/d"));
    for (int i = 0; i < 62; i++) {
      ops.add(write("/b/f%02d".formatted(i), 0, bytes(random, 20 + i), true));
    }
    ops.add(delete("/a/sub"));
    ops.add(delete("/b/f10"));
    ops.add(delete("/b/f61"));
    ops.add(delete("/b/d/inner"));
    ops.add(delete("/b/d"));
    ops.add(delete("/sparse"));
    ops.add(truncate("/b/multi", 0));
    ops.add(rename("/b/f20", "/a/f20"));
    return ops;
  }

  private static byte[] bytes(SplittableRandom random, int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private static String parent(String path) {
    int slash = path.lastIndexOf('/');
    return slash == 0 ? "/" : path.substring(0, slash);
  }

  static Op mkdir(String path) {
    return new Op() {
      public String describe() {
        return "mkdir " + path;
      }

      public void run(Vmfs fs) throws IOException {
        fs.mkdir(path);
      }

      public void apply(Map<String, Node> model) {
        model.put(path, Node.dir());
      }
    };
  }

  static Op write(String path, long pos, byte[] data, boolean create) {
    return new Op() {
      public String describe() {
        return (create ? "create+write " : "write ") + path + " @" + pos + " +" + data.length;
      }

      public void run(Vmfs fs) throws IOException {
        VmfsFile file = create ? fs.createFile(path) : fs.openFile(path);
        file.write(pos, ByteBuffer.wrap(data));
      }

      public void apply(Map<String, Node> model) {
        byte[] old = model.containsKey(path) ? model.get(path).content() : new byte[0];
        byte[] content = Arrays.copyOf(old, (int) Math.max(old.length, pos + data.length));
        System.arraycopy(data, 0, content, (int) pos, data.length);
        model.put(path, new Node(false, content));
      }

      public boolean contentIndeterminate() {
        return true;
      }
    };
  }

  static Op truncate(String path, long size) {
    return new Op() {
      public String describe() {
        return "truncate " + path + " " + size;
      }

      public void run(Vmfs fs) throws IOException {
        fs.openFile(path).truncate(size);
      }

      public void apply(Map<String, Node> model) {
        model.put(path, new Node(false, Arrays.copyOf(model.get(path).content(), (int) size)));
      }

      public boolean contentIndeterminate() {
        return true;
      }
    };
  }

  static Op rename(String from, String to) {
    return new Op() {
      public String describe() {
        return "rename " + from + " " + to;
      }

      public void run(Vmfs fs) throws IOException {
        fs.rename(from, to);
      }

      public void apply(Map<String, Node> model) {
        Map<String, Node> moved = new TreeMap<>();
        model.entrySet().removeIf(e -> {
          if (e.getKey().equals(from) || e.getKey().startsWith(from + "/")) {
            moved.put(to + e.getKey().substring(from.length()), e.getValue());
            return true;
          }
          return false;
        });
        model.putAll(moved);
      }
    };
  }

  static Op delete(String path) {
    return new Op() {
      public String describe() {
        return "delete " + path;
      }

      public void run(Vmfs fs) throws IOException {
        fs.delete(path);
      }

      public void apply(Map<String, Node> model) {
        model.remove(path);
      }
    };
  }

  static String parentOf(String path) {
    return parent(path);
  }

  private Workload() {}
}
