package org.vmfskit.fs.volume;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.format.AddressingMode;
import org.vmfskit.fs.format.ClusterHeader;
import org.vmfskit.fs.format.DirEntry;
import org.vmfskit.fs.format.FileBlockAddr;
import org.vmfskit.fs.format.FileDescriptor;
import org.vmfskit.fs.format.FileDescriptorAddr;
import org.vmfskit.fs.format.FileType;
import org.vmfskit.fs.format.FsDescriptor;
import org.vmfskit.fs.format.HeartbeatSlot;
import org.vmfskit.fs.format.LockBlock;
import org.vmfskit.fs.format.LvmHeader;
import org.vmfskit.fs.format.PeTableEntry;
import org.vmfskit.fs.format.ResourceHeader;
import org.vmfskit.fs.format.VmfsUuid;

/**
 * Formats a device as a VMFS5 volume ({@code mkfs}), following the writer checklist of the format
 * reference: LVM header and PE table, FS descriptor, heartbeats, the resource files
 * {@code .fdc.sf .fbb.sf .pbc.sf .sbc.sf .pb2.sf}, {@code .vh.sf}, the root directory and the
 * {@code .sdd.sf} system directory (one block each). Only metadata is written, so the image stays
 * sparse.
 */
public final class VolumeFormatter {

  /** Bytes of a cluster-group header region, as on the VMFS3 sample (0x10000). */
  static final long GROUP_OFFSET = 0x10000;
  /** Pointer-block size: 1024 addresses, which vmfs-tools hard-codes. */
  static final long POINTER_BLOCK_SIZE = 4096;
  /** The .pb2.sf cluster magic (vmfs6-tools). */
  static final long MAGIC_PB2 = 0x10C00006L;
  /** Mode bits of system files (0400) and directories (01755). */
  static final long MODE_SYSTEM = 0400;
  static final long MODE_DIRECTORY = 01755;
  /** Mode of {@code .sdd.sf}: a type-5 FD with S_IFDIR | 0700, the one system mode with type bits. */
  static final long MODE_SDD = FileDescriptor.S_IFDIR | 0700;
  /** The {@code .sdd.sf} system directory's FD. */
  static final FileDescriptorAddr SDD = new FileDescriptorAddr(0, 7);

  private VolumeFormatter() {}

  /** The planned position and header of one resource or system file. */
  private record Planned(String name, FileDescriptorAddr address, long firstBlock, long length, ResourceHeader header, long clusterMagic) {}

  /** Formats {@code device} (resizing it to the image length) and returns the opened volume. */
  public static Volume format(BlockDevice device, FormatOptions options) throws IOException {
    SplittableRandom random = new SplittableRandom(options.seed());
    long blockSize = options.blockSize();
    long numBlocks = options.volumeBytes() / blockSize;
    device.resize(options.imageBytes());

    VmfsUuid lvmUuid = VmfsUuid.generate(options.timeSeconds(), random);
    VmfsUuid deviceUuid = VmfsUuid.generate(options.timeSeconds(), random);
    VmfsUuid fsUuid = VmfsUuid.generate(options.timeSeconds(), random);
    writeLvm(device, options, lvmUuid, deviceUuid);
    writeFsDescriptor(device, options, fsUuid, lvmUuid);
    writeHeartbeats(device);
    // The journal area starts empty: a journal left there by an earlier volume on the same device
    // must never be replayed into this one.
    device.write(Geometry.deviceOffset(org.vmfskit.fs.journal.Journal.LOGICAL_OFFSET),
        ByteBuffer.allocate(org.vmfskit.fs.journal.Journal.AREA_BYTES));

    List<Planned> plan = plan(options, numBlocks);
    for (Planned file : plan) {
      if (file.header() != null) {
        writeResourceFile(device, blockSize, file);
      }
    }
    long rootBlock = plan.getLast().firstBlock() + blocksOf(plan.getLast().length(), blockSize);
    long sddBlock = rootBlock + 1;
    writeSystemFds(device, blockSize, plan, options.timeSeconds());

    Volume volume = Volume.open(device);
    volume.lock().writeLock().lock();
    try {
      MetadataTransaction txn = volume.begin();
      for (long b = 0; b <= sddBlock; b++) {
        volume.markBlockUsed(b);
      }
      for (int r = 0; r <= 7; r++) {
        volume.bitmap(ResourceKind.FILE_DESCRIPTOR).markUsed(r);
      }
      writeRoot(volume, txn, plan, rootBlock, options.timeSeconds());
      writeSdd(volume, txn, sddBlock, options.timeSeconds());
      txn.commit();
      volume.flush();
    } finally {
      volume.lock().writeLock().unlock();
    }
    return volume;
  }

