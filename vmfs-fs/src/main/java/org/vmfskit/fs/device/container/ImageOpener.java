package org.vmfskit.fs.device.container;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Collectors;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.device.FileChannelBlockDevice;
import org.vmfskit.fs.device.PartitionBlockDevice;
import org.vmfskit.fs.device.ReadOnlyBlockDevice;
import org.vmfskit.fs.format.LittleEndian;
import org.vmfskit.fs.format.LvmHeader;
import org.vmfskit.fs.format.TruncatedImageException;
import org.vmfskit.fs.format.UnsupportedFormatException;

/**
 * Opens an image file by its content, never by its name: an EWF segment set (signature
 * {@code EVF\t\r\n\xFF\0}), a VMware virtual disk (text descriptor or {@code KDMV}), or a raw
 * file; then, inside it, a plain datastore (LVM magic at 1 MiB) or a whole disk with a GPT or MBR
 * partition table, whose VMFS partition is read (the one, or the one chosen with a number).
 *
 * <p>EWF and VMDK containers are always read-only; a raw image keeps the access of the device it
 * was opened with, so a datastore partition of a writable disk image is writable.
 */
public final class ImageOpener {

  private static final int HEAD = 1024;
  private static final int KDMV_MAGIC = 0x564D444B;
  private static final int COWD_MAGIC = 0x44574F43;
  private static final int SESPARSE_MAGIC = 0xCAFEBABE;
  private static final byte[] EWF2_SIGNATURE = {'E', 'V', 'F', '2', 0x0D, 0x0A, (byte) 0x81, 0x00};

  private ImageOpener() {}

  /** Opens {@code image} read-only and returns the datastore's device; {@code partition} picks one of several. */
  public static OpenedImage open(Path image, OptionalInt partition) throws IOException {
    return open(image, new ReadOnlyBlockDevice(FileChannelBlockDevice.openReadOnly(image)), partition);
  }

  /**
   * Opens the image {@code file} (a device over {@code image}, read-only or writable, closed on
   * failure and by the result) and returns the datastore's device.
   *
   * @throws java.nio.file.FileSystemException when a writable device was given for an EWF or VMDK
   *     container, which are read-only
   */
  public static OpenedImage open(Path image, BlockDevice file, OptionalInt partition) throws IOException {
    try {
      ByteBuffer head = file.read(0, (int) Math.min(HEAD, file.size()));
      Optional<ImageLayout.Container> container = container(image, head);
      if (container.isEmpty()) {
        return inside(file, ImageLayout.Container.RAW, "", Optional.empty(), image, partition);
      }
      if (!file.isReadOnly()) {
        throw new java.nio.file.FileSystemException(image.toString(), null, "is an " + container.get().description()
            + "; containers open read-only (write commands need a plain or partitioned raw image)");
      }
      file.close();
      return switch (container.get()) {
        case EWF -> openEwf(image, partition);
        case VMDK -> openVmdk(image, partition);
        case RAW -> throw new IllegalStateException();
      };
    } catch (IOException | RuntimeException e) {
      closeQuietly(file, e);
      throw e;
    }
  }

  private static OpenedImage openEwf(Path image, OptionalInt partition) throws IOException {
    EwfImage ewf = EwfImage.open(image);
    return within(ewf, ImageLayout.Container.EWF, () -> {
      List<Path> segments = ewf.segments();
      return "%d segment file(s) %s, media %d bytes in %d-byte chunks".formatted(segments.size(),
          segments.size() == 1 ? segments.getFirst().getFileName() : segments.getFirst().getFileName() + " .. " + segments.getLast().getFileName(),
          ewf.size(), ewf.volume().chunkBytes());
    }, Optional.of(ewf.hashes()), image, partition);
  }

  private static OpenedImage openVmdk(Path image, OptionalInt partition) throws IOException {
    VmdkBlockDevice vmdk = VmdkBlockDevice.open(image);
    return within(vmdk, ImageLayout.Container.VMDK, () -> "capacity " + vmdk.size() + " bytes, chain " + vmdk.chain(), Optional.empty(), image, partition);
  }

  private interface Detail {
    String describe() throws IOException;
  }

  /** Finds the datastore in an opened container's media, closing the media on failure. */
  private static OpenedImage within(BlockDevice media, ImageLayout.Container container, Detail detail,
      Optional<EwfImage.Hashes> hashes, Path image, OptionalInt partition) throws IOException {
    try {
      return inside(media, container, detail.describe(), hashes, image, partition);
    } catch (IOException | RuntimeException e) {
      closeQuietly(media, e);
      throw e;
    }
  }

