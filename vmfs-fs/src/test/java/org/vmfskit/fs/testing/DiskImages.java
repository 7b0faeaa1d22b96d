package org.vmfskit.fs.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.vmfskit.fs.device.FileChannelBlockDevice;
import org.vmfskit.fs.device.PartitionBlockDevice;
import org.vmfskit.fs.device.container.GptEntry;
import org.vmfskit.fs.device.container.GptHeader;
import org.vmfskit.fs.device.container.MbrPartitionEntry;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.volume.FormatOptions;

/**
 * Builds whole-disk images (sparse files) with a GPT or MBR partition table around datastores
 * made by {@link Vmfs#format}: laid out from 1 MiB, each partition 1 MiB aligned.
 */
public final class DiskImages {

  /** The size of a VMFS partition built here: the smallest volume (256 MiB) plus the LVM area. */
  public static final long VMFS_BYTES = Images.options(FormatOptions.MIN_VOLUME_BYTES).imageBytes();
  /** GPT type of an EFI system partition. */
  public static final String EFI = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";
  /** GPT type of a basic-data (FAT) partition, as ESXi's bootbanks and scratch. */
  public static final String BASIC_DATA = "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7";
  /** GPT type of a vmkDiagnostic partition. */
  public static final String VMKCORE = "9D275380-40AD-11DB-BF97-000C2911D1B8";

  private static final long MIB = 1 << 20;
  private static final int SECTOR = 512;
  private static final int ENTRIES = 128;

  /** Fills a freshly formatted volume. */
  @FunctionalInterface
  public interface Filler {
    /** Writes files into {@code vmfs}. */
    void fill(Vmfs vmfs) throws IOException;
  }

  /**
   * One partition to lay out.
   *
   * @param number its GPT entry number (from 1) or MBR slot
   * @param type GPT type GUID, or MBR type as {@code 0xNN}
   * @param bytes its size (ignored for a VMFS partition: {@link #VMFS_BYTES})
   * @param name GPT name
   * @param volume when not null, a VMFS volume is formatted in the partition and filled by it
   */
  public record Part(int number, String type, long bytes, String name, Filler volume) {
    long size() {
      return isVmfs() ? VMFS_BYTES : bytes;
    }

    boolean isVmfs() {
      return type.equals(GptEntry.TYPE_VMFS) || type.equalsIgnoreCase("0xFB");
    }
  }

  private DiskImages() {}

  /** A VMFS partition number {@code number} filled by {@code filler}. */
  public static Part vmfs(int number, Filler filler) {
    return new Part(number, GptEntry.TYPE_VMFS, VMFS_BYTES, "datastore" + number, filler);
  }

  /** A small non-VMFS partition. */
  public static Part other(int number, String type, long mib, String name) {
    return new Part(number, type, mib * MIB, name, null);
  }

  /** The partitions of an ESXi 6.x boot disk: 1 EFI, 5/6 bootbanks, 7 vmkcore, 8 store, 9 vmkcore, 2 scratch, 3 datastore. */
  public static List<Part> esxi6(Filler datastore) {
    return List.of(other(1, EFI, 4, ""), other(5, BASIC_DATA, 4, ""), other(6, BASIC_DATA, 4, ""), other(7, VMKCORE, 2, ""),
        other(8, BASIC_DATA, 4, ""), other(9, VMKCORE, 4, ""), other(2, BASIC_DATA, 4, ""), new Part(3, GptEntry.TYPE_VMFS, 0, "", datastore));
  }

  /** The partitions of an ESXi 7.x/8.x boot disk: 1 EFI, 5/6 bootbanks, 7 OSDATA (VMFS-L), 8 datastore. */
  public static List<Part> esxi7(Filler datastore) {
    return List.of(other(1, EFI, 4, "BOOT"), other(5, BASIC_DATA, 4, "BOOTBANK1"), other(6, BASIC_DATA, 4, "BOOTBANK2"),
        other(7, GptEntry.TYPE_VMFS_L, 8, "OSDATA"), new Part(8, GptEntry.TYPE_VMFS, 0, "", datastore));
  }

  /** Writes a GPT disk (protective MBR, primary and backup GPT) at {@code disk} and returns the partitions' start offsets, in list order. */
  public static long[] gpt(Path disk, List<Part> parts) throws IOException {
    long[] starts = layout(parts);
    long size = starts.length == 0 ? 2 * MIB : starts[starts.length - 1] + parts.getLast().size() + MIB;
    long lastLba = size / SECTOR - 1;
    ByteBuffer entries = buffer(ENTRIES * GptEntry.SIZE);
    for (int i = 0; i < parts.size(); i++) {
      Part p = parts.get(i);
      long first = starts[i] / SECTOR;
      new GptEntry(p.type(), "11111111-2222-3333-4444-%012d".formatted(p.number()), first, first + p.size() / SECTOR - 1, 0, p.name())
          .encode(entries, (p.number() - 1) * GptEntry.SIZE);
    }
    long crc = GptHeader.entriesCrc(entries);
    try (FileChannelBlockDevice device = FileChannelBlockDevice.create(disk, size)) {
      ByteBuffer mbr = buffer(SECTOR);
      new MbrPartitionEntry(0, MbrPartitionEntry.TYPE_GPT_PROTECTIVE, 1, Math.min(lastLba, 0xFFFFFFFFL)).encode(mbr, MbrPartitionEntry.TABLE_OFFSET);
      mbr.putShort(0x1FE, (short) 0xAA55);
      device.write(0, mbr);
      long backupEntries = lastLba - ENTRIES * GptEntry.SIZE / SECTOR;
      String guid = "DEADBEEF-0000-4000-8000-00000000CAFE";
      writeHeader(device, new GptHeader(1, lastLba, 34, backupEntries - 1, guid, 2, ENTRIES, GptEntry.SIZE, crc));
      writeHeader(device, new GptHeader(lastLba, 1, 34, backupEntries - 1, guid, backupEntries, ENTRIES, GptEntry.SIZE, crc));
      device.write(2L * SECTOR, entries.duplicate().clear());
      device.write(backupEntries * SECTOR, entries.duplicate().clear());
    }
    formatVolumes(disk, parts, starts);
    return starts;
  }