  private static long blocksOf(long length, long blockSize) {
    return (length + blockSize - 1) / blockSize;
  }

  private static ResourceHeader resourceHeader(long epa, long ipe, long resourceSize, long total) {
    long perGroup = epa * ipe;
    long groups = (total + perGroup - 1) / perGroup;
    long groupSize = epa * ResourceHeader.CLUSTER_HEADER_SIZE + epa * ipe * resourceSize;
    return new ResourceHeader(ipe, epa, GROUP_OFFSET, resourceSize, groupSize, total, groups);
  }

  /** Lays out the system files block by block after the volume header region. */
  private static List<Planned> plan(FormatOptions options, long numBlocks) {
    long blockSize = options.blockSize();
    long gib = options.volumeBytes() >> 30;
    long maxZla1Bytes = FileDescriptor.ADDRESS_SLOTS * blockSize;
    // Resource counts scale with the volume; every resource file must fit the 256 direct block
    // slots of its FD. ESXi's real VMFS5 resource geometry is unknown (format reference, 14).
    long epa = options.clustersPerGroup();
    ResourceHeader fdc = resourceHeader(epa, 32, FileDescriptor.SIZE, 1024 * clamp(gib / 64, 1, 16));
    long fbbIpe = 200;
    if (resourceHeader(epa, fbbIpe, 0, numBlocks).requiredFileLength() > maxZla1Bytes) {
      fbbIpe = 512; // still within the 64 bitmap bytes dissect.vmfs reads on VMFS5
    }
    ResourceHeader fbb = resourceHeader(epa, fbbIpe, 0, numBlocks);
    long pbPerGroup = epa * 16;
    ResourceHeader onePbGroup = resourceHeader(epa, 16, POINTER_BLOCK_SIZE, pbPerGroup);
    long pbGroups = clamp((numBlocks / 1024 + pbPerGroup - 1) / pbPerGroup, 1, (maxZla1Bytes - GROUP_OFFSET) / onePbGroup.clusterGroupSize());
    ResourceHeader pbc = resourceHeader(epa, 16, POINTER_BLOCK_SIZE, pbGroups * pbPerGroup);
    long sbPerGroup = epa * 16;
    long sbBudget = Math.max(1, (64L << 20) / (sbPerGroup * options.subBlockSize()));
    ResourceHeader sbc = resourceHeader(epa, 16, options.subBlockSize(), sbPerGroup * clamp(gib / 128, 1, sbBudget));
    ResourceHeader pb2 = resourceHeader(epa, 16, POINTER_BLOCK_SIZE, 16);

    List<Planned> plan = new ArrayList<>();
    long next = Geometry.fdcBaseBlock(blockSize);
    plan.add(new Planned(".vh.sf", new FileDescriptorAddr(0, 5), 0, next * blockSize, null, 0));
    Object[][] files = {
      {".fdc.sf", 2, fdc, LockBlock.MAGIC_FDC},
      {".fbb.sf", 1, fbb, LockBlock.MAGIC_FBB},
      {".pbc.sf", 3, pbc, LockBlock.MAGIC_PBC},
      {".sbc.sf", 4, sbc, LockBlock.MAGIC_SBC},
      {".pb2.sf", 6, pb2, MAGIC_PB2},
    };
    for (Object[] f : files) {
      ResourceHeader header = (ResourceHeader) f[2];
      long length = header.requiredFileLength();
      if (f[0].equals(".pb2.sf")) {
        // A resource file may end after its last real resource, as ESX truncates them.
        length = header.resourceOffset(0, header.numResources() - 1) + header.resourceSize();
      }
      plan.add(new Planned((String) f[0], new FileDescriptorAddr(0, (Integer) f[1]), next, length, header, (Long) f[3]));
      next += blocksOf(length, blockSize);
    }
    // Then one block for the root directory and one for .sdd.sf.
    if (next + 2 > numBlocks) {
      throw new IllegalArgumentException("volume of " + numBlocks + " blocks is too small for its metadata (" + (next + 2) + " blocks)");
    }
    return plan;
  }

  private static long clamp(long value, long min, long max) {
    return Math.max(min, Math.min(max, value));
  }