  /** Returns the container announced by the first bytes of a file, or empty for a raw file. */
  static Optional<ImageLayout.Container> container(Path image, ByteBuffer head) throws UnsupportedFormatException {
    head.order(ByteOrder.LITTLE_ENDIAN);
    if (EwfImage.hasSignature(head)) {
      return Optional.of(ImageLayout.Container.EWF);
    }
    if (head.limit() >= 8 && head.slice(0, 8).equals(ByteBuffer.wrap(EWF2_SIGNATURE))) {
      throw new UnsupportedFormatException("EWF2 file header of " + image, 0, "EWF version 2 (.Ex01) images are not supported; convert with ewfexport -f raw");
    }
    if (head.limit() >= 4) {
      int magic = LittleEndian.raw32(head, 0);
      if (magic == KDMV_MAGIC) {
        return Optional.of(ImageLayout.Container.VMDK);
      }
      if (magic == COWD_MAGIC || magic == SESPARSE_MAGIC) {
        throw new UnsupportedFormatException("VMDK delta extent " + image, 0,
            "a bare snapshot delta extent; open the descriptor .vmdk that names it");
      }
    }
    String text = StandardCharsets.ISO_8859_1.decode(head.duplicate().clear()).toString();
    if (text.stripLeading().startsWith("# Disk DescriptorFile") || (text.contains("createType") && text.contains("RW ")
        && !text.contains("\0"))) {
      return Optional.of(ImageLayout.Container.VMDK);
    }
    return Optional.empty();
  }

  /** Finds the datastore inside the disk {@code disk}: the whole of it, or one partition. */
  static OpenedImage inside(BlockDevice disk, ImageLayout.Container container, String detail,
      Optional<EwfImage.Hashes> hashes, Path image, OptionalInt partition) throws IOException {
    if (hasLvmMagic(disk)) {
      if (partition.isPresent()) {
        throw new PartitionChoiceException(image.toString(), "holds a datastore without a partition table; drop --partition");
      }
      return new OpenedImage(disk, new ImageLayout(container, detail, Optional.empty(), OptionalInt.empty(), hashes));
    }
    Optional<PartitionTable> table = PartitionTables.read(disk);
    if (table.isEmpty()) {
      if (partition.isPresent()) {
        throw new PartitionChoiceException(image.toString(), "has no partition table (no GPT, no MBR); drop --partition");
      }
      // Not a datastore either, most likely; opening the volume says so with the LVM offsets.
      return new OpenedImage(disk, new ImageLayout(container, detail, Optional.empty(), OptionalInt.empty(), hashes));
    }
    Partition chosen = choose(table.get(), partition, image.toString());
    if (chosen.startBytes() > disk.size() || chosen.lengthBytes() > disk.size() - chosen.startBytes()) {
      throw new TruncatedImageException("Partition " + chosen.number() + " of " + image, chosen.startBytes(), chosen.lengthBytes(), null);
    }
    BlockDevice window = new PartitionBlockDevice(disk, chosen.startBytes(), chosen.lengthBytes(), image + " partition " + chosen.number());
    return new OpenedImage(window, new ImageLayout(container, detail, table, OptionalInt.of(chosen.number()), hashes));
  }

  private static boolean hasLvmMagic(BlockDevice disk) throws IOException {
    if (disk.size() < LvmHeader.IMAGE_OFFSET + 4) {
      return false;
    }
    return LittleEndian.u32(disk.read(LvmHeader.IMAGE_OFFSET, 4), 0) == LvmHeader.MAGIC;
  }

  /** Picks the partition to read: the one asked for, or the only VMFS one. */
  static Partition choose(PartitionTable table, OptionalInt asked, String image) throws IOException {
    String listing = table.partitions().stream().map(Partition::describe).collect(Collectors.joining("; "));
    if (asked.isPresent()) {
      int number = asked.getAsInt();
      Partition p = table.partitions().stream().filter(q -> q.number() == number).findFirst()
          .orElseThrow(() -> new PartitionChoiceException(image, table.scheme() + " disk has no partition " + number + " (" + listing + ")"));
      if (p.kind() == Partition.Kind.VMFS_L) {
        throw new UnsupportedFormatException("Partition " + number + " of " + image, p.startBytes(),
            "VMFS-L (the ESXi OSDATA partition) is not readable yet; only VMFS datastores are");
      }
      return p;
    }
    List<Partition> vmfs = table.ofKind(Partition.Kind.VMFS);
    if (vmfs.size() == 1) {
      return vmfs.getFirst();
    }
    if (vmfs.isEmpty()) {
      boolean vmfsL = !table.ofKind(Partition.Kind.VMFS_L).isEmpty();
      throw new PartitionChoiceException(image, table.scheme() + " disk without a VMFS partition (" + listing + ")"
          + (vmfsL ? "; VMFS-L (ESXi OSDATA) is not readable yet" : "") + "; pick one with --partition N to try it anyway");
    }
    throw new PartitionChoiceException(image, table.scheme() + " disk with " + vmfs.size() + " VMFS partitions ("
        + vmfs.stream().map(Partition::describe).collect(Collectors.joining("; ")) + "); choose one with --partition N");
  }

  private static void closeQuietly(BlockDevice device, Throwable cause) {
    try {
      device.close();
    } catch (IOException e) {
      cause.addSuppressed(e);
    }
  }
}
