package org.vmfskit.cli;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.format.VmfsFormatException;
import org.vmfskit.fs.vmdk.Descriptor;
import org.vmfskit.fs.vmdk.DiskFile;
import org.vmfskit.fs.vmdk.DiskStore;
import org.vmfskit.fs.vmdk.HostDiskStore;
import org.vmfskit.fs.vmdk.VirtualDisk;
import org.vmfskit.fs.vmdk.VmfsDiskStore;

/**
 * The {@code vmfs disk} commands: create, info, read, write and export VMware virtual disks that
 * live in a datastore image, or with {@code --host} on the host: either IMAGE is a host directory
 * and PATH is relative to it (parents must lie inside it), or IMAGE is left out and PATH is the
 * disk's host path, as {@code qemu-img info FILE} takes it (parents are followed wherever their
 * descriptors point).
 */
final class DiskCommands {

  private static final int CHUNK = 8 << 20;

  private DiskCommands() {}

  static List<Command> all() {
    return List.of(new Create(), new Info(), new Read(), new Write(), new Zero(), new Export());
  }

  static Option host() {
    return VolumeCommands.flag(null, "host", "the disk is a host file: IMAGE is a host directory holding it, or leave IMAGE out and give the disk's host path");
  }

  /**
   * An open store, the disk's path in it, and whatever must be closed with it.
   *
   * @param hostRooted whether the store is the host file-system root (a disk named by its host path alone)
   */
  record OpenStore(DiskStore store, String path, boolean hostRooted, Closeable owner) implements Closeable {

    /** Returns a store path as the user knows it: a host path when the store is the file-system root. */
    String display(String storePath) {
      return hostRooted ? "/" + storePath : storePath;
    }

    @Override
    public void close() throws IOException {
      if (owner != null) {
        owner.close();
      }
    }
  }

  /**
   * Opens the store the disk lives in. {@code arity} is the command's full argument count (IMAGE
   * PATH ...); with {@code --host} one fewer means IMAGE was left out and PATH is a host path.
   */
  static OpenStore open(CommandLine line, boolean writable, int arity) throws IOException, UsageException {
    String[] args = line.getArgs();
    if (line.hasOption("host") && args.length == arity - 1) {
      Path file = Path.of(args[0]);
      HostDiskStore store = HostDiskStore.ofFile(file, writable);
      return new OpenStore(store, HostDiskStore.storePath(file), true, null);
    }
    if (args.length < arity) {
      throw new UsageException("give IMAGE and PATH.vmdk (only with --host may IMAGE be left out, PATH then being the disk's host path)");
    }
    Path location = Path.of(args[0]);
    if (line.hasOption("host")) {
      if (!Files.isDirectory(location)) {
        throw new java.nio.file.NotDirectoryException(location.toString());
      }
      return new OpenStore(writable ? HostDiskStore.of(location) : HostDiskStore.readOnly(location), args[1], false, null);
    }
    Vmfs vmfs = writable ? Images.openWritable(location, line.hasOption("force")) : Images.openReadOnly(location);
    return new OpenStore(VmfsDiskStore.of(vmfs), args[1], false, vmfs);
  }

  /** Returns the allocation named by {@code --type}: thin (the default), zeroedthick or eagerzeroedthick. */
  static DiskStore.Allocation allocation(CommandLine line) throws UsageException {
    return switch (line.getOptionValue("type", "thin").toLowerCase(Locale.ROOT)) {
      case "thin" -> DiskStore.Allocation.THIN;
      case "zeroedthick" -> DiskStore.Allocation.ZEROED_THICK;
      case "eagerzeroedthick" -> DiskStore.Allocation.EAGER_ZEROED_THICK;
      default -> throw new UsageException("--type must be thin, zeroedthick or eagerzeroedthick");
    };
  }

  /** {@code vmfs disk create IMAGE PATH.vmdk --size SIZE [--type ...]}. */
  static final class Create implements Command {
    public String name() { return "disk create"; }
    public String synopsis() { return "[IMAGE] PATH.vmdk --size SIZE [--type thin|zeroedthick|eagerzeroedthick] [--force] [--host]"; }
    public String summary() { return "create a base disk (createType vmfs: descriptor plus -flat.vmdk)"; }
    public int[] arity() { return new int[] {1, 2}; }