  /**
   * Writes an MBR disk at {@code disk}: {@code primaries} in their slots, then, when
   * {@code logicals} is not empty, an extended partition (type 0x0F) in the next free slot holding
   * them as logical partitions 5, 6, …; returns every partition's start, primaries first.
   */
  public static long[] mbr(Path disk, List<Part> primaries, List<Part> logicals) throws IOException {
    List<Part> all = new ArrayList<>(primaries);
    all.addAll(logicals);
    long[] starts = new long[all.size()];
    long at = MIB;
    for (int i = 0; i < all.size(); i++) {
      if (i >= primaries.size()) {
        at += MIB; // room for the extended boot record before each logical partition
      }
      starts[i] = at;
      at += all.get(i).size();
    }
    long size = at + MIB;
    try (FileChannelBlockDevice device = FileChannelBlockDevice.create(disk, size)) {
      ByteBuffer mbr = buffer(SECTOR);
      int slot = 0;
      for (int i = 0; i < primaries.size(); i++) {
        slot = primaries.get(i).number() - 1;
        entry(primaries.get(i), starts[i] / SECTOR).encode(mbr, MbrPartitionEntry.TABLE_OFFSET + slot * MbrPartitionEntry.SIZE);
      }
      if (!logicals.isEmpty()) {
        long extendedLba = starts[primaries.size()] / SECTOR - MIB / SECTOR;
        new MbrPartitionEntry(0, 0x0F, extendedLba, (size - MIB) / SECTOR - extendedLba)
            .encode(mbr, MbrPartitionEntry.TABLE_OFFSET + (slot + 1) * MbrPartitionEntry.SIZE);
        for (int i = primaries.size(); i < all.size(); i++) {
          long ebrLba = starts[i] / SECTOR - MIB / SECTOR;
          ByteBuffer ebr = buffer(SECTOR);
          entry(all.get(i), MIB / SECTOR).encode(ebr, MbrPartitionEntry.TABLE_OFFSET);
          if (i + 1 < all.size()) {
            long nextEbr = starts[i + 1] / SECTOR - MIB / SECTOR;
            new MbrPartitionEntry(0, 0x05, nextEbr - extendedLba, MIB / SECTOR + all.get(i + 1).size() / SECTOR)
                .encode(ebr, MbrPartitionEntry.TABLE_OFFSET + MbrPartitionEntry.SIZE);
          }
          ebr.putShort(0x1FE, (short) 0xAA55);
          device.write(ebrLba * SECTOR, ebr);
        }
      }
      mbr.putShort(0x1FE, (short) 0xAA55);
      device.write(0, mbr);
    }
    formatVolumes(disk, all, starts);
    return starts;
  }

  private static MbrPartitionEntry entry(Part p, long firstLba) {
    int type = p.isVmfs() ? MbrPartitionEntry.TYPE_VMFS : Integer.decode(p.type());
    return new MbrPartitionEntry(0, type, firstLba, p.size() / SECTOR);
  }

  private static long[] layout(List<Part> parts) {
    long[] starts = new long[parts.size()];
    long at = MIB;
    for (int i = 0; i < parts.size(); i++) {
      starts[i] = at;
      at += parts.get(i).size();
    }
    return starts;
  }

  private static void writeHeader(FileChannelBlockDevice device, GptHeader header) throws IOException {
    ByteBuffer sector = buffer(SECTOR);
    header.encode(sector);
    device.write(header.myLba() * SECTOR, sector);
  }

  private static void formatVolumes(Path disk, List<Part> parts, long[] starts) throws IOException {
    for (int i = 0; i < parts.size(); i++) {
      Part p = parts.get(i);
      if (!p.isVmfs()) {
        continue;
      }
      FormatOptions options = FormatOptions.builder(FormatOptions.MIN_VOLUME_BYTES).seed(p.number()).timeSeconds(Images.TIME)
          .label("ds" + p.number()).build();
      try (Vmfs vmfs = Vmfs.format(new PartitionBlockDevice(FileChannelBlockDevice.openWritable(disk), starts[i], VMFS_BYTES, disk + "#" + p.number()), options)) {
        if (p.volume() != null) {
          p.volume().fill(vmfs);
        }
      }
    }
  }

  private static ByteBuffer buffer(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** XORs the byte at {@code offset} of {@code file} with 0x5A, to damage a structure in place. */
  public static void flip(Path file, long offset) throws IOException {
    try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ,
        java.nio.file.StandardOpenOption.WRITE)) {
      ByteBuffer one = ByteBuffer.allocate(1);
      channel.read(one, offset);
      one.put(0, (byte) (one.get(0) ^ 0x5A)).rewind();
      channel.write(one, offset);
    }
  }

  /** Reads every byte of {@code device} in 1 MiB steps, so that any damage in it is met. */
  public static void readThrough(org.vmfskit.fs.device.BlockDevice device) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
    for (long at = 0; at < device.size(); at += buffer.capacity()) {
      device.readFully(at, buffer.clear().limit((int) Math.min(buffer.capacity(), device.size() - at)));
    }
  }
}
