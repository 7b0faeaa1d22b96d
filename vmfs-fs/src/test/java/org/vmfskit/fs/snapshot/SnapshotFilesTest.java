package org.vmfskit.fs.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.vmfskit.fs.format.CorruptStructureException;

/** The .vmx and .vmsd text formats: parsing, round trips, VMware's |XX escapes and bad input. */
class SnapshotFilesTest {

  private static final String VMSD = """
      .encoding = "UTF-8"
      snapshot.lastUID = "3"
      snapshot.current = "3"
      snapshot.numSnapshots = "2"
      snapshot0.uid = "1"
      snapshot0.filename = "vm-Snapshot1.vmsn"
      snapshot0.displayName = "clean"
      snapshot0.description = "say |22hi|22"
      snapshot0.type = "1"
      snapshot0.createTimeHigh = "310880"
      snapshot0.createTimeLow = "-365210110"
      snapshot0.numDisks = "1"
      snapshot0.disk0.fileName = "vm.vmdk"
      snapshot0.disk0.node = "scsi0:0"
      snapshot1.uid = "3"
      snapshot1.parent = "1"
      snapshot1.filename = "vm-Snapshot3.vmsn"
      snapshot1.displayName = "later"
      snapshot1.createTimeHigh = "310880"
      snapshot1.createTimeLow = "-365210110"
      snapshot1.numDisks = "1"
      snapshot1.disk0.fileName = "vm-000001.vmdk"
      snapshot1.disk0.node = "scsi0:0"
      """;

  @Test
  void vmsd_parsesThePublicSampleTimestampAndTree() throws Exception {
    SnapshotTree tree = SnapshotTree.parse(VMSD.getBytes(StandardCharsets.UTF_8), "vm.vmsd");
    assertThat(tree.current()).contains(3);
    SnapshotEntry clean = tree.find(1).orElseThrow();
    assertThat(Instant.ofEpochSecond(clean.createTimeMicros() / 1_000_000)).isEqualTo(Instant.parse("2012-04-23T23:22:42Z"));
    assertThat(clean.createTimeLow()).isEqualTo(-365210110);
    assertThat(clean.description()).isEqualTo("say \"hi\"");
    assertThat(tree.children(1)).extracting(SnapshotEntry::uid).containsExactly(3);
    SnapshotTree again = SnapshotTree.parse(tree.toBytes(), "again");
    assertThat(again).isEqualTo(tree);
    assertThat(new String(tree.toBytes(), StandardCharsets.UTF_8)).contains("snapshot0.description = \"say |22hi|22\"");
  }

  @Test
  void vmsd_emptyFileIsAnEmptyTree_andUidsAreNeverReused() throws Exception {
    assertThat(SnapshotTree.parse(new byte[0], "x")).isEqualTo(SnapshotTree.empty());
    assertThat(SnapshotTree.empty().toBytes()).isEmpty();
    SnapshotTree none = new SnapshotTree(5, Optional.empty(), false, List.of());
    assertThat(SnapshotTree.parse(none.toBytes(), "x").lastUid()).isEqualTo(5);
  }

  @Test
  void vmsd_badInput_givesCheckedExceptions() {
    assertThatThrownBy(() -> SnapshotTree.parse(VMSD.replace("snapshot1.parent = \"1\"", "snapshot1.parent = \"9\"").getBytes(), "p"))
        .isInstanceOf(CorruptStructureException.class).hasMessageContaining("parent");
    assertThatThrownBy(() -> SnapshotTree.parse(VMSD.replace("snapshot0.uid = \"1\"", "snapshot0.uid = \"3\"").getBytes(), "d"))
        .isInstanceOf(CorruptStructureException.class).hasMessageContaining("duplicate uid");
    assertThatThrownBy(() -> SnapshotTree.parse(VMSD.replace("snapshot1.parent = \"1\"", "snapshot1.parent = \"3\"").getBytes(), "loop"))
        .isInstanceOf(CorruptStructureException.class).hasMessageContaining("loop");
    assertThatThrownBy(() -> SnapshotTree.parse(VMSD.replace("\"2\"", "\"99999\"").getBytes(), "n"))
        .isInstanceOf(CorruptStructureException.class).hasMessageContaining("snapshot.numSnapshots");
    assertThatThrownBy(() -> VmxDictionary.parse("a = \"1\"\nno equals sign\n".getBytes(), "VmConfig in t.vmx"))
        .isInstanceOf(CorruptStructureException.class).hasMessageStartingWith("VmConfig in t.vmx at 0x8");
  }

