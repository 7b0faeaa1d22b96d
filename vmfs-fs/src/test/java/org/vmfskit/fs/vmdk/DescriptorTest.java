package org.vmfskit.fs.vmdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.ResourceLimitException;
import org.vmfskit.fs.format.UnsupportedFormatException;

class DescriptorTest {

  private static final String ESX_DELTA = """
      # Disk DescriptorFile
      version=1
      encoding="UTF-8"
      CID=8776cf53
      parentCID=fffffffe
      isNativeSnapshot="no"
      createType="vmfsSparse"
      parentFileNameHint="/vmfs/volumes/5e1f2a3b-11223344-aabb-001122334455/vm/vm.vmdk"
      futureKey="kept"

      # Extent description
      RW 131072 VMFSSPARSE "vm-000001-delta.vmdk"

      # The Disk Data Base
      #DDB

      ddb.longContentID = "0123456789abcdef0123456789abcdef"
      ddb.adapterType = "lsilogic"
      ddb.zzz = "last"
      ddb.aaa = "after"
      """;

  private static Descriptor parse(String text) throws Exception {
    return Descriptor.parse(text.getBytes(StandardCharsets.UTF_8), 0);
  }

  @Test
  void parse_esxDelta_readsHeaderExtentsAndDdb() throws Exception {
    Descriptor d = parse(ESX_DELTA);
    assertThat(d.createType()).isEqualTo("vmfsSparse");
    assertThat(d.cid()).isEqualTo(0x8776cf53L);
    assertThat(d.parentCid()).isEqualTo(0xfffffffeL);
    assertThat(d.parentFileNameHint()).contains("/vmfs/volumes/5e1f2a3b-11223344-aabb-001122334455/vm/vm.vmdk");
    assertThat(d.extents()).containsExactly(new Descriptor.ExtentLine(
        Descriptor.Access.RW, 131072, Descriptor.ExtentType.VMFSSPARSE, "vm-000001-delta.vmdk", -1));
    assertThat(d.capacitySectors()).isEqualTo(131072);
  }

  @Test
  void rewrite_keepsUnknownKeysAndDdbOrder() throws Exception {
    Descriptor d = parse(ESX_DELTA).withCid(0x1234abcdL);
    String text = d.toText();
    Descriptor again = parse(text);
    assertThat(again).isEqualTo(d);
    assertThat(again.get("futureKey")).contains("kept");
    assertThat(again.ddb().stream().map(Descriptor.Entry::key).toList())
        .containsExactly("ddb.longContentID", "ddb.adapterType", "ddb.zzz", "ddb.aaa");
    assertThat(text).contains("\nCID=1234abcd\nparentCID=fffffffe\n").contains("\nddb.zzz = \"last\"\n");
    assertThat(text.lines().filter(l -> !l.startsWith("#")).findFirst()).contains("version=1");
  }

  @Test
  void toText_base_matchesQemuStrictSyntax() {
    Descriptor d = Descriptor.of("vmfs", 0xabcdef01L, Descriptor.NO_PARENT_CID,
            List.of(new Descriptor.ExtentLine(Descriptor.Access.RW, 2048, Descriptor.ExtentType.VMFS, "a-flat.vmdk", -1)))
        .withDdb("ddb.thinProvisioned", "1");
    assertThat(d.toText()).isEqualTo("""
        # Disk DescriptorFile
        version=1
        encoding="UTF-8"
        CID=abcdef01
        parentCID=ffffffff
        isNativeSnapshot="no"
        createType="vmfs"

        # Extent description
        RW 2048 VMFS "a-flat.vmdk"

        # The Disk Data Base
        #DDB

        ddb.thinProvisioned = "1"
        """);
  }

  @ParameterizedTest
  @ValueSource(strings = {"vmfs", "vmfsSparse", "seSparse", "monolithicFlat", "twoGbMaxExtentFlat",
      "twoGbMaxExtentSparse", "monolithicSparse", "streamOptimized", "vmfsThin", "vmfsPreallocated",
      "vmfsEagerZeroedThick", "vmfsRDM", "vmfsRawDeviceMap", "vmfsRDMP", "vmfsPassthroughRawDeviceMap",
      "vmfsRaw", "fullDevice", "partitionedDevice", "custom"})
  void parse_everyCreateType_roundTrips(String type) throws Exception {
    Descriptor d = Descriptor.of(type, 1, Descriptor.NO_PARENT_CID,
        List.of(new Descriptor.ExtentLine(Descriptor.Access.RW, 8, Descriptor.ExtentType.FLAT, "x-f001.vmdk", 0)));
    assertThat(parse(d.toText())).isEqualTo(d);
  }

  @Test
  void parse_unknownCreateType_throwsUnsupported() {
    assertThatThrownBy(() -> parse("version=1\nCID=1\nparentCID=ffffffff\ncreateType=\"weird\"\n"))
        .isInstanceOf(UnsupportedFormatException.class).hasMessageContaining("weird");
  }

  @Test
  void parse_badLine_reportsLineNumberAndByteOffset() {
    String text = "version=1\nCID=1\nparentCID=ffffffff\ncreateType=\"vmfs\"\nRW 10 VMFS base-flat.vmdk\n";
    assertThatThrownBy(() -> parse(text))
        .isInstanceOf(CorruptStructureException.class)
        .hasMessageContaining("line 5")
        .hasMessageContaining("0x" + Integer.toHexString(text.indexOf("RW")));
  }

  @Test
  void parse_overOneMiB_throwsResourceLimit() {
    byte[] huge = new byte[Descriptor.MAX_SIZE + 1];
    java.util.Arrays.fill(huge, (byte) '#');
    assertThatThrownBy(() -> Descriptor.parse(huge, 0)).isInstanceOf(ResourceLimitException.class);
  }
}