  private static void writeLvm(BlockDevice device, FormatOptions options, VmfsUuid lvmUuid, VmfsUuid deviceUuid) throws IOException {
    long numPEs = options.volumeBytes() / LvmHeader.PE_SIZE;
    long timeUs = options.timeSeconds() * 1_000_000L;
    LvmHeader header = new LvmHeader(5, FsDescriptor.VMFS5_MINOR, options.imageBytes(), LvmHeader.DATA_OFFSET, deviceUuid, timeUs,
        options.volumeBytes(), lvmUuid.toString(), lvmUuid, numPEs, 0, numPEs - 1, 1);
    ByteBuffer buffer = buffer(LvmHeader.SIZE);
    header.encode(buffer);
    device.write(LvmHeader.IMAGE_OFFSET, buffer);
    ByteBuffer bitmap = buffer(1024);
    for (long pe = 0; pe < Math.min(numPEs, 8192); pe++) {
      bitmap.put((int) (pe >> 3), (byte) (bitmap.get((int) (pe >> 3)) | 1 << (pe & 7)));
    }
    device.write(PeTableEntry.BITMAP_IMAGE_OFFSET, bitmap);
    // The PE table region holds entries up to the FS area; large volumes list what fits (ESXi's
    // own PE-map layout for more PEs is unsure, and vmfs-tools ignores the table).
    long fits = Math.min(numPEs, (LvmHeader.DATA_OFFSET - PeTableEntry.TABLE_IMAGE_OFFSET) / PeTableEntry.SIZE);
    ByteBuffer table = buffer((int) (fits * PeTableEntry.SIZE));
    for (int pe = 0; pe < fits; pe++) {
      PeTableEntry.forIndex(pe).encode(table, pe * PeTableEntry.SIZE);
    }
    device.write(PeTableEntry.TABLE_IMAGE_OFFSET, table);
  }

  private static void writeFsDescriptor(BlockDevice device, FormatOptions options, VmfsUuid fsUuid, VmfsUuid lvmUuid) throws IOException {
    // Config 2 = "public" as on the VMFS3 sample, plus DENSE_SBPC (4), the VMFS5 default.
    FsDescriptor fs = new FsDescriptor(FsDescriptor.VMFS5_MAJOR, FsDescriptor.VMFS5_MINOR, fsUuid, 2 | 4, options.label(),
        options.blockSize(), options.timeSeconds(), lvmUuid, GROUP_OFFSET, options.clustersPerGroup(), options.subBlockSize());
    ByteBuffer buffer = buffer(FsDescriptor.SIZE);
    fs.encode(buffer);
    device.write(Geometry.deviceOffset(FsDescriptor.LOGICAL_OFFSET), buffer);
  }

  private static void writeHeartbeats(BlockDevice device) throws IOException {
    ByteBuffer buffer = buffer(HeartbeatSlot.COUNT * HeartbeatSlot.SIZE);
    for (int i = 0; i < HeartbeatSlot.COUNT; i++) {
      HeartbeatSlot.free(HeartbeatSlot.LOGICAL_OFFSET + (long) i * HeartbeatSlot.SIZE).encode(buffer, i * HeartbeatSlot.SIZE);
    }
    device.write(Geometry.deviceOffset(HeartbeatSlot.LOGICAL_OFFSET), buffer);
  }

  /** Writes a resource file's header and every cluster header, all resources free. */
  private static void writeResourceFile(BlockDevice device, long blockSize, Planned file) throws IOException {
    ResourceHeader header = file.header();
    long base = file.firstBlock() * blockSize;
    ByteBuffer head = buffer(ResourceHeader.SIZE);
    header.encode(head);
    device.write(Geometry.deviceOffset(base), head);
    long clusters = header.numClusters();
    long ipe = header.resourcesPerCluster();
    for (long group = 0; group * header.clustersPerGroup() < clusters; group++) {
      long first = group * header.clustersPerGroup();
      long count = Math.min(header.clustersPerGroup(), clusters - first);
      ByteBuffer region = buffer((int) (count * ClusterHeader.SIZE));
      for (int i = 0; i < count; i++) {
        long c = first + i;
        long logical = base + header.clusterHeaderOffset(c);
        int total = (int) Math.min(ipe, header.numResources() - c * ipe);
        ClusterHeader.allFree(file.clusterMagic(), logical, c, total).encode(region, i * ClusterHeader.SIZE);
      }
      device.write(Geometry.deviceOffset(base + header.clusterHeaderOffset(first)), region);
    }
  }

