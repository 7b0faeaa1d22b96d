package org.vmfskit.fs.vmdk;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.List;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.LittleEndian;
import org.vmfskit.fs.format.ResourceLimitException;
import org.vmfskit.fs.format.UnsupportedFormatException;

/**
 * One disk of a chain: its descriptor (a text file, or embedded in a hosted sparse file) and its
 * extents in order.
 *
 * @param path the descriptor's path in the store
 * @param descriptor the parsed descriptor
 * @param extents the extents, in virtual-disk order
 * @param embedded whether the descriptor lives inside a hosted sparse extent
 * @param text the descriptor text as read (regenerated for an embedded descriptor), for offsets in messages
 */
record Layer(String path, Descriptor descriptor, List<Extent> extents, boolean embedded, String text)
    implements Closeable {

  static final int KDMV_MAGIC = 0x564D444B;

  /**
   * Opens the disk at {@code path} and its parents down to the base, following each
   * {@code parentFileNameHint} through the store and checking {@code parentCID == parent.CID};
   * the walk is bounded by {@code maxDepth} and a visited set. Only the top layer may be writable.
   */
  static List<Layer> openChain(DiskStore store, String path, boolean writable, int maxDepth) throws IOException {
    List<Layer> layers = new ArrayList<>();
    Set<String> visited = new HashSet<>();
    try {
      String current = path;
      while (true) {
        if (!visited.add(current)) {
          Layer child = layers.getLast();
          throw new CorruptStructureException("Descriptor in " + child.path(), child.offsetOf("parentFileNameHint"),
              "parentFileNameHint", "parent chain loops back to " + current, "a chain ending in a base disk",
              "a loop of " + layers.size() + " disks");
        }
        if (layers.size() >= maxDepth) {
          throw new ResourceLimitException("Descriptor in " + current, 0, "chain depth", maxDepth,
              layers.size() + 1L);
        }
        Layer layer = Layer.open(store, current, writable && layers.isEmpty());
        layers.add(layer);
        if (layers.size() > 1) {
          checkParentCid(layers.get(layers.size() - 2), layer);
        }
        Optional<String> hint = layer.descriptor().parentFileNameHint();
        if (hint.isEmpty()) {
          break;
        }
        String parent = store.resolve(current, hint.get());
        if (!store.exists(parent)) {
          throw new CorruptStructureException("Descriptor in " + current, layer.offsetOf("parentFileNameHint"),
              "parentFileNameHint", "parent disk not found", "an existing file", parent);
        }
        current = parent;
      }
    } catch (IOException | RuntimeException e) {
      closeAll(layers, e);
      throw e;
    }
    return layers;
  }

  private static void checkParentCid(Layer child, Layer parent) throws CorruptStructureException {
    long expected = parent.descriptor().cid();
    long actual = child.descriptor().parentCid();
    if (expected != actual) {
      throw new CorruptStructureException("Descriptor in " + child.path(), child.offsetOf("parentCID"),
          "parentCID", "parentCID does not match the CID of " + parent.path(), Descriptor.cidText(expected),
          Descriptor.cidText(actual));
    }
  }

  private static void closeAll(List<Layer> layers, Throwable cause) {
    for (Layer layer : layers) {
      try {
        layer.close();
      } catch (IOException e) {
        cause.addSuppressed(e);
      }
    }
  }

  /** Opens the disk at {@code path}; only a writable layer opens its extents for writing. */
  static Layer open(DiskStore store, String path, boolean writable) throws IOException {
    DiskFile file = store.open(path, false);
    boolean keep = false;
    try {
      long size = file.size();
      if (size >= 4) {
        ByteBuffer magic = Extent.readStructure(file, 0, ByteBuffer.allocate(4), "Descriptor");
        int raw = LittleEndian.raw32(magic, 0);
        if (raw == KDMV_MAGIC) {
          if (writable) {
            file.close();
            file = store.open(path, false);
          }
          HostedSparseExtent extent = HostedSparseExtent.open(file, true);
          keep = true;
          Descriptor embedded = extent.embeddedDescriptor();
          return new Layer(path, embedded, List.of(extent), true, embedded.toText());
        }
        if (raw == CowdHeader.MAGIC) {
          throw new UnsupportedFormatException("CowdHeader in " + path, 0,
              "a bare vmfsSparse extent; open the descriptor that names it");
        }
      }
      if (size > Descriptor.MAX_SIZE) {
        throw new ResourceLimitException("Descriptor in " + path, 0, "descriptor size", Descriptor.MAX_SIZE, size);
      }
      ByteBuffer text = Extent.readStructure(file, 0, ByteBuffer.allocate((int) size), "Descriptor in " + path);
      Descriptor descriptor = Descriptor.parse(text.array(), 0);
      return new Layer(path, descriptor, openExtents(store, path, descriptor, writable), false,
          new String(text.array(), StandardCharsets.UTF_8));
    } finally {
      if (!keep) {
        file.close();
      }
    }
  }

  private static List<Extent> openExtents(DiskStore store, String path, Descriptor descriptor, boolean writable)
      throws IOException {
    List<Extent> extents = new ArrayList<>();
    try {
      for (Descriptor.ExtentLine line : descriptor.extents()) {
        extents.add(openExtent(store, path, line, writable));
      }
    } catch (IOException | RuntimeException e) {
      for (Extent extent : extents) {
        extent.close();
      }
      throw e;
    }
    return extents;
  }

  private static Extent openExtent(DiskStore store, String path, Descriptor.ExtentLine line, boolean writable)
      throws IOException {
    String where = "Descriptor in " + path;
    if (line.access() == Descriptor.Access.NOACCESS) {
      throw new UnsupportedFormatException(where, 0, "NOACCESS extent \"" + line.fileName() + '"');
    }
    boolean rw = writable && line.access() == Descriptor.Access.RW;
    String extentPath = store.resolve(path, line.fileName());
    DiskFile file = store.open(extentPath, rw);
    try {
      long sizeBytes = Corrupt.multiplyExact(where, 0, "sectors", line.sectors(), 512);
      Extent extent = switch (line.type()) {
        case FLAT, VMFS -> new FlatExtent(file, Math.max(0, line.offsetSectors()) * 512, sizeBytes);
        case VMFSSPARSE -> CowdExtent.open(file);
        case SESPARSE -> SeSparseExtent.open(file);
        case SPARSE -> HostedSparseExtent.open(file, false);
        case ZERO, VMFSRDM, VMFSRAW ->
            throw new UnsupportedFormatException(where, 0, line.type() + " extents are not supported");
      };
      if (extent.sizeBytes() != sizeBytes) {
        throw Corrupt.field("Extent " + extentPath, 0, "capacity", sizeBytes, extent.sizeBytes());
      }
      return extent;
    } catch (IOException | RuntimeException e) {
      file.close();
      throw e;
    }
  }

  /** Returns the byte offset of the header line {@code key=} in the descriptor text, or 0. */
  long offsetOf(String key) {
    int index = text.indexOf('\n' + key + '=');
    return index < 0 ? 0 : text.substring(0, index + 1).getBytes(StandardCharsets.UTF_8).length;
  }

  @Override
  public void close() throws IOException {
    IOException failure = null;
    for (Extent extent : extents) {
      try {
        extent.flush();
        extent.close();
      } catch (IOException e) {
        failure = failure == null ? e : failure;
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