    public Options options() {
      return new Options().addOption(Option.builder().longOpt("size").hasArg().argName("SIZE").required().desc("capacity, e.g. 10G").get())
          .addOption(VolumeCommands.valued("type", "TYPE", "thin (default), zeroedthick or eagerzeroedthick"))
          .addOption(VolumeCommands.flag("f", "force", "replace an existing disk (its descriptor and the extents it names); write even to an image file whose mode is read-only"))
          .addOption(host());
    }

    public int execute(CommandLine line, CliContext context) throws IOException, UsageException {
      long size = Sizes.parse(line.getOptionValue("size"), "--size");
      if (size <= 0 || size % 512 != 0) {
        throw new UsageException("--size must be a positive multiple of 512 bytes");
      }
      DiskStore.Allocation allocation = allocation(line);
      try (OpenStore store = open(line, true, 2)) {
        String path = store.path();
        if (!path.endsWith(".vmdk")) {
          throw new UsageException("PATH must end in .vmdk (the extent is PATH-flat.vmdk)");
        }
        String flat = path.substring(0, path.length() - ".vmdk".length()) + "-flat.vmdk";
        if (store.store().exists(path) || store.store().exists(flat)) {
          if (!line.hasOption("force")) {
            throw new FileAlreadyExistsException(store.display(store.store().exists(path) ? path : flat), null, "already exists (use --force to replace the disk)");
          }
          remove(store.store(), path, flat);
        }
        try (VirtualDisk disk = VirtualDisk.createBase(store.store(), path, size, allocation)) {
          context.out().printf("created %s: %s, %s%n", store.display(disk.path()), Sizes.human(disk.capacity()), line.getOptionValue("type", "thin"));
        }
      }
      return VmfsCli.OK;
    }

    /** Deletes the disk {@code path} (its descriptor and the extents it names) and a {@code flat} file left without one. */
    private static void remove(DiskStore store, String path, String flat) throws IOException {
      if (store.exists(path)) {
        for (String extent : extentsNamedBy(store, path)) {
          if (!extent.equals(path) && store.exists(extent)) {
            store.delete(extent);
          }
        }
        store.delete(path);
      }
      if (store.exists(flat)) {
        store.delete(flat);
      }
    }

    private static List<String> extentsNamedBy(DiskStore store, String path) throws IOException {
      try (DiskFile file = store.open(path, false)) {
        if (file.size() > Descriptor.MAX_SIZE) {
          return List.of(); // a monolithic disk: the file holds its own extent
        }
        byte[] raw = new byte[(int) file.size()];
        file.readFully(0, ByteBuffer.wrap(raw));
        return Descriptor.parse(raw, 0).extents().stream().map(extent -> store.resolve(path, extent.fileName())).toList();
      } catch (VmfsFormatException notText) {
        return List.of(); // not a text descriptor: the file is the whole disk
      }
    }
  }

  /** {@code vmfs disk info IMAGE PATH.vmdk [--json]}. */
  static final class Info implements Command {
    public String name() { return "disk info"; }
    public String synopsis() { return "[IMAGE] PATH.vmdk [--json] [--host]"; }
    public String summary() { return "show a disk's chain: files, createTypes, CIDs, capacity, bytes allocated per layer"; }
    public int[] arity() { return new int[] {1, 2}; }
    public Options options() { return new Options().addOption(VolumeCommands.json()).addOption(host()); }

    public int execute(CommandLine line, CliContext context) throws IOException, UsageException {
      try (OpenStore store = open(line, false, 2); VirtualDisk disk = VirtualDisk.open(store.store(), store.path(), false)) {
        VirtualDisk.Info info = disk.info();
        if (line.hasOption("json")) {
          java.util.List<java.util.Map<String, Object>> layers = new java.util.ArrayList<>();
          for (VirtualDisk.LayerInfo layer : info.chain()) {
            java.util.Map<String, Object> row = new java.util.LinkedHashMap<>();
            row.put("path", store.display(layer.path()));
            row.put("createType", layer.createType());
            row.put("cid", "%08x".formatted(layer.cid()));
            row.put("parentCid", "%08x".formatted(layer.parentCid()));
            row.put("parentFileNameHint", layer.parentFileNameHint().orElse(null));
            row.put("extentFiles", layer.extentFiles());
            row.put("allocatedBytes", layer.allocatedBytes());
            layers.add(row);
          }
          java.util.Map<String, Object> json = new java.util.LinkedHashMap<>();
          json.put("capacityBytes", info.capacityBytes());
          json.put("chain", layers);
          context.out().println(Json.write(json));
          return VmfsCli.OK;
        }
        context.out().printf("capacity: %s (%d bytes), %d layer(s), top first:%n", Sizes.human(info.capacityBytes()), info.capacityBytes(), info.chain().size());
        for (VirtualDisk.LayerInfo layer : info.chain()) {
          context.out().printf("  %s  %s  CID %08x  parentCID %08x  %s allocated  extents %s%s%n", store.display(layer.path()), layer.createType(), layer.cid(),
              layer.parentCid(), Sizes.human(layer.allocatedBytes()), layer.extentFiles(),
              layer.parentFileNameHint().map(h -> "  parent " + h).orElse(""));
        }
      }
      return VmfsCli.OK;
    }
  }