  @Test
  void vmx_keepsUnknownKeysAndSwitchesTheDisk() throws Exception {
    String text = ".encoding = \"UTF-8\"\nmemSize = \"64\"\nethernet0.generatedAddress = \"00:0c:29:aa:bb:cc\"\n"
        + "scsi0:0.present = \"TRUE\"\nscsi0:0.fileName = \"vm.vmdk\"\nscsi0:1.present = \"FALSE\"\nscsi0:1.fileName = \"gone.vmdk\"\n";
    VmConfig config = VmConfig.parse(text.getBytes(), "vm.vmx");
    assertThat(config.memSizeBytes()).isEqualTo(64L << 20);
    assertThat(config.disks()).containsExactly(new VmConfig.Disk("scsi0:0", "vm.vmdk"));
    String rewritten = new String(config.withDisk("scsi0:0", "vm-000001.vmdk").toBytes(), StandardCharsets.UTF_8);
    assertThat(rewritten).contains("ethernet0.generatedAddress = \"00:0c:29:aa:bb:cc\"").contains("scsi0:0.fileName = \"vm-000001.vmdk\"")
        .doesNotContain("\"vm.vmdk\"");
    assertThat(rewritten.indexOf("scsi0:0.fileName")).isGreaterThan(rewritten.indexOf("scsi0:0.present"));
    assertThat(VmxDictionary.unescape(VmxDictionary.escape("a|b\"c\nd"))).isEqualTo("a|b\"c\nd");
  }

  @Test
  void mutatedCheckpointsAndVmsd_onlyThrowCheckedFormatExceptions() throws Exception {
    java.util.TreeMap<Integer, byte[]> pages = new java.util.TreeMap<>();
    pages.put(3, new byte[MemoryImage.PAGE]);
    pages.get(3)[7] = 1;
    pages.put(9, pages.get(3).clone());
    Checkpoint checkpoint = new Checkpoint(Checkpoint.MAGIC, List.of(
        new CheckpointGroup("Checkpoint", List.of(CheckpointTag.u32("vmfskit.uid", 1))),
        MemoryDelta.of(0, 1 << 20, pages).toGroup()));
    byte[] good = checkpoint.toBytes();
    assertThat(MemoryDelta.fromGroup(Checkpoint.decode(good, "ok").group("memory").orElseThrow(), "ok").pageNumbers()).containsExactly(3, 9);
    java.util.SplittableRandom random = new java.util.SplittableRandom(77);
    for (int round = 0; round < 3000; round++) {
      byte[] bad = good.clone();
      for (int k = 1 + random.nextInt(4); k > 0; k--) {
        int at = random.nextInt(Math.min(bad.length, random.nextBoolean() ? 400 : bad.length));
        bad[at] = (byte) random.nextInt(256);
      }
      try {
        Checkpoint decoded = Checkpoint.decode(bad, "fuzz");
        var memory = decoded.group("memory");
        if (memory.isPresent()) {
          MemoryDelta.fromGroup(memory.get(), "fuzz");
        }
      } catch (org.vmfskit.fs.format.VmfsFormatException expected) {
        assertThat(expected.getMessage()).contains("fuzz");
      }
    }
    byte[] vmsd = VMSD.getBytes(StandardCharsets.UTF_8);
    for (int round = 0; round < 3000; round++) {
      byte[] bad = vmsd.clone();
      String alphabet = "0129\"=\n -|x";
      bad[random.nextInt(bad.length)] = (byte) alphabet.charAt(random.nextInt(alphabet.length()));
      try {
        SnapshotTree.parse(bad, "fuzz.vmsd");
      } catch (org.vmfskit.fs.format.VmfsFormatException expected) {
        assertThat(expected.getMessage()).contains("fuzz.vmsd");
      }
    }
  }
}
