package org.vmfskit.fs.format.vmfs6;

import com.google.common.base.Preconditions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.vmfskit.fs.format.AddressingMode;
import org.vmfskit.fs.format.FileType;
import org.vmfskit.fs.format.VmfsUuid;

/**
 * Test-side writer of a small VMFS6 volume image following vmfs6-format.md section 12 (mkfs
 * steps), built only from the vmfs6 records: one 512 MiB volume (one LFB converted into SFB
 * cluster 0), the nine system files at ESXi's places, and a root holding a sub-block directory
 * {@code /sub} with a resident file, a resident file, a sub-block file, an SFB file, a symlink, and
 * {@code /collide}: 14 names sharing one hash-table index (a full 12-link group chained to a
 * second one) and 6 plain names.
 * It is the seed of the real VMFS6 mkfs that will sit behind the format seam.
 * <pre>
 * SFB      content                      SFB      content
 * 0-6      .vh.sf (heartbeats at 3-6)   12       .pbc.sf (64 KiB header, rpc 0)
 * 7        .fdc.sf block 0 (FDC base)   13-17    .sbc.sf (64 SBs)
 * 8        root directory               18       .pb2.sf (1 PB2)
 * 9        .fbb.sf                      19       .sdd.sf (empty directory)
 * 10-11    .fdc.sf blocks 1-2           20-36    .jbc.sf (8 JBs)
 *                                       37-38    /sfb.bin
 * </pre>
 * Resource counts are smaller than ESXi's (256 FDs, 64 SBs, 8 JBs); readers do not care (12.3).
 */
final class Vmfs6ImageBuilder {

  static final long VOLUME_SIZE = 512L << 20;
  static final long MIB = 1 << 20;
  static final int MDA = 0x1000;
  static final long TIME = 1_700_000_000L;

  // System FD resources in FDC cluster 0 (7.1) and user FDs after them.
  static final Address6.Fd ROOT = fd(0);
  static final Address6.Fd FBB = fd(1);
  static final Address6.Fd FDC = fd(2);
  static final Address6.Fd PBC = fd(3);
  static final Address6.Fd SBC = fd(4);
  static final Address6.Fd VH = fd(5);
  static final Address6.Fd PB2 = fd(6);
  static final Address6.Fd SDD = fd(7);
  static final Address6.Fd JBC = fd(8);

  private final FileChannel channel;
  private final Map<String, byte[]> files = new LinkedHashMap<>();
  private int generation = 1;
  private final ClusterHeader6[] fdcCluster = {null};

  private Vmfs6ImageBuilder(FileChannel channel) {
    this.channel = channel;
  }

  private static Address6.Fd fd(int resource) {
    return new Address6.Fd(0, resource);
  }

