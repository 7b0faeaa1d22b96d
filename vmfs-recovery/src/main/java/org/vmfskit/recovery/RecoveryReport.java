package org.vmfskit.recovery;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import org.vmfskit.fs.device.BlockDevice;

/**
 * What {@code recover} did: the scan, the files written with their SHA-256, the input image's
 * SHA-256 (read once, while the scan ran) and the proof it was not changed.
 *
 * @param image the input image
 * @param imageSha256 SHA-256 of the whole image, computed while scanning and writing
 * @param imageSha256After SHA-256 of the whole image computed again after writing ({@code --verify-after}), or null
 * @param evidenceBefore the image file's size, mtime and ctime before the run, or null without a host file
 * @param evidenceAfter the same after the run
 * @param imageUnchanged whether the stats (and, when computed, the two hashes) are equal
 * @param unchangedProof how {@code imageUnchanged} was established
 * @param scan the scan
 * @param recovered one entry per candidate written
 */
public record RecoveryReport(String image, String imageSha256, String imageSha256After, EvidenceStat evidenceBefore,
    EvidenceStat evidenceAfter, boolean imageUnchanged, String unchangedProof, ScanReport scan, List<Recovered> recovered) {

  /**
   * One rebuilt delta.
   *
   * @param candidateId the candidate
   * @param directory output directory
   * @param parentDescriptor the copied parent descriptor (file name in {@code directory})
   * @param deltaDescriptor the recovered delta's descriptor, or null when the chain was not written
   * @param deltaExtent the recovered COWD extent, or null
   * @param flattened the flattened full-disk VMDK (descriptor or monolithicSparse file), or null when not written
   * @param flattenedFormat {@code flat} or {@code monolithicSparse}, or null
   * @param notes what the output leaves out and why
   * @param outputs every file written, with size and SHA-256
   */
  public record Recovered(String candidateId, String directory, String parentDescriptor, String deltaDescriptor, String deltaExtent,
      String flattened, String flattenedFormat, List<String> notes, List<OutputFile> outputs) {}

  /**
   * A written file.
   *
   * @param name path relative to the output root
   * @param bytes length
   * @param sha256 hex SHA-256
   */
  public record OutputFile(String name, long bytes, String sha256) {}

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** Returns the report as indented JSON. */
  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Returns a scan report as indented JSON. */
  public static String toJson(ScanReport scan) {
    try {
      return JSON.writeValueAsString(scan);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Returns the report as text. */
  public String toText() {
    StringBuilder out = new StringBuilder();
    out.append("vmfskit recovery report\n");
    out.append("image: ").append(image).append('\n');
    out.append("image SHA-256: ").append(imageSha256).append(imageUnchanged ? " (unchanged)" : " (CHANGED!)").append('\n');
    if (imageSha256After != null) {
      out.append("image SHA-256 after: ").append(imageSha256After).append('\n');
    }
    if (evidenceBefore != null) {
      out.append("image file before: %d bytes, mtime %s, ctime %s%n".formatted(evidenceBefore.size(), evidenceBefore.mtime(), evidenceBefore.ctime()));
      out.append("image file after:  %d bytes, mtime %s, ctime %s%n".formatted(evidenceAfter.size(), evidenceAfter.mtime(), evidenceAfter.ctime()));
    }
    out.append("unchanged because: ").append(unchangedProof).append('\n');
    out.append(describe(scan));
    for (Recovered r : recovered) {
      out.append("\nrecovered ").append(r.candidateId()).append(" into ").append(r.directory()).append('\n');
      if (r.deltaDescriptor() != null) {
        out.append("  delta: ").append(r.deltaDescriptor()).append(" + ").append(r.deltaExtent()).append(" (parent ").append(r.parentDescriptor()).append(")\n");
      }
      if (r.flattened() != null) {
        out.append("  flattened (").append(r.flattenedFormat()).append("): ").append(r.flattened()).append('\n');
      }
      r.notes().forEach(n -> out.append("  note: ").append(n).append('\n'));
      for (OutputFile f : r.outputs()) {
        out.append("  ").append(f.sha256()).append("  ").append(f.name()).append(" (").append(f.bytes()).append(" bytes)\n");
      }
    }
    return out.toString();
  }

  /** Returns a scan report as text. */
  public static String describe(ScanReport scan) {
    StringBuilder out = new StringBuilder();
    out.append("scan: %d free MAPs (%d empty), %d free FDs, %d free blocks carved; read %d bytes (%.4f%% of the volume) in %d ms%n"
        .formatted(scan.freeMapsExamined(), scan.freeMapsEmpty(), scan.freeFdsExamined(), scan.freeBlocksCarved(), scan.bytesRead(),
            scan.bytesReadPercent(), scan.elapsedMillis()));
    for (ScanReport.Candidate c : scan.candidates()) {
      out.append("%s: %s delta, header at 0x%x (%s), capacity %d sectors, grain %d, freeSector %d, %d grains used%n".formatted(c.id(),
          c.format(), c.headerDeviceOffset(), c.source(), c.capacitySectors(), c.grainSectors(), c.freeSector(), c.grainsUsed()));
      out.append("  file blocks %d of %d found; grains intact %d, suspect %d, overwritten %d, missing %d%s%n".formatted(c.fileBlocksFound(),
          c.fileBlocks(), c.grainsIntact(), c.grainsSuspect(), c.grainsOverwritten(), c.grainsMissing(), c.complete() ? " (complete)" : ""));
      for (ScanReport.MapPlacement m : c.maps()) {
        out.append("  MAP %d: %s%s%n".formatted(m.mapNumber(), m.pointerBlockIndex() < 0 ? "-" : "pb %d at 0x%x".formatted(m.pointerBlockIndex(),
            m.deviceOffset()), " (" + m.evidence() + ")"));
      }
      ranges(out, "overwritten", c.overwrittenRanges());
      ranges(out, "suspect", c.suspectRanges());
      ranges(out, "missing", c.missingRanges());
      if (c.match() == null) {
        out.append("  parent: none of the live disks has this capacity\n");
      } else {
        out.append("  parent: %s (CID %s), confidence %s; likely name %s%n".formatted(c.match().parentDescriptor(), c.match().parentCid(),
            c.match().confidence(), c.match().deltaName()));
        c.match().reasons().forEach(r -> out.append("    - ").append(r).append('\n'));
        if (!c.match().alternatives().isEmpty()) {
          out.append("    alternatives: ").append(c.match().alternatives()).append('\n');
        }
      }
      c.findings().forEach(f -> out.append("  ").append(f.severity()).append(": ").append(f.message()).append('\n'));
    }
    scan.rejected().forEach(f -> out.append("rejected: ").append(f.message()).append('\n'));
    scan.findings().forEach(f -> out.append(f.severity()).append(": ").append(f.message()).append('\n'));
    return out.toString();
  }

  private static void ranges(StringBuilder out, String label, List<ScanReport.SectorRange> ranges) {
    if (ranges.isEmpty()) {
      return;
    }
    out.append("  ").append(label).append(" guest sectors (").append(ranges.size()).append(" ranges):");
    int shown = 0;
    for (ScanReport.SectorRange r : ranges) {
      if (shown++ == 20) {
        out.append(" ... (all in report.json)");
        break;
      }
      out.append(' ').append(r.firstSector()).append('+').append(r.sectors());
    }
    out.append('\n');
  }

  /** Returns the SHA-256 of the whole device (lower-case hex). */
  public static String sha256(BlockDevice device) throws IOException {
    Hasher hasher = Hashing.sha256().newHasher();
    ByteBuffer buffer = ByteBuffer.allocateDirect(8 << 20);
    long size = device.size();
    for (long at = 0; at < size; ) {
      buffer.clear().limit((int) Math.min(buffer.capacity(), size - at));
      device.readFully(at, buffer);
      buffer.flip();
      at += buffer.remaining();
      hasher.putBytes(buffer);
    }
    return hasher.hash().toString();
  }

  /** Returns the SHA-256 of a host file (lower-case hex). */
  public static String sha256(Path file) throws IOException {
    Hasher hasher = Hashing.sha256().newHasher();
    ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      while (channel.read(buffer.clear()) >= 0) {
        hasher.putBytes(buffer.flip());
      }
    }
    return hasher.hash().toString();
  }

  /** A fresh SHA-256 digest for the hashes computed while streaming (image, outputs). */
  static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
