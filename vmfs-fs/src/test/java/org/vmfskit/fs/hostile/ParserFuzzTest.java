package org.vmfskit.fs.hostile;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.vmfskit.fs.device.SparseMemoryBlockDevice;
import org.vmfskit.fs.format.BlockAddress;
import org.vmfskit.fs.format.ClusterHeader;
import org.vmfskit.fs.format.DirEntry;
import org.vmfskit.fs.format.FileDescriptor;
import org.vmfskit.fs.format.FsDescriptor;
import org.vmfskit.fs.format.HeartbeatSlot;
import org.vmfskit.fs.format.LockBlock;
import org.vmfskit.fs.format.LvmHeader;
import org.vmfskit.fs.format.PointerBlock;
import org.vmfskit.fs.format.ResourceHeader;
import org.vmfskit.fs.format.VmfsFormatException;

/**
 * Jazzer fuzz targets for every file-system parser, and for a whole image (open, list, read,
 * check) with fuzzer-chosen metadata bytes changed. Only checked {@link IOException}s may leave a
 * parser; anything else is a finding. {@code ./mvnw test} replays the committed inputs in
 * {@code src/test/resources/org/vmfskit/fs/hostile/ParserFuzzTestInputs/<target>/};
 * {@code JAZZER_FUZZ=1} fuzzes (see RELIABILITY.md).
 */
class ParserFuzzTest {

  private static ByteBuffer padded(byte[] data, int size) {
    ByteBuffer buffer = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    buffer.put(data, 0, Math.min(data.length, size));
    return buffer.clear();
  }

  /** Runs a parser; format exceptions are the expected answer to garbage. */
  private interface Parse {
    void run() throws IOException;
  }

  private static void expectOnlyIoExceptions(Parse parse) {
    try {
      parse.run();
    } catch (VmfsFormatException e) {
      // rejected: fine
    } catch (IOException e) {
      // rejected: fine
    }
  }

  @FuzzTest(maxDuration = "30s")
  void lvmHeader(byte[] data) {
    expectOnlyIoExceptions(() -> LvmHeader.decode(padded(data, LvmHeader.SIZE), LvmHeader.IMAGE_OFFSET));
  }

  @FuzzTest(maxDuration = "30s")
  void fsDescriptor(byte[] data) {
    expectOnlyIoExceptions(() -> FsDescriptor.decode(padded(data, FsDescriptor.SIZE), 0x1300000));
  }

  @FuzzTest(maxDuration = "30s")
  void resourceHeader(byte[] data) {
    expectOnlyIoExceptions(() -> {
      ResourceHeader header = ResourceHeader.decode(padded(data, ResourceHeader.SIZE), 0x1500000, ".fdc.sf", 1024, FileDescriptor.SIZE);
      header.numClusters();
      header.clusterHeaderOffset(Math.max(0, header.numClusters() - 1));
      header.resourceOffset(0, 0);
    });
  }

  @FuzzTest(maxDuration = "30s")
  void clusterHeader(byte[] data) {
    expectOnlyIoExceptions(() -> ClusterHeader.decode(padded(data, ClusterHeader.SIZE), 0, ".fbb.sf", 0x1510000, LockBlock.MAGIC_FBB, 0, 0x1F0 * 8).freeBits());
  }

  @FuzzTest(maxDuration = "30s")
  void fileDescriptor(byte[] data) {
    expectOnlyIoExceptions(() -> {
      FileDescriptor fd = FileDescriptor.decode(padded(data, FileDescriptor.SIZE), 0, 0x1518000, 0x4);
      fd.addresses();
      if (fd.zla() == org.vmfskit.fs.format.AddressingMode.RESIDENT) {
        fd.residentContent();
      }
    });
  }

  @FuzzTest(maxDuration = "30s")
  void dirEntry(byte[] data) {
    expectOnlyIoExceptions(() -> {
      ByteBuffer buffer = padded(data, DirEntry.SIZE * 2);
      for (int offset = 0; offset < buffer.capacity(); offset += DirEntry.SIZE) {
        if (!DirEntry.isDeletedSlot(buffer, offset)) {
          DirEntry.decode(buffer, offset, 0x1600000L + offset);
        }
      }
    });
  }

  @FuzzTest(maxDuration = "30s")
  void pointerBlockAndAddresses(byte[] data) {
    expectOnlyIoExceptions(() -> {
      int[] entries = PointerBlock.decodeRaw(padded(data, 64 * 4), 64);
      for (int raw : entries) {
        BlockAddress.decode(raw, "PointerBlock", 0x1700000);
      }
    });
  }

  @FuzzTest(maxDuration = "30s")
  void heartbeatSlot(byte[] data) {
    expectOnlyIoExceptions(() -> HeartbeatSlot.decode(padded(data, HeartbeatSlot.SIZE), 0, 0x1400000));
  }

  @FuzzTest(maxDuration = "30s")
  void journalHeaderAndRecord(byte[] data) {
    long area = org.vmfskit.fs.volume.Geometry.deviceOffset(org.vmfskit.fs.journal.Journal.LOGICAL_OFFSET);
    expectOnlyIoExceptions(() -> {
      ByteBuffer buffer = padded(data, Math.max(org.vmfskit.fs.journal.JournalHeader.SIZE, data.length));
      if (org.vmfskit.fs.journal.JournalHeader.hasMagic(buffer, 0)) {
        org.vmfskit.fs.journal.JournalHeader.decode(buffer, 0, area);
      }
      org.vmfskit.fs.journal.JournalRecord.decode(buffer, area + 512, area + org.vmfskit.fs.journal.Journal.AREA_BYTES, 1L << 34);
    });
  }

  private static SparseMemoryBlockDevice template;
  private static List<HostileImages.Range> ranges;

  /**
   * Whole image: each 5-byte group of the input names a metadata range (u16), an offset in it
   * (u16) and a new byte value; at most 32 changes are applied to the template, the image is
   * exercised, and the changes are undone.
   */
  @FuzzTest(maxDuration = "60s")
  void wholeImage(byte[] data) throws IOException {
    synchronized (ParserFuzzTest.class) {
      if (template == null) {
        template = HostileImages.template();
        ranges = HostileImages.metadataRanges(template);
      }
      List<long[]> undo = new ArrayList<>();
      ByteBuffer input = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
      try {
        while (input.remaining() >= 5 && undo.size() < 32) {
          HostileImages.Range range = ranges.get(Short.toUnsignedInt(input.getShort()) % ranges.size());
          long offset = range.deviceOffset() + Short.toUnsignedInt(input.getShort()) % range.length();
          ByteBuffer old = ByteBuffer.allocate(1);
          template.readFully(offset, old);
          undo.add(new long[] {offset, old.get(0)});
          template.write(offset, ByteBuffer.wrap(new byte[] {input.get()}));
        }
        expectOnlyIoExceptions(() -> HostileImages.exercise(template));
      } finally {
        for (int i = undo.size() - 1; i >= 0; i--) {
          template.write(undo.get(i)[0], ByteBuffer.wrap(new byte[] {(byte) undo.get(i)[1]}));
        }
      }
    }
  }
}