  /** {@code vmfs disk read IMAGE PATH.vmdk [--offset N] [--length N]}. */
  static final class Read implements Command {
    public String name() { return "disk read"; }
    public String synopsis() { return "[IMAGE] PATH.vmdk [--offset N] [--length N] [--host]"; }
    public String summary() { return "write guest bytes of the disk (through its whole chain) to standard output"; }
    public int[] arity() { return new int[] {1, 2}; }

    public Options options() {
      return new Options().addOption(VolumeCommands.valued("offset", "N", "first byte, default 0"))
          .addOption(VolumeCommands.valued("length", "N", "bytes to read, default to the end")).addOption(host());
    }

    public int execute(CommandLine line, CliContext context) throws IOException, UsageException {
      try (OpenStore store = open(line, false, 2); VirtualDisk disk = VirtualDisk.open(store.store(), store.path(), false)) {
        long offset = Sizes.option(line, "offset", 0);
        long length = Sizes.option(line, "length", Math.max(0, disk.capacity() - offset));
        if (offset > disk.capacity() || length > disk.capacity() - offset) {
          throw new UsageException("range " + offset + "+" + length + " passes the disk's capacity (" + disk.capacity() + ")");
        }
        WritableByteChannel out = context.outChannel();
        ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
        for (long done = 0; done < length; ) {
          int n = (int) Math.min(CHUNK, length - done);
          buffer.clear().limit(n);
          disk.read(offset + done, buffer);
          buffer.flip();
          while (buffer.hasRemaining()) {
            out.write(buffer);
          }
          done += n;
        }
      }
      return VmfsCli.OK;
    }
  }

  /** {@code vmfs disk write IMAGE PATH.vmdk --offset N --from LOCALFILE}. */
  static final class Write implements Command {
    public String name() { return "disk write"; }
    public String synopsis() { return "[IMAGE] PATH.vmdk --offset N --from LOCALFILE [--host]"; }
    public String summary() { return "a guest write: LOCALFILE's bytes written into the disk's top layer at offset N"; }
    public int[] arity() { return new int[] {1, 2}; }

    public Options options() {
      return new Options().addOption(Images.force()).addOption(Option.builder().longOpt("offset").hasArg().argName("N").required().desc("guest byte offset").get())
          .addOption(Option.builder().longOpt("from").hasArg().argName("LOCALFILE").required().desc("host file with the bytes to write").get())
          .addOption(host());
    }

