package org.vmfskit.fs.device.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmfskit.fs.compat.ExternalTool;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.device.FileChannelBlockDevice;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.TruncatedImageException;
import org.vmfskit.fs.testing.DiskImages;
import org.vmfskit.fs.testing.Images;

/**
 * EWF segment sets made by {@code ewfacquire} (the libewf oracle) from a raw datastore and from a
 * GPT disk: read byte-identical to the raw, recorded hashes equal to the raw's, damage reported
 * with the segment file and offset.
 */
class EwfImageTest {

  private static final byte[] RANDOM = Images.content(11, 3_000_000);
  private static final byte[] TEXT = "the quick brown fox jumps over the lazy dog\n".repeat(50_000).getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  @TempDir
  static Path dir;
  static Path raw;
  static Path first;

  @BeforeAll
  static void acquire() throws Exception {
    assumeTrue(ExternalTool.available("ewfacquire"), "ewfacquire (ewf-tools) not installed");
    raw = dir.resolve("ds.img");
    try (Vmfs vmfs = Vmfs.format(FileChannelBlockDevice.create(raw, 0), Images.options(256L << 20))) {
      Images.createWith(vmfs, "/random.bin", RANDOM);
      Images.createWith(vmfs, "/text.txt", TEXT);
    }
    first = ewfacquire(raw, dir.resolve("ds"));
  }

  /** Runs ewfacquire with 1 MiB segments (to force a set), fast deflate and SHA-1; returns the .E01. */
  static Path ewfacquire(Path source, Path target) throws Exception {
    ExternalTool.Result result = ExternalTool.run(300, "ewfacquire", "-u", "-q", "-t", target.toString(), "-c", "deflate:fast",
        "-S", "1M", "-d", "sha1", source.toString());
    assertThat(result.exitCode()).as(result.stderr() + result.stdout()).isZero();
    return target.resolveSibling(target.getFileName() + ".E01");
  }

  @Test
  void segmentSet_readsByteIdenticalToTheRawImage() throws Exception {
    try (EwfImage ewf = EwfImage.open(first); BlockDevice plain = FileChannelBlockDevice.openReadOnly(raw)) {
      assertThat(ewf.segments()).hasSizeGreaterThan(2);
      assertThat(ewf.segments().get(1).getFileName()).hasToString("ds.E02");
      assertThat(ewf.size()).isEqualTo(plain.size());
      MessageDigest md5 = MessageDigest.getInstance("MD5");
      MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
      int step = 1 << 20;
      for (long at = 0; at < plain.size(); at += step) {
        int n = (int) Math.min(step, plain.size() - at);
        byte[] expected = Images.raw(plain, at, n);
        byte[] actual = Images.raw(ewf, at, n);
        assertThat(Arrays.equals(expected, actual)).as("MiB at 0x%x", at).isTrue();
        md5.update(expected);
        sha1.update(expected);
      }
      assertThat(ewf.hashes().md5()).hasValue(HexFormat.of().formatHex(md5.digest()));
      assertThat(ewf.hashes().sha1()).hasValue(HexFormat.of().formatHex(sha1.digest()));
      // An unaligned read across a chunk boundary.
      assertThat(Images.raw(ewf, 32768 * 700 - 5, 11)).isEqualTo(Images.raw(plain, 32768 * 700 - 5, 11));
    }
  }

  @Test
  void segmentSet_opensAsADatastoreByContent() throws IOException {
    try (OpenedImage opened = ImageOpener.open(first, OptionalInt.empty()); Vmfs vmfs = Vmfs.open(opened.device())) {
      assertThat(opened.layout().container()).isEqualTo(ImageLayout.Container.EWF);
      assertThat(String.join("\n", opened.layout().describe())).contains("Acquired MD5:", "Acquired SHA1:", "segment file(s) ds.E01 .. ds.E0");
      assertThat(Images.readAll(vmfs.openFile("/random.bin"))).isEqualTo(RANDOM);
      assertThat(Images.readAll(vmfs.openFile("/text.txt"))).isEqualTo(TEXT);
    }
  }

  @Test
  void segmentSetOfAGptDisk_opensTheVmfsPartition() throws Exception {
    Path disk = dir.resolve("disk.img");
    DiskImages.gpt(disk, DiskImages.esxi7(vmfs -> Images.createWith(vmfs, "/random.bin", RANDOM)));
    Path e01 = ewfacquire(disk, dir.resolve("disk"));
    try (OpenedImage opened = ImageOpener.open(e01, OptionalInt.empty()); Vmfs vmfs = Vmfs.open(opened.device())) {
      assertThat(opened.layout().partition()).hasValue(8);
      assertThat(Images.readAll(vmfs.openFile("/random.bin"))).isEqualTo(RANDOM);
    }
  }

