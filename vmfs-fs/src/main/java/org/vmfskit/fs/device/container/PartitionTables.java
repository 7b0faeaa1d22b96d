package org.vmfskit.fs.device.container;

import it.unimi.dsi.fastutil.longs.LongOpenHashSet;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.LittleEndian;
import org.vmfskit.fs.format.ResourceLimitException;
import org.vmfskit.fs.format.TruncatedImageException;

/**
 * Reads the partition table of a whole-disk image: a GPT (primary header, or the backup in the
 * last sector when the primary is damaged) or an MBR with its chain of extended boot records.
 * Sectors are 512 bytes; a 4Kn GPT (header at byte 4096) is found as well.
 */
public final class PartitionTables {

  /** Bytes per sector of MBR and 512e GPT disks. */
  public static final int SECTOR = 512;
  /** The boot-sector signature 0x55 0xAA at 0x1FE, read little-endian. */
  public static final int BOOT_SIGNATURE = 0xAA55;
  /** Bound on logical partitions followed in an extended partition. */
  static final int MAX_LOGICAL = 256;

  private static final Map<String, Partition.Kind> GPT_KINDS = Map.of(
      GptEntry.TYPE_VMFS, Partition.Kind.VMFS,
      GptEntry.TYPE_VMFS_L, Partition.Kind.VMFS_L,
      "9D275380-40AD-11DB-BF97-000C2911D1B8", Partition.Kind.VMKCORE,
      "C12A7328-F81F-11D2-BA4B-00A0C93EC93B", Partition.Kind.EFI_SYSTEM,
      "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7", Partition.Kind.BASIC_DATA);
  private static final Map<Integer, Partition.Kind> MBR_KINDS = Map.of(
      MbrPartitionEntry.TYPE_VMFS, Partition.Kind.VMFS, 0xFC, Partition.Kind.VMKCORE, 0xEF, Partition.Kind.EFI_SYSTEM,
      0x0B, Partition.Kind.BASIC_DATA, 0x0C, Partition.Kind.BASIC_DATA, 0x06, Partition.Kind.BASIC_DATA);

  private PartitionTables() {}

  /**
   * Returns the disk's partition table, or empty when the first sectors hold neither a GPT nor a
   * plausible MBR.
   *
   * @throws CorruptStructureException when a GPT is announced (signature or protective MBR) but
   *     neither copy decodes, or an extended-partition chain is damaged
   */
  public static Optional<PartitionTable> read(BlockDevice disk) throws IOException {
    long size = disk.size();
    if (size < 2 * SECTOR) {
      return Optional.empty();
    }
    ByteBuffer mbr = disk.read(0, SECTOR);
    boolean bootSignature = LittleEndian.u16(mbr, 0x1FE) == BOOT_SIGNATURE;
    boolean protective = bootSignature && entries(mbr).stream().anyMatch(e -> e.type() == MbrPartitionEntry.TYPE_GPT_PROTECTIVE);
    for (int sector : new int[] {SECTOR, 4096}) {
      if (size >= 2L * sector && LittleEndian.u64(disk.read(sector, 8), 0) == GptHeader.MAGIC) {
        return Optional.of(readGpt(disk, sector));
      }
    }
    if (protective) {
      return Optional.of(readGpt(disk, SECTOR));
    }
    if (bootSignature && plausibleMbr(mbr, size)) {
      return Optional.of(readMbr(disk, mbr));
    }
    return Optional.empty();
  }

  private static List<MbrPartitionEntry> entries(ByteBuffer sector) {
    List<MbrPartitionEntry> entries = new ArrayList<>(4);
    for (int i = 0; i < 4; i++) {
      entries.add(MbrPartitionEntry.decode(sector, MbrPartitionEntry.TABLE_OFFSET + i * MbrPartitionEntry.SIZE));
    }
    return entries;
  }

  /** An MBR is believed when every boot flag is 0 or 0x80 and at least one entry is used, not when 0x55AA alone says so. */
  private static boolean plausibleMbr(ByteBuffer mbr, long diskBytes) {
    boolean any = false;
    for (MbrPartitionEntry e : entries(mbr)) {
      if (e.bootFlag() != 0 && e.bootFlag() != 0x80) {
        return false;
      }
      if (!e.isEmpty()) {
        any |= e.firstLba() > 0;
      }
    }
    return any;
  }

  private static PartitionTable readGpt(BlockDevice disk, int sector) throws IOException {
    CorruptStructureException primaryDamage;
    try {
      return gptFrom(disk, sector, sector, "");
    } catch (CorruptStructureException e) {
      primaryDamage = e;
    }
    long backup = (disk.size() / sector - 1) * sector;
    try {
      return gptFrom(disk, sector, backup, "primary GPT damaged (" + primaryDamage.getMessage() + "); backup GPT at 0x"
          + Long.toHexString(backup) + " used");
    } catch (CorruptStructureException e) {
      primaryDamage.addSuppressed(e);
      throw primaryDamage;
    }
  }