  /** Writes the volume to {@code image} (sparse) and returns the expected content of every user file by path. */
  static Map<String, byte[]> build(Path image) throws IOException {
    try (FileChannel channel = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.SPARSE)) {
      Vmfs6ImageBuilder builder = new Vmfs6ImageBuilder(channel);
      builder.write();
      channel.truncate(LvmDeviceHeader6.DATA_OFFSET + VOLUME_SIZE);
      channel.write(ByteBuffer.allocate(1), LvmDeviceHeader6.DATA_OFFSET + VOLUME_SIZE - 1);
      return builder.files;
    }
  }

  private void write() throws IOException {
    writeLvm();
    writeFsDescriptorAndHeartbeats();
    fdcCluster[0] = ClusterHeader6.uniform(LockBlock6.unlocked(LockBlock6.TYPE_FDC, 0x710000), 0, 256, 1, 1, 256);
    writeResourceFiles();
    writeDirectories();
    writeClusterBitmaps();
  }

  // ---- step 2: LVM6 header, volume descriptor, SD entry, PE bitmap, one PE entry

  private void writeLvm() throws IOException {
    long segments = VOLUME_SIZE / VolumeDescriptor6.SEGMENT_SIZE;
    VmfsUuid lvm = Vmfs6Bytes.LVM_UUID;
    LvmDeviceHeader6 header = new LvmDeviceHeader6(LvmDeviceHeader6.MINOR, LvmDeviceHeader6.DATA_OFFSET + VOLUME_SIZE, 1, 1,
        LvmDeviceHeader6.DATA_OFFSET, Vmfs6Bytes.HOST_UUID, TIME * 1_000_000, TIME * 1_000_000, 0, 0, MDA, segments, 0);
    ByteBuffer b = Vmfs6Bytes.buffer(MDA);
    header.encode(b);
    writeDevice(LvmDeviceHeader6.IMAGE_OFFSET, b);
    ByteBuffer volume = Vmfs6Bytes.buffer(VolumeDescriptor6.SIZE);
    VolumeDescriptor6.singleDevice(segments, lvm, lvm.toString(), TIME * 1_000_000).encode(volume);
    writeDevice(header.volumeTableOffset(), volume);
    writeDevice(header.sdTableOffset(), ByteBuffer.wrap("vmfskit.test:1".getBytes(StandardCharsets.US_ASCII)));
    writeDevice(header.peBitmapOffset(), ByteBuffer.wrap(new byte[] {1}));
    ByteBuffer pe = Vmfs6Bytes.buffer(PeEntry6.SIZE);
    PeEntry6.wholeVolume(LvmDeviceHeader6.DATA_OFFSET, VOLUME_SIZE).encode(pe, 0);
    writeDevice(header.peTableOffset(), pe);
  }

  // ---- steps 3-4: FS descriptor, 1024 free heartbeat slots

  private void writeFsDescriptorAndHeartbeats() throws IOException {
    ByteBuffer fs = Vmfs6Bytes.buffer(FsDescriptor6.SIZE);
    FsDescriptor6.esxiDefaults(Vmfs6Bytes.FS_UUID, "vmfskit VMFS6", TIME, Vmfs6Bytes.LVM_UUID, Vmfs6Bytes.HOST_UUID).encode(fs);
    writeLogical(FsDescriptor6.LOGICAL_OFFSET, fs);
    ByteBuffer slots = Vmfs6Bytes.buffer(HeartbeatSlot6.COUNT * MDA);
    for (int i = 0; i < HeartbeatSlot6.COUNT; i++) {
      HeartbeatSlot6.free(HeartbeatSlot6.slotAddress(i, MDA)).encode(slots, i * MDA);
    }
    writeLogical(HeartbeatSlot6.LOGICAL_OFFSET, slots);
  }

  // ---- steps 5-8: resource files, their headers and cluster headers, their FDs

  static final long[] VH_SFBS = range(0, 7);
  static final long[] FDC_SFBS = {7, 10, 11};
  static final long[] ROOT_SFBS = {8};
  static final long[] FBB_SFBS = {9};
  static final long[] PBC_SFBS = {12};
  static final long[] SBC_SFBS = range(13, 18);
  static final long[] PB2_SFBS = {18};
  static final long[] SDD_SFBS = {19};
  static final long[] JBC_SFBS = range(20, 37);
  static final long[] USER_SFBS = {37, 38};
  static final int USED_SFBS = 39;

  static final ResourceHeader6 FDC_HEADER = ResourceHeader6.of(256, 8, 0x2000, 256, 0x4, 0x100, 1, MDA);
  static final ResourceHeader6 SBC_HEADER = ResourceHeader6.of(256, 8, 0x10000, 64, 0x4, 0x100, 1, MDA);
  static final ResourceHeader6 PB2_HEADER = ResourceHeader6.of(32, 8, 0x10000, 1, 0x4, 0x20, 1, MDA);
  static final ResourceHeader6 JBC_HEADER = ResourceHeader6.of(8, 4, 0x200000, 8, 0x0, 8, 1, MDA);
  static final ResourceHeader6 PBC_HEADER = ResourceHeader6.of(0, 8, 0x10000, 0, 0x4, 0, 1, MDA);
  static final ResourceHeader6 LFB_HEADER = new ResourceHeader6(16, 8, 0x10000, 0x2000, 0x110000, 1, 1, 1, 0x35, 0x348, 0x34, 3, 0x1000, 0,
      0, 0, 0);
  static final ResourceHeader6 SFB_HEADER = new ResourceHeader6(512, 8, 0x10000, 0, 0x10000, 512, 1, 1, 0x2A, 0xD8, 1, 2, 0, 16, 8, 0x110000,
      1);

  private void writeResourceFiles() throws IOException {
    writeResourceFile(FDC, FDC_SFBS, FDC_HEADER, LockBlock6.TYPE_FDC, null);
    writeResourceFile(SBC, SBC_SFBS, SBC_HEADER, LockBlock6.TYPE_SBC, sbcCluster());
    writeResourceFile(PB2, PB2_SFBS, PB2_HEADER, LockBlock6.TYPE_PB2, null);
    writeResourceFile(JBC, JBC_SFBS, JBC_HEADER, LockBlock6.TYPE_JBC, null);
    ByteBuffer pbc = Vmfs6Bytes.buffer(ResourceHeader6.SIZE);
    PBC_HEADER.encode(pbc, 0);
    writeFileBytes(PBC_SFBS, 0, pbc);
    writeSystemFd(PBC, PBC_SFBS, PBC_HEADER.requiredFileLength(MDA));
    writeFbb();
    writeSystemFd(VH, VH_SFBS, VH_SFBS.length * MIB);
  }

  private void writeResourceFile(Address6.Fd fd, long[] sfbs, ResourceHeader6 header, long lockType, ClusterHeader6 cluster0)
      throws IOException {
    ByteBuffer b = Vmfs6Bytes.buffer(ResourceHeader6.SIZE);
    header.encode(b, 0);
    writeFileBytes(sfbs, 0, b);
    for (long c = 0; c < header.numClusters(); c++) {
      long offset = header.clusterHeaderOffset(c, MDA);
      int total = (int) Math.min(header.resourcesPerCluster(), header.numResources() - c * header.resourcesPerCluster());
      ClusterHeader6 h = c == 0 && cluster0 != null ? cluster0
          : ClusterHeader6.uniform(LockBlock6.unlocked(lockType, logicalOf(sfbs, offset)), c, total, 1, 1, total);
      writeCluster(sfbs, offset, h);
    }
    writeSystemFd(fd, sfbs, header.requiredFileLength(MDA));
  }

  private ClusterHeader6 sbcCluster() {
    ClusterHeader6 h = ClusterHeader6.uniform(LockBlock6.unlocked(LockBlock6.TYPE_SBC, logicalOf(SBC_SFBS, 0x10000)), 0, 64, 1, 1, 64);
    // SBs 0-1: /sub; 2: /sb.bin; 3-4: /collide.
    for (int r = 0; r < 5; r++) {
      h = h.withState(r, 0, h.free() - 1, 5);
    }
    return h;
  }

  private void writeFbb() throws IOException {
    ByteBuffer b = Vmfs6Bytes.buffer(0x2000);
    LFB_HEADER.encode(b, 0);
    SFB_HEADER.encode(b, 0x1000);
    writeFileBytes(FBB_SFBS, 0, b);
    long lfbCluster = LFB_HEADER.clusterHeaderOffset(0, MDA);
    writeCluster(FBB_SFBS, lfbCluster, ClusterHeader6.uniform(LockBlock6.unlocked(LockBlock6.TYPE_LFB_CLUSTER, logicalOf(FBB_SFBS, lfbCluster)),
        0, 1, 3, ClusterHeader6.LFB_CONVERTED, 0));
    writeSystemFd(FBB, FBB_SFBS, LFB_HEADER.requiredFileLength(MDA));
  }

  // The SFB cluster header sits in LFB 0's data slot; written last, when every SFB is placed.
  private void writeClusterBitmaps() throws IOException {
    long slot = LFB_HEADER.resourceOffset(0, 0, MDA);
    ClusterHeader6 sfb = ClusterHeader6.uniform(LockBlock6.unlocked(LockBlock6.TYPE_SFB_CLUSTER, logicalOf(FBB_SFBS, slot)), 0, 512, 2,
        ClusterHeader6.SFB_USED, 512 - USED_SFBS);
    for (int r = USED_SFBS; r < 512; r++) {
      // Free SFBs as "01" (unsure, 6.2); no reader looks at this bitmap.
      sfb = sfb.withState(r, ClusterHeader6.SFB_FREE_UNSURE, sfb.free(), USED_SFBS);
    }
    writeCluster(FBB_SFBS, slot, sfb);
    writeCluster(FDC_SFBS, FDC_HEADER.clusterHeaderOffset(0, MDA), fdcCluster[0]);
  }

  private void writeCluster(long[] sfbs, long offset, ClusterHeader6 header) throws IOException {
    ByteBuffer b = Vmfs6Bytes.buffer(2 * MDA);
    header.encode(b, 0, MDA);
    writeFileBytes(sfbs, offset, b);
  }

  private void writeSystemFd(Address6.Fd fd, long[] sfbs, long length) throws IOException {
    long[] addresses = Arrays.stream(sfbs).map(n -> Address6.Sfb.ofNumber(n, 512).raw()).toArray();
    FileDescriptor6 f = FileDescriptor6.fresh(fd, fdLogical(fd), 1, FileType.SYSTEM, 0400, null, TIME)
        .withLayout(length, MIB, AddressingMode.FILE_BLOCKS, sfbs.length, 0, FileDescriptor6.addressData(addresses));
    writeFd(f);
  }

  // ---- steps 9-10: root, .sdd.sf, user files

  private void writeDirectories() throws IOException {
    DirectoryImage6 root = new DirectoryImage6(ROOT, 1, FileType.DIRECTORY, ROOT, 1, true);
    Address6.Fd[] system = {FBB, FDC, PBC, SBC, VH, PB2, SDD, JBC};
    for (int i = 0; i < system.length; i++) {
      root.add(DirHeader6.ROOT_SYSTEM_NAMES.get(i), FileType.SYSTEM, system[i], 1);
    }
    DirectoryImage6 sdd = new DirectoryImage6(SDD, 1, FileType.SYSTEM, ROOT, 1, false);
    writeDirectoryFd(sdd, SDD, FileType.SYSTEM, 040700, 1, SDD_SFBS, null);

    Address6.Fd sub = fd(9);
    int subGeneration = ++generation;
    root.add("sub", FileType.DIRECTORY, sub, subGeneration);
    DirectoryImage6 subDir = new DirectoryImage6(sub, subGeneration, FileType.DIRECTORY, ROOT, 1, false);
    addResident(subDir, sub, "sub/nested.txt", fd(14), "nested in a sub-block directory\n".getBytes(StandardCharsets.US_ASCII), false);
    addResident(root, ROOT, "resident.txt", fd(10), "hello vmfs6\n".getBytes(StandardCharsets.US_ASCII), false);
    addSubBlockFile(root, "sb.bin", fd(11));
    addSfbFile(root, "sfb.bin", fd(12));
    addResident(root, ROOT, "link", fd(13), "resident.txt".getBytes(StandardCharsets.US_ASCII), true);
    writeSubBlockDirectory(subDir, sub, subGeneration, 0);
    addCollidingDirectory(root);
    writeDirectoryFd(root, ROOT, FileType.DIRECTORY, 01755, 5, ROOT_SFBS, null);
  }

  private void addResident(DirectoryImage6 dir, Address6.Fd parent, String path, Address6.Fd fd, byte[] content, boolean symlink)
      throws IOException {
    FileType type = symlink ? FileType.SYMLINK : FileType.REGULAR;
    int gen = ++generation;
    dir.add(path.substring(path.lastIndexOf('/') + 1), type, fd, gen);
    writeFd(FileDescriptor6.fresh(fd, fdLogical(fd), gen, type, symlink ? 0777 : 0644, parent, TIME)
        .withLayout(content.length, 0x10000, AddressingMode.RESIDENT, 0, 0, FileDescriptor6.residentData(content))
        .withLinks(0, symlink ? fd.raw32() : parent.raw32(), 1));
    if (!symlink) {
      files.put("/" + path, content);
    }
  }

  private void addSubBlockFile(DirectoryImage6 root, String name, Address6.Fd fd) throws IOException {
    byte[] content = new byte[8193];
    Arrays.fill(content, (byte) 'a');
    content[8192] = '\n';
    Address6.SubBlock sb = Address6.SubBlock.of(0, 2);
    writeFileBytes(SBC_SFBS, SBC_HEADER.resourceOffset(0, 2, MDA), ByteBuffer.wrap(content));
    int gen = ++generation;
    root.add(name, FileType.REGULAR, fd, gen);
    writeFd(FileDescriptor6.fresh(fd, fdLogical(fd), gen, FileType.REGULAR, 0644, ROOT, TIME)
        .withLayout(content.length, 0x10000, AddressingMode.SUB_BLOCKS, 1, 0, FileDescriptor6.addressData(new long[] {sb.raw()}))
        .withLinks(1, ROOT.raw32(), 1));
    files.put("/" + name, content);
  }

  private void addSfbFile(DirectoryImage6 root, String name, Address6.Fd fd) throws IOException {
    byte[] content = new byte[(int) (MIB + MIB / 2 + 123)];
    new SplittableRandom(6).nextBytes(content);
    writeFileBytes(USER_SFBS, 0, ByteBuffer.wrap(content));
    long[] addresses = Arrays.stream(USER_SFBS).map(n -> Address6.Sfb.ofNumber(n, 512).raw()).toArray();
    int gen = ++generation;
    root.add(name, FileType.REGULAR, fd, gen);
    writeFd(FileDescriptor6.fresh(fd, fdLogical(fd), gen, FileType.REGULAR, 0644, ROOT, TIME)
        .withLayout(content.length, MIB, AddressingMode.FILE_BLOCKS, USER_SFBS.length, 0, FileDescriptor6.addressData(addresses))
        .withLinks(0, ROOT.raw32(), 1));
    files.put("/" + name, content);
  }

  // /sub lives in SBs 0 and 1 of .sbc.sf (ZLA 2), as ESXi grows directories (8.1).
  private void addCollidingDirectory(DirectoryImage6 root) throws IOException {
    Address6.Fd collide = fd(15);
    int gen = ++generation;
    root.add("collide", FileType.DIRECTORY, collide, gen);
    DirectoryImage6 dir = new DirectoryImage6(collide, gen, FileType.DIRECTORY, ROOT, 1, false);
    List<String> names = new ArrayList<>(collidingNames("collide", 14));
    for (int i = 0; i < 6; i++) {
      names.add("plain-" + i);
    }
    int r = 16;
    for (String name : names) {
      addResident(dir, collide, "collide/" + name, fd(r++), (name + "\n").getBytes(StandardCharsets.US_ASCII), false);
    }
    writeSubBlockDirectory(dir, collide, gen, 3);
  }

  /** Returns {@code count} names whose table index outside the root equals {@code seed}'s, the seed first. */
  static List<String> collidingNames(String seed, int count) {
    int index = NameHash6.tableIndex(NameHash6.of(seed), false);
    List<String> names = new ArrayList<>(List.of(seed));
    for (int i = 0; names.size() < count; i++) {
      if (NameHash6.tableIndex(NameHash6.of("n" + i), false) == index) {
        names.add("n" + i);
      }
    }
    return names;
  }

  private void writeSubBlockDirectory(DirectoryImage6 dir, Address6.Fd fd, int gen, int firstSb) throws IOException {
    byte[] bytes = dir.bytes();
    Preconditions.checkState(bytes.length <= 2 * 0x10000, "directory of %s bytes", bytes.length);
    long[] addresses = new long[2];
    for (int r = 0; r < 2; r++) {
      int from = r * 0x10000;
      int to = Math.min(bytes.length, from + 0x10000);
      writeFileBytes(SBC_SFBS, SBC_HEADER.resourceOffset(0, firstSb + r, MDA), ByteBuffer.wrap(bytes, from, to - from));
      addresses[r] = Address6.SubBlock.of(0, firstSb + r).raw();
    }
    writeFd(FileDescriptor6.fresh(fd, fdLogical(fd), gen, FileType.DIRECTORY, 0755, ROOT, TIME)
        .withLayout(bytes.length, 0x10000, AddressingMode.SUB_BLOCKS, 2, 0, FileDescriptor6.addressData(addresses)));
  }

  private void writeDirectoryFd(DirectoryImage6 dir, Address6.Fd fd, FileType type, long mode, long links, long[] sfbs, Address6.Fd parent)
      throws IOException {
    byte[] bytes = dir.bytes();
    writeFileBytes(sfbs, 0, ByteBuffer.wrap(bytes));
    long[] addresses = Arrays.stream(sfbs).map(n -> Address6.Sfb.ofNumber(n, 512).raw()).toArray();
    writeFd(FileDescriptor6.fresh(fd, fdLogical(fd), 1, type, mode, parent, TIME)
        .withLayout(bytes.length, MIB, AddressingMode.FILE_BLOCKS, sfbs.length, 0, FileDescriptor6.addressData(addresses))
        .withLinks(0, fd.raw32(), links));
  }

  // ---- FDs and raw writes

  private static long fdLogical(Address6.Fd fd) {
    return logicalOf(FDC_SFBS, FDC_HEADER.resourceOffset(fd.cluster(), fd.resource(), MDA));
  }

  private void writeFd(FileDescriptor6 fd) throws IOException {
    Address6.Fd address = new Address6.Fd((fd.rawDescAddr() >>> 6) & 0xFFFF, fd.rawDescAddr() >>> 22);
    ByteBuffer b = Vmfs6Bytes.buffer(FileDescriptor6.SIZE);
    fd.encode(b, 0);
    writeFileBytes(FDC_SFBS, FDC_HEADER.resourceOffset(address.cluster(), address.resource(), MDA), b);
    ClusterHeader6 c = fdcCluster[0];
    fdcCluster[0] = c.withState(address.resource(), 0, c.free() - 1, address.resource() + 1);
  }

  private static long logicalOf(long[] sfbs, long fileOffset) {
    return sfbs[(int) (fileOffset / MIB)] * MIB + fileOffset % MIB;
  }

  private void writeFileBytes(long[] sfbs, long fileOffset, ByteBuffer data) throws IOException {
    ByteBuffer rest = data.duplicate();
    long at = fileOffset;
    while (rest.hasRemaining()) {
      int chunk = (int) Math.min(rest.remaining(), MIB - at % MIB);
      ByteBuffer piece = rest.slice(rest.position(), chunk);
      writeLogical(logicalOf(sfbs, at), piece);
      rest.position(rest.position() + chunk);
      at += chunk;
    }
  }

  private void writeLogical(long logical, ByteBuffer data) throws IOException {
    writeDevice(LvmDeviceHeader6.DATA_OFFSET + logical, data);
  }

  private void writeDevice(long offset, ByteBuffer data) throws IOException {
    ByteBuffer b = data.duplicate();
    long at = offset;
    while (b.hasRemaining()) {
      at += channel.write(b, at);
    }
  }

  private static long[] range(long from, long to) {
    return java.util.stream.LongStream.range(from, to).toArray();
  }
}