  @Test
  void damagedChunk_isReportedWithTheSegmentFileAndOffset() throws IOException {
    Path copy = copySet("damaged");
    Path second = copy.resolveSibling("ds.E02");
    EwfSection sectors = section(second, "sectors");
    DiskImages.flip(second, sectors.dataOffset() + 100);
    try (EwfImage ewf = EwfImage.open(copy)) {
      assertThatThrownBy(() -> DiskImages.readThrough(ewf))
          .isInstanceOf(CorruptStructureException.class)
          .hasMessageMatching("EWF chunk \\d+ in .*ds\\.E02 at 0x%x: (Adler-32 mismatch|damaged zlib data).*".formatted(sectors.dataOffset()))
          .hasMessageNotContaining("\n");
    }
  }

  @Test
  void damagedTable_fallsBackToTable2() throws IOException {
    Path copy = copySet("table2");
    Path second = copy.resolveSibling("ds.E02");
    DiskImages.flip(second, section(second, "table").dataOffset() + EwfTable.HEADER_SIZE + 4);
    try (EwfImage ewf = EwfImage.open(copy); BlockDevice plain = FileChannelBlockDevice.openReadOnly(raw)) {
      assertThat(Images.raw(ewf, 0, 4 << 20)).isEqualTo(Images.raw(plain, 0, 4 << 20));
    }
  }

  @Test
  void damagedSectionDescriptor_failsWithItsOffset() throws IOException {
    Path copy = copySet("descriptor");
    DiskImages.flip(copy, EwfImage.FILE_HEADER_SIZE + 3);
    assertThatThrownBy(() -> EwfImage.open(copy))
        .isInstanceOf(CorruptStructureException.class)
        .hasMessageStartingWith("EWF section descriptor in " + copy + " at 0xd: Adler-32 mismatch");
  }

  @Test
  void missingSegment_isNamed() throws IOException {
    Path copy = copySet("missing");
    Files.delete(copy.resolveSibling("ds.E02"));
    assertThatThrownBy(() -> EwfImage.open(copy))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining("ds.E02")
        .hasMessageContaining("EWF segment 2 is missing");
  }

  @Test
  void truncatedLastSegment_failsAsTruncated() throws IOException {
    Path copy = copySet("truncated");
    List<Path> segments;
    try (EwfImage ewf = EwfImage.open(copy)) {
      segments = ewf.segments().stream().map(p -> copy.resolveSibling(p.getFileName())).toList();
    }
    try (FileChannel channel = FileChannel.open(segments.getLast(), StandardOpenOption.WRITE)) {
      channel.truncate(channel.size() / 2);
    }
    assertThatThrownBy(() -> EwfImage.open(copy)).isInstanceOf(TruncatedImageException.class)
        .hasMessageContaining(segments.getLast().getFileName().toString())
        .hasMessageContaining("image ends before the structure");
  }

  @Test
  void laterSegment_givenFirst_isRefused() throws IOException {
    assertThatThrownBy(() -> EwfImage.open(first.resolveSibling("ds.E02")))
        .isInstanceOf(CorruptStructureException.class)
        .hasMessageContaining("not the first segment of its set; open the .E01 file");
  }

  @Test
  void segmentNames_followE01ToE99ThenEaa() {
    Path one = Path.of("/x/case.E01");
    assertThat(EwfImage.segmentPath(one, 2)).hasToString("/x/case.E02");
    assertThat(EwfImage.segmentPath(one, 99)).hasToString("/x/case.E99");
    assertThat(EwfImage.segmentPath(one, 100)).hasToString("/x/case.EAA");
    assertThat(EwfImage.segmentPath(one, 775)).hasToString("/x/case.EZZ");
    assertThat(EwfImage.segmentPath(one, 776)).hasToString("/x/case.FAA");
    assertThat(EwfImage.segmentPath(Path.of("case.e01"), 101)).hasToString("case.eab");
  }

  private static Path copySet(String name) throws IOException {
    Path target = Files.createDirectories(dir.resolve(name));
    try (EwfImage ewf = EwfImage.open(first)) {
      for (Path segment : ewf.segments()) {
        Files.copy(segment, target.resolve(segment.getFileName()));
      }
    }
    return target.resolve("ds.E01");
  }

  private static EwfSection section(Path segment, String type) throws IOException {
    try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.READ)) {
      long offset = EwfImage.FILE_HEADER_SIZE;
      while (true) {
        ByteBuffer buffer = ByteBuffer.allocate(EwfSection.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        channel.read(buffer, offset);
        EwfSection section = EwfSection.decode(buffer, offset, segment.toString());
        if (section.type().equals(type)) {
          return section;
        }
        offset = section.nextOffset();
      }
    }
  }
}