  /** Writes the FDs of the system files straight into the first block of .fdc.sf. */
  private static void writeSystemFds(BlockDevice device, long blockSize, List<Planned> plan, long time) throws IOException {
    Planned fdcFile = plan.stream().filter(p -> p.name().equals(".fdc.sf")).findFirst().orElseThrow();
    long fdcBase = fdcFile.firstBlock() * blockSize;
    for (Planned file : plan) {
      long blocks = blocksOf(file.length(), blockSize);
      int[] addresses = new int[(int) blocks];
      for (int i = 0; i < blocks; i++) {
        addresses[i] = FileBlockAddr.rawOf((int) (file.firstBlock() + i), false);
      }
      long slotLogical = fdcBase + fdcFile.header().resourceOffset(0, file.address().resource());
      FileDescriptor fd = FileDescriptor.fresh(file.address().raw(), slotLogical, 1, FileType.SYSTEM, MODE_SYSTEM, blockSize, time)
          .withLayout(file.length(), blockSize, AddressingMode.FILE_BLOCKS, blocks, 0, FileDescriptor.dataOf(addresses));
      writeFd(device, slotLogical, fd);
    }
  }

  private static void writeFd(BlockDevice device, long logical, FileDescriptor fd) throws IOException {
    ByteBuffer buffer = buffer(FileDescriptor.SIZE);
    fd.encode(buffer, 0);
    device.write(Geometry.deviceOffset(logical), buffer);
  }

  /** Writes the root directory: ".", "..", the system files; one file block, ZLA 1. */
  private static void writeRoot(Volume volume, MetadataTransaction txn, List<Planned> plan, long rootBlock, long time) throws IOException {
    List<DirEntry> entries = new ArrayList<>();
    int root = FileDescriptorAddr.ROOT.raw();
    entries.add(new DirEntry(FileType.DIRECTORY, root, 1, "."));
    entries.add(new DirEntry(FileType.DIRECTORY, root, 1, ".."));
    for (String name : List.of(".fbb.sf", ".fdc.sf", ".pbc.sf", ".sbc.sf", ".vh.sf", ".pb2.sf")) {
      Planned file = plan.stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
      entries.add(new DirEntry(FileType.SYSTEM, file.address().raw(), 1, name));
    }
    entries.add(new DirEntry(FileType.SYSTEM, SDD.raw(), 1, ".sdd.sf"));
    // nlink 3: ".", the parent's entry, and the ".." of its one subdirectory .sdd.sf, as ESXi counts.
    writeDirectory(volume, txn, FileDescriptorAddr.ROOT, FileType.DIRECTORY, MODE_DIRECTORY, 3, entries, rootBlock, time);
  }

  /**
   * Writes {@code .sdd.sf} as ESXi lays it out on VMFS5: a type-5 FD with mode 040700 and nlink 2,
   * one block holding "." and "..". Whether ESXi gives it a file block or a sub-block is unsure; a
   * file block, as the root's, is what "one block" most likely means.
   */
  private static void writeSdd(Volume volume, MetadataTransaction txn, long sddBlock, long time) throws IOException {
    List<DirEntry> entries = List.of(
        new DirEntry(FileType.SYSTEM, SDD.raw(), 1, "."),
        new DirEntry(FileType.DIRECTORY, FileDescriptorAddr.ROOT.raw(), 1, ".."));
    writeDirectory(volume, txn, SDD, FileType.SYSTEM, MODE_SDD, 2, entries, sddBlock, time);
  }

  /** Writes a directory's entries into one file block (ZLA 1) and its FD. */
  private static void writeDirectory(Volume volume, MetadataTransaction txn, FileDescriptorAddr address, FileType type, long mode, long nlink,
      List<DirEntry> entries, long block, long time) throws IOException {
    long blockSize = volume.geometry().blockSize();
    ByteBuffer content = buffer(entries.size() * DirEntry.SIZE);
    for (int i = 0; i < entries.size(); i++) {
      entries.get(i).encode(content, i * DirEntry.SIZE);
    }
    txn.write(volume.geometry().blockDeviceOffset(block), content);
    long slot = volume.fdDeviceOffset(address) - Geometry.deviceOffset(0);
    FileDescriptor fd = FileDescriptor.fresh(address.raw(), slot, 1, type, mode, blockSize, time)
        .withNlink(nlink)
        .withLayout(content.capacity(), blockSize, AddressingMode.FILE_BLOCKS, 1, 0, FileDescriptor.dataOf(new int[] {FileBlockAddr.rawOf((int) block, false)}));
    volume.writeFd(txn, fd);
  }

  private static ByteBuffer buffer(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }
}
