package org.vmfskit.fs.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmfskit.fs.check.VolumeChecker;
import org.vmfskit.fs.device.CopyOnWriteBlockDevice;
import org.vmfskit.fs.device.FaultInjectingBlockDevice;
import org.vmfskit.fs.device.FaultInjectingBlockDevice.PowerCutException;
import org.vmfskit.fs.device.ReadOnlyBlockDevice;
import org.vmfskit.fs.device.SparseMemoryBlockDevice;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.testing.Images;
import org.vmfskit.fs.testing.WriteRecorder;
import org.vmfskit.fs.volume.Geometry;

class JournalTest {

  private static final long AREA = Geometry.deviceOffset(Journal.LOGICAL_OFFSET);

  @Test
  void record_roundTrips_withTheDocumentedLayout() throws IOException {
    byte[] data = new byte[3 * 512];
    data[0] = 7;
    data[1024] = 9;
    JournalRecord record = new JournalRecord(5, List.of(new JournalRecord.Run(0x2000000, 2), new JournalRecord.Run(0x3000000, 1)),
        new int[] {11, 12, 13}, data);
    ByteBuffer encoded = record.encode();
    assertThat(encoded.capacity()).isEqualTo(512 + 3 * 512);
    assertThat(encoded.order(ByteOrder.LITTLE_ENDIAN).getInt(0x40)).as("first before-CRC after the two runs").isEqualTo(11);
    assertThat(encoded.order(ByteOrder.LITTLE_ENDIAN).getLong(0)).isEqualTo(JournalRecord.MAGIC);
    assertThat(encoded.getLong(0x08)).isEqualTo(5);
    assertThat(encoded.getInt(0x10)).isEqualTo(2);
    assertThat(encoded.getInt(0x14)).isEqualTo(3);
    assertThat(encoded.getLong(0x20)).isEqualTo(0x2000000);
    assertThat(encoded.getInt(0x28)).isEqualTo(2);
    assertThat(encoded.get(512)).isEqualTo((byte) 7);
    JournalRecord decoded = JournalRecord.decode(encoded, AREA + 512, AREA + Journal.AREA_BYTES, 1L << 32).orElseThrow();
    assertThat(decoded.sequence()).isEqualTo(5);
    assertThat(decoded.runs()).isEqualTo(record.runs());
    assertThat(decoded.data()).isEqualTo(data);
    assertThat(decoded.before()).containsExactly(11, 12, 13);
  }

  @Test
  void tornRecord_isIgnored_andAnImpossibleOneIsCorruption() throws IOException {
    byte[] data = new byte[512];
    data[100] = 1;
    JournalRecord record = new JournalRecord(2, List.of(new JournalRecord.Run(0x2000000, 1)), new int[1], data);
    ByteBuffer encoded = record.encode();
    ByteBuffer torn = ByteBuffer.allocate(encoded.capacity()).put(encoded.duplicate().limit(512)).clear();
    assertThat(JournalRecord.decode(torn, AREA + 512, AREA + Journal.AREA_BYTES, 1L << 32)).isEmpty();

    // A good checksum over a run that would write into the journal area itself.
    JournalRecord inside = new JournalRecord(2, List.of(new JournalRecord.Run(AREA, 1)), new int[1], new byte[512]);
    assertThatThrownBy(() -> JournalRecord.decode(inside.encode(), AREA + 512, AREA + Journal.AREA_BYTES, 1L << 32))
        .isInstanceOf(CorruptStructureException.class)
        .hasMessageContaining("JournalRecord at 0x" + Long.toHexString(AREA + 512 + 0x20).toUpperCase());
  }

  @Test
  void header_withABadChecksum_isCorruptionNamingItsOffset() {
    ByteBuffer header = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
    new JournalHeader(Journal.AREA_BYTES, 4).encode(header, 0);
    header.put(0x10, (byte) 5);
    assertThatThrownBy(() -> JournalHeader.decode(header, 0, AREA))
        .isInstanceOf(CorruptStructureException.class)
        .hasMessageContaining("JournalHeader").hasMessageContaining("crc32c");
  }