  private static PartitionTable gptFrom(BlockDevice disk, int sector, long headerOffset, String note) throws IOException {
    GptHeader header = GptHeader.decode(readStructure(disk, headerOffset, sector, "GptHeader"), headerOffset);
    long arrayOffset = Corrupt.multiplyExact("GptHeader", headerOffset, "entriesLba", header.entriesLba(), sector);
    int arrayBytes = header.entryCount() * header.entrySize();
    ByteBuffer array = readStructure(disk, arrayOffset, arrayBytes, "GPT entry array");
    long crc = GptHeader.entriesCrc(array);
    if (crc != header.entriesCrc32()) {
      throw Corrupt.defect("GPT entry array", arrayOffset, "entriesCrc32", "entry array checksum mismatch",
          Corrupt.hex(header.entriesCrc32()), Corrupt.hex(crc));
    }
    List<Partition> partitions = new ArrayList<>();
    for (int i = 0; i < header.entryCount(); i++) {
      int at = i * header.entrySize();
      GptEntry entry = GptEntry.decode(array, at, arrayOffset + at);
      if (entry.isUnused()) {
        continue;
      }
      long start = Corrupt.multiplyExact("GptEntry", arrayOffset + at, "firstLba", entry.firstLba(), sector);
      long length = Corrupt.multiplyExact("GptEntry", arrayOffset + at, "lastLba", entry.lastLba() - entry.firstLba() + 1, sector);
      partitions.add(new Partition(i + 1, start, length, GPT_KINDS.getOrDefault(entry.typeGuid(), Partition.Kind.OTHER),
          entry.typeGuid(), entry.name()));
    }
    return new PartitionTable(PartitionTable.Scheme.GPT, partitions, note);
  }

  private static PartitionTable readMbr(BlockDevice disk, ByteBuffer mbr) throws IOException {
    List<Partition> partitions = new ArrayList<>();
    List<MbrPartitionEntry> primary = entries(mbr);
    for (int i = 0; i < 4; i++) {
      MbrPartitionEntry e = primary.get(i);
      if (e.isEmpty()) {
        continue;
      }
      if (e.isExtended()) {
        readLogical(disk, e.firstLba(), partitions);
      } else {
        partitions.add(mbrPartition(i + 1, 0, e));
      }
    }
    return new PartitionTable(PartitionTable.Scheme.MBR, partitions, "");
  }

  /** Follows the chain of extended boot records; each holds one logical partition and a link to the next. */
  private static void readLogical(BlockDevice disk, long extendedLba, List<Partition> out) throws IOException {
    LongOpenHashSet visited = new LongOpenHashSet();
    long ebrLba = extendedLba;
    int number = 5;
    while (true) {
      long offset = ebrLba * SECTOR;
      if (!visited.add(ebrLba)) {
        throw Corrupt.defect("ExtendedBootRecord", offset, "next", "extended partition chain loops", "a chain ending in 0", ebrLba);
      }
      if (number - 5 >= MAX_LOGICAL) {
        throw new ResourceLimitException("ExtendedBootRecord", offset, "logical partitions", MAX_LOGICAL, number - 4L);
      }
      ByteBuffer ebr = readStructure(disk, offset, SECTOR, "ExtendedBootRecord");
      int signature = LittleEndian.u16(ebr, 0x1FE);
      if (signature != BOOT_SIGNATURE) {
        throw Corrupt.magic("ExtendedBootRecord", offset, BOOT_SIGNATURE, signature);
      }
      List<MbrPartitionEntry> entries = entries(ebr);
      if (!entries.get(0).isEmpty()) {
        out.add(mbrPartition(number++, ebrLba, entries.get(0)));
      }
      MbrPartitionEntry next = entries.get(1);
      if (next.isEmpty() || !next.isExtended()) {
        return;
      }
      ebrLba = extendedLba + next.firstLba();
    }
  }

  private static Partition mbrPartition(int number, long baseLba, MbrPartitionEntry e) {
    return new Partition(number, (baseLba + e.firstLba()) * SECTOR, e.sectorCount() * SECTOR,
        MBR_KINDS.getOrDefault(e.type(), Partition.Kind.OTHER), "0x%02X".formatted(e.type()), "");
  }

  private static ByteBuffer readStructure(BlockDevice disk, long offset, int length, String structure) throws IOException {
    try {
      return disk.read(offset, length);
    } catch (EOFException e) {
      throw new TruncatedImageException(structure, offset, length, e);
    }
  }
}
