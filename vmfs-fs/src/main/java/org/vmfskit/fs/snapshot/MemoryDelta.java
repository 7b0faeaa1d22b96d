package org.vmfskit.fs.snapshot;

import static com.google.common.base.Preconditions.checkArgument;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.CorruptStructureException;

/**
 * The memory a snapshot stores: the 4 KiB pages that differ from its memory parent's rebuilt
 * memory (or, without a memory parent, the non-zero pages). Stored as the {@code memory} group of
 * the snapshot's {@code .vmsn}:
 *
 * <pre>
 * tag                         type         meaning
 * regionsCount                u32          1: one region, guest physical = .vmem offset
 * regionPPN[0]                u32          0
 * regionPageNum[0]            u32          0
 * regionSize[0]               u32          guest RAM in 4 KiB pages
 * vmfskit.memoryParent        u32          uid of the snapshot this is relative to; 0 = zero memory
 * vmfskit.pageCount           u32          number of stored pages
 * vmfskit.pageList            u32[count]   page numbers, strictly ascending, each &lt; regionSize
 * vmfskit.pages               count × 4096 the pages, in pageList order (long-form tag)
 * </pre>
 *
 * @param memoryParent the base snapshot's uid, 0 for zero memory
 * @param sizeBytes the guest RAM size in bytes
 * @param pageNumbers the stored pages' numbers, ascending
 * @param pageData the pages, {@code PAGE} bytes each in {@code pageNumbers} order
 */
public record MemoryDelta(int memoryParent, long sizeBytes, int[] pageNumbers, byte[] pageData) {

  /** The group name. */
  public static final String GROUP = "memory";

  /** Checks the sizes. */
  public MemoryDelta {
    checkArgument(pageData.length == (long) pageNumbers.length * MemoryImage.PAGE, "page data length");
  }

  static MemoryDelta of(int memoryParent, long sizeBytes, SortedMap<Integer, byte[]> pages) {
    int[] numbers = new int[pages.size()];
    byte[] data = new byte[pages.size() * MemoryImage.PAGE];
    int i = 0;
    for (Map.Entry<Integer, byte[]> page : pages.entrySet()) {
      numbers[i] = page.getKey();
      System.arraycopy(page.getValue(), 0, data, i * MemoryImage.PAGE, MemoryImage.PAGE);
      i++;
    }
    return new MemoryDelta(memoryParent, sizeBytes, numbers, data);
  }

  /** Returns the number of stored pages. */
  public int pageCount() {
    return pageNumbers.length;
  }

  /** Returns the number of the {@code i}-th stored page. */
  public int pageNumber(int i) {
    return pageNumbers[i];
  }

  /** Returns the delta as the checkpoint's {@code memory} group. */
  public CheckpointGroup toGroup() {
    ByteBuffer list = ByteBuffer.allocate(pageNumbers.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int n : pageNumbers) {
      list.putInt(n);
    }
    List<CheckpointTag> tags = List.of(
        CheckpointTag.u32("regionsCount", 1),
        CheckpointTag.u32("regionPPN", 0, 0),
        CheckpointTag.u32("regionPageNum", 0, 0),
        CheckpointTag.u32("regionSize", sizeBytes / MemoryImage.PAGE, 0),
        CheckpointTag.u32("vmfskit.memoryParent", memoryParent),
        CheckpointTag.u32("vmfskit.pageCount", pageNumbers.length),
        new CheckpointTag("vmfskit.pageList", List.of(), list.array()),
        new CheckpointTag("vmfskit.pages", List.of(), pageData));
    return new CheckpointGroup(GROUP, tags);
  }

  /** Reads the delta from a checkpoint's {@code memory} group. */
  public static MemoryDelta fromGroup(CheckpointGroup group, String path) throws CorruptStructureException {
    String structure = "Checkpoint memory group in " + path;
    long regionPages = number(group, "regionSize", structure, 0);
    long parent = number(group, "vmfskit.memoryParent", structure);
    long count = number(group, "vmfskit.pageCount", structure);
    byte[] list = group.tag("vmfskit.pageList").orElseThrow(() -> missing(structure, "vmfskit.pageList")).data();
    byte[] pages = group.tag("vmfskit.pages").orElseThrow(() -> missing(structure, "vmfskit.pages")).data();
    if (regionPages > Integer.MAX_VALUE || parent > Integer.MAX_VALUE) {
      throw Corrupt.range(structure, 0, "regionSize", 0, Integer.MAX_VALUE, regionPages);
    }
    if (list.length != count * 4 || pages.length != count * MemoryImage.PAGE) {
      throw Corrupt.defect(structure, 0, "vmfskit.pageCount", "page list or data length disagrees with the count",
          count * 4 + " and " + count * MemoryImage.PAGE + " bytes", list.length + " and " + pages.length);
    }
    ByteBuffer numbers = ByteBuffer.wrap(list).order(ByteOrder.LITTLE_ENDIAN);
    int[] out = new int[(int) count];
    for (int i = 0; i < count; i++) {
      out[i] = numbers.getInt(i * 4);
      if (out[i] < 0 || out[i] >= regionPages || (i > 0 && out[i] <= out[i - 1])) {
        throw Corrupt.defect(structure, i * 4L, "vmfskit.pageList[" + i + "]", "page numbers must ascend within the region",
            "(" + (i > 0 ? out[i - 1] : -1) + ", " + regionPages + ")", out[i]);
      }
    }
    return new MemoryDelta((int) parent, regionPages * MemoryImage.PAGE, out, pages);
  }

  private static long number(CheckpointGroup group, String name, String structure, Integer... indices) throws CorruptStructureException {
    CheckpointTag tag = group.tag(name, indices).orElseThrow(() -> missing(structure, name));
    return tag.number().orElseThrow(() -> Corrupt.defect(structure, 0, name, "tag is not a number", "1, 2, 4 or 8 bytes", tag.data().length));
  }

  private static CorruptStructureException missing(String structure, String name) {
    return Corrupt.defect(structure, 0, name, "missing tag " + name, "present", "absent");
  }

  /** Returns this delta overlaid by {@code top} (top's pages win), relative to this delta's parent. */
  public MemoryDelta overlaidBy(MemoryDelta top) {
    checkArgument(top.sizeBytes == sizeBytes, "memory sizes differ");
    java.util.TreeMap<Integer, byte[]> merged = new java.util.TreeMap<>();
    for (int i = 0; i < pageCount(); i++) {
      merged.put(pageNumbers[i], java.util.Arrays.copyOfRange(pageData, i * MemoryImage.PAGE, (i + 1) * MemoryImage.PAGE));
    }
    for (int i = 0; i < top.pageCount(); i++) {
      merged.put(top.pageNumbers[i], java.util.Arrays.copyOfRange(top.pageData, i * MemoryImage.PAGE, (i + 1) * MemoryImage.PAGE));
    }
    return of(memoryParent, sizeBytes, merged);
  }

}