  /** A cut right after the record reached the device: the change is in the journal only. */
  private static SparseMemoryBlockDevice cutAfterRecord() throws IOException {
    SparseMemoryBlockDevice memory = new SparseMemoryBlockDevice(0);
    try (Vmfs vmfs = Vmfs.format(memory, Images.options(Images.GIB))) {
      vmfs.mkdir("/before");
    }
    // A dry run on a copy finds which write of the change is the record.
    WriteRecorder recorder = new WriteRecorder(new CopyOnWriteBlockDevice(memory));
    Vmfs.open(recorder).mkdir("/during");
    int record = recorder.offsets().indexOf(AREA) + 1;
    assertThat(record).as("the change's record write").isPositive().isLessThan(recorder.offsets().size());
    FaultInjectingBlockDevice faulty = new FaultInjectingBlockDevice(memory, record + 1, FaultInjectingBlockDevice.Mode.DROP, 0);
    Vmfs vmfs = Vmfs.open(faulty);
    assertThatThrownBy(() -> vmfs.mkdir("/during")).isInstanceOf(PowerCutException.class);
    return memory;
  }

  @Test
  void readOnlyOpen_replaysAPendingRecordInMemory_andWritesNothing() throws IOException {
    SparseMemoryBlockDevice memory = cutAfterRecord();
    FaultInjectingBlockDevice counting = new FaultInjectingBlockDevice(memory);
    try (Vmfs vmfs = Vmfs.open(new ReadOnlyBlockDevice(counting))) {
      assertThat(vmfs.volume().journal().pending()).isPresent();
      assertThat(vmfs.exists("/during")).isTrue();
      assertThat(VolumeChecker.check(vmfs).problems()).isEmpty();
      assertThat(vmfs.volume().info().journal()).contains("replayed in memory");
    }
    assertThat(counting.writes()).isZero();
    // The device itself still holds the change in the journal only.
    assertThat(Journal.read(memory).pending()).isPresent();
  }

  @Test
  void writableOpen_replaysThePendingRecordOnce() throws IOException {
    SparseMemoryBlockDevice memory = cutAfterRecord();
    try (Vmfs before = Vmfs.open(new ReadOnlyBlockDevice(memory))) {
      // Without the journal the in-place state lacks the change (the cut came before it).
      assertThat(before.volume().journal().pending()).isPresent();
    }
    try (Vmfs vmfs = Vmfs.open(memory)) {
      assertThat(vmfs.exists("/during")).isTrue();
      assertThat(VolumeChecker.check(vmfs).problems()).isEmpty();
    }
    Journal again = Journal.read(memory);
    assertThat(again.state()).isEqualTo(Journal.State.ACTIVE);
    assertThat(again.pending()).isEmpty();
  }

  @Test
  void aRecordWhoseSectorsAnotherWriterChanged_isNotReplayed_andNeverWillBe() throws IOException {
    SparseMemoryBlockDevice memory = cutAfterRecord();
    JournalRecord record = Journal.read(memory).pending().orElseThrow();
    // What a program that does not know the journal might do after the crash: change a sector the
    // record would write (here the first one), so it holds neither the old nor the new bytes.
    long target = record.runs().getFirst().deviceOffset();
    byte[] foreign = new byte[512];
    java.util.Arrays.fill(foreign, (byte) 0x77);
    memory.write(target, ByteBuffer.wrap(foreign));
    try (Vmfs vmfs = Vmfs.open(new ReadOnlyBlockDevice(memory))) {
      assertThat(vmfs.volume().journal().pending()).isEmpty();
      assertThat(vmfs.volume().journal().status()).contains("not replayed").contains(Long.toHexString(target));
    }
    Vmfs.open(memory).close();
    ByteBuffer now = ByteBuffer.allocate(512);
    memory.readFully(target, now);
    assertThat(now.array()).as("the other writer's bytes are kept").isEqualTo(foreign);
    assertThat(Journal.read(memory).pending()).isEmpty();
  }