    public int execute(CommandLine line, CliContext context) throws IOException, UsageException {
      long offset = Sizes.option(line, "offset", 0);
      Path from = Path.of(line.getOptionValue("from"));
      try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ); OpenStore store = open(line, true, 2);
          VirtualDisk disk = VirtualDisk.open(store.store(), store.path(), true)) {
        long length = in.size();
        if (offset < 0 || offset > disk.capacity() || length > disk.capacity() - offset) {
          throw new UsageException("write of " + length + " bytes at " + offset + " passes the disk's capacity (" + disk.capacity() + ")");
        }
        ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
        for (long done = 0; done < length; ) {
          buffer.clear().limit((int) Math.min(CHUNK, length - done));
          while (buffer.hasRemaining() && in.read(buffer, done + buffer.position()) > 0) {
            // keep reading
          }
          buffer.flip();
          int n = buffer.remaining();
          disk.write(offset + done, buffer);
          done += n;
        }
        disk.flush();
      }
      return VmfsCli.OK;
    }
  }

  /** {@code vmfs disk zero IMAGE PATH.vmdk --offset N --length N [--unmap]}. */
  static final class Zero implements Command {
    public String name() { return "disk zero"; }
    public String synopsis() { return "[IMAGE] PATH.vmdk --offset N --length N [--unmap] [--host]"; }
    public String summary() { return "a guest WRITE ZEROES (or UNMAP): the range reads as zeros; SEsparse keeps whole grains as states, without data"; }
    public int[] arity() { return new int[] {1, 2}; }

    public Options options() {
      return new Options().addOption(Images.force()).addOption(Option.builder().longOpt("offset").hasArg().argName("N").required().desc("guest byte offset").get())
          .addOption(Option.builder().longOpt("length").hasArg().argName("N").required().desc("bytes").get())
          .addOption(VolumeCommands.flag(null, "unmap", "mark whole SEsparse grains unmapped rather than zero"))
          .addOption(host());
    }

    public int execute(CommandLine line, CliContext context) throws IOException, UsageException {
      long offset = Sizes.option(line, "offset", 0);
      long length = Sizes.option(line, "length", 0);
      try (OpenStore store = open(line, true, 2); VirtualDisk disk = VirtualDisk.open(store.store(), store.path(), true)) {
        if (offset < 0 || length < 0 || offset > disk.capacity() || length > disk.capacity() - offset) {
          throw new UsageException("range of " + length + " bytes at " + offset + " passes the disk's capacity (" + disk.capacity() + ")");
        }
        disk.zeroRange(offset, length, line.hasOption("unmap"));
        disk.flush();
      }
      return VmfsCli.OK;
    }
  }

  /** {@code vmfs disk export IMAGE PATH.vmdk OUT [--format raw|flat|monolithicSparse|streamOptimized]}. */
  static final class Export implements Command {
    public String name() { return "disk export"; }
    public String synopsis() { return "[IMAGE] PATH.vmdk OUT [--format raw|flat|monolithicSparse|streamOptimized] [--force] [--host] [--quiet]"; }
    public String summary() {
      return "flatten the disk's chain into a host file: raw image, flat VMDK (OUT.vmdk + OUT-flat.vmdk), monolithicSparse or streamOptimized (OVF)";
    }
    public int[] arity() { return new int[] {2, 3}; }

    public Options options() {
      return new Options().addOption(VolumeCommands.valued("format", "FORMAT", "raw (default), flat, monolithicSparse or streamOptimized"))
          .addOption(VolumeCommands.flag("f", "force", "overwrite OUT")).addOption(host())
          .addOption(VolumeCommands.flag("q", "quiet", "no progress bar"));
    }

    public int execute(CommandLine line, CliContext context) throws IOException, UsageException {
      Path out = Path.of(line.getArgs()[line.getArgs().length - 1]).toAbsolutePath();
      String format = line.getOptionValue("format", "raw");
      if (!List.of("raw", "flat", "monolithicsparse", "streamoptimized").contains(format.toLowerCase(Locale.ROOT))) {
        throw new UsageException("--format must be raw, flat, monolithicSparse or streamOptimized");
      }
      if (Files.exists(out) && !line.hasOption("force")) {
        throw new FileAlreadyExistsException(out.toString(), null, "already exists (use --force to overwrite)");
      }
      String name = out.getFileName().toString();
      // Written into a temporary directory beside OUT and moved into place when complete: a
      // failure leaves no partial OUT, and an existing OUT stays until the new one is whole.
      try (OpenStore store = open(line, false, 3); VirtualDisk disk = VirtualDisk.open(store.store(), store.path(), false);
          PartialOutput partial = PartialOutput.directory(out); ProgressBars bars = new ProgressBars(context)) {
        HostDiskStore target = HostDiskStore.of(partial.path());
        disk.onExportProgress(done -> bars.update("export", done, disk.capacity()));
        switch (format.toLowerCase(Locale.ROOT)) {
          case "raw" -> {
            try (DiskFile file = target.create(name)) {
              disk.exportRaw(file);
            }
          }
          case "flat" -> disk.exportFlat(target, name).close();
          case "streamoptimized" -> {
            try (DiskFile file = target.create(name)) {
              disk.exportStreamOptimized(file);
            }
          }
          default -> {
            try (DiskFile file = target.create(name)) {
              disk.exportMonolithicSparse(file);
            }
          }
        }
        partial.commit(line.hasOption("force"));
      } catch (IOException e) {
        throw OutputFileException.attribute(e, out);
      }
      return VmfsCli.OK;
    }
  }
}