  @Test
  void mkfsOverAnOldVolume_neverReplaysItsJournal() throws IOException {
    SparseMemoryBlockDevice memory = cutAfterRecord();
    assertThat(Journal.read(memory).pending()).isPresent();
    Vmfs.format(memory, Images.options(Images.GIB)).close();
    Journal fresh = Journal.read(memory);
    assertThat(fresh.pending()).isEmpty();
    // (mkfs does not clear the old volume's FD slots, so the checker would report them; the CLI
    // always formats a new image file.)
    try (Vmfs vmfs = Vmfs.open(memory)) {
      assertThat(vmfs.exists("/during")).isFalse();
      assertThat(vmfs.exists("/before")).isFalse();
      assertThat(vmfs.list("/")).allMatch(stat -> stat.type() == org.vmfskit.fs.format.FileType.SYSTEM);
    }
  }

  @Test
  void damagedHeader_refusesAWritableOpen_butAReadOnlyOneStillReads() throws IOException {
    SparseMemoryBlockDevice memory = new SparseMemoryBlockDevice(0);
    try (Vmfs vmfs = Vmfs.format(memory, Images.options(Images.GIB))) {
      vmfs.mkdir("/kept");
    }
    memory.write(AREA + 0x10, ByteBuffer.wrap(new byte[] {(byte) 0xEE}));
    assertThatThrownBy(() -> Vmfs.open(memory))
        .isInstanceOf(CorruptStructureException.class)
        .hasMessageContaining("JournalHeader at 0x" + Long.toHexString(AREA + 0x18).toUpperCase());
    try (Vmfs vmfs = Vmfs.open(new ReadOnlyBlockDevice(memory))) {
      assertThat(vmfs.exists("/kept")).isTrue();
      assertThat(vmfs.volume().journal().state()).isEqualTo(Journal.State.DAMAGED);
      assertThat(vmfs.volume().info().journal()).startsWith("damaged, not replayed");
    }
  }

  @Test
  void foreignDataInTheArea_isNeverWritten_andChangesUseOrderedWrites() throws IOException {
    SparseMemoryBlockDevice memory = new SparseMemoryBlockDevice(0);
    Vmfs.format(memory, Images.options(Images.GIB)).close();
    // What another writer might keep there: no journal header, not all zeros.
    byte[] foreign = new byte[Journal.AREA_BYTES];
    java.util.Arrays.fill(foreign, (byte) 0x5A);
    memory.write(AREA, ByteBuffer.wrap(foreign));
    try (Vmfs vmfs = Vmfs.open(memory)) {
      vmfs.mkdir("/d");
      Images.createWith(vmfs, "/d/f", new byte[] {1, 2, 3});
      assertThat(vmfs.volume().journal().state()).isEqualTo(Journal.State.FOREIGN);
      assertThat(vmfs.volume().info().journal()).contains("ordered writes");
    }
    ByteBuffer area = ByteBuffer.allocate(Journal.AREA_BYTES);
    memory.readFully(AREA, area);
    assertThat(area.array()).isEqualTo(foreign);
    try (Vmfs vmfs = Vmfs.open(memory)) {
      assertThat(vmfs.list("/d")).hasSize(1);
      assertThat(VolumeChecker.check(vmfs).problems()).isEmpty();
    }
  }

  @Test
  void aChangeLargerThanARecord_fallsBackToOrderedWrites_andRetiresTheOldRecord() throws IOException {
    SparseMemoryBlockDevice memory = new SparseMemoryBlockDevice(0);
    try (Vmfs vmfs = Vmfs.format(memory, Images.options(Images.GIB))) {
      vmfs.mkdir("/a");
      JournaledBlockDevice device = (JournaledBlockDevice) vmfs.volume().device();
      long[] before = device.counts();
      // 3 MiB of staged bytes in free space: more than one record holds.
      long free = vmfs.volume().geometry().blockDeviceOffset(vmfs.volume().geometry().numBlocks() - 8);
      device.begin();
      device.write(free, ByteBuffer.wrap(new byte[3 << 20]).put(0, (byte) 1));
      device.end();
      assertThat(device.counts()[1]).isEqualTo(before[1] + 1);
      assertThat(Journal.read(memory).pending()).as("the old record must not be replayed over the ordered writes").isEmpty();
      ByteBuffer one = ByteBuffer.allocate(1);
      memory.readFully(free, one);
      assertThat(one.get(0)).isEqualTo((byte) 1);
    }
  }
}
