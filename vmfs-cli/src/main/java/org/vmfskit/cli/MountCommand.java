package org.vmfskit.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.spi.FileSystemProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;
import java.util.concurrent.TimeoutException;
import org.cryptomator.jfuse.api.Fuse;
import org.cryptomator.jfuse.api.FuseBuilder;
import org.cryptomator.jfuse.api.FuseMountFailedException;
import org.vmfskit.fs.nio.VmfsFileSystem;
import org.vmfskit.fs.nio.VmfsFileSystemProvider;

/**
 * {@code vmfs mount} and {@code vmfs umount}: serve a datastore's files at a directory through
 * FUSE: libfuse3 through jfuse's FFM binding, its operations mapped onto the vmfs nio file system
 * by {@link VmfsFuseOperations}. The mount is read-only unless {@code --writable}: the kernel mount
 * carries {@code ro}, only the reading operations are registered, and the file system beneath
 * refuses every change, so evidence is never written.
 */
final class MountCommand {

  /** Where libfuse3 is looked for, first match wins (Debian/Ubuntu multiarch, Fedora, Arch, Flatpak). */
  static final List<String> LIBFUSE3_PATHS = List.of("/lib/x86_64-linux-gnu/libfuse3.so.3", "/usr/lib/x86_64-linux-gnu/libfuse3.so.3",
      "/lib/aarch64-linux-gnu/libfuse3.so.3", "/usr/lib/aarch64-linux-gnu/libfuse3.so.3", "/usr/lib64/libfuse3.so.3",
      "/usr/lib/libfuse3.so.3", "/usr/lib/libfuse3.so", "/app/lib/libfuse3.so");
  private static final String FUSERMOUNT = "fusermount3";

  private MountCommand() {}

  static List<Command> all() {
    return List.of(new MountVolume(), new Umount());
  }

  /** {@code vmfs mount IMAGE MOUNTPOINT [--writable]}. */
  static final class MountVolume implements Command {
    public String name() { return "mount"; }
    public String synopsis() { return "IMAGE MOUNTPOINT [--writable]"; }
    public String summary() { return "serve the datastore at MOUNTPOINT through FUSE, read-only unless --writable; runs until Ctrl-C or vmfs umount"; }
    public int[] arity() { return new int[] {2, 2}; }

    public Options options() {
      return new Options().addOption(VolumeCommands.flag(null, "writable", "allow changes (the image is opened read-write and locked)"));
    }

    public int execute(CommandLine line, CliContext context) throws IOException {
      Path image = Path.of(line.getArgs()[0]);
      Path mountPoint = Path.of(line.getArgs()[1]);
      boolean writable = line.hasOption("writable");
      checkFuse();
      if (!Files.isDirectory(mountPoint)) {
        throw Files.exists(mountPoint) ? new NotDirectoryException(mountPoint.toString()) : new NoSuchFileException(mountPoint.toString(), null, "mount point does not exist");
      }
      Path target = mountPoint.toRealPath();
      if (isMounted(target)) {
        throw new FileSystemException(target.toString(), null, "something is already mounted here (vmfs umount " + target + ")");
      }
      VmfsFileSystem fs = openVolume(image, writable);
      Fuse mount;
      try {
        mount = mount(fs, image, target, writable);
      } catch (LinkageError e) {
        fs.close();
        throw new FileSystemException(image.toString(), null, "cannot load libfuse3: " + e.getMessage());
      } catch (IOException | RuntimeException e) {
        fs.close();
        throw e;
      }
      Unmounter unmounter = new Unmounter(mount, fs, target);
      Thread hook = new Thread(unmounter::run, "vmfs-umount");
      Runtime.getRuntime().addShutdownHook(hook);
      context.err().printf("vmfs: mounted %s at %s (%s); Ctrl-C or 'vmfs umount %s' unmounts%n", image, target, writable ? "writable" : "read-only", target);
      try {
        while (isMounted(target) && !unmounter.started()) {
          TimeUnit.MILLISECONDS.sleep(200);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      unmounter.run();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // Already shutting down: the hook is running or has run.
      }
      return VmfsCli.OK;
    }
  }

  /** {@code vmfs umount MOUNTPOINT [--lazy]}. */
  static final class Umount implements Command {
    public String name() { return "umount"; }
    public String synopsis() { return "MOUNTPOINT [--lazy]"; }
    public String summary() { return "unmount a vmfs mount (fusermount3 -u); the vmfs mount process then exits"; }
    public int[] arity() { return new int[] {1, 1}; }

    public Options options() {
      return new Options().addOption(VolumeCommands.flag("z", "lazy", "detach now even when busy, clean up when no longer used"));
    }

    public int execute(CommandLine line, CliContext context) throws IOException {
      Path mountPoint = Path.of(line.getArgs()[0]);
      fusermountUnmount(mountPoint, line.hasOption("lazy"));
      return VmfsCli.OK;
    }
  }

  /** Unmounts once, from the shutdown hook or from the main thread, whichever comes first. */
  private record Unmounter(Fuse mount, FileSystem fs, Path target, AtomicBoolean once) {
    Unmounter(Fuse mount, FileSystem fs, Path target) {
      this(mount, fs, target, new AtomicBoolean());
    }

    boolean started() {
      return once.get();
    }

    void run() {
      if (!once.compareAndSet(false, true)) {
        return;
      }
      try {
        // After 'vmfs umount' the kernel mount is gone and the FUSE loop has ended: only the
        // session is left to free.
        if (isMounted(target)) {
          try {
            fusermountUnmount(target, false);
          } catch (IOException e) {
            fusermountUnmount(target, true); // busy (a shell inside it): detach lazily
          }
        }
        mount.close();
      } catch (TimeoutException | IOException | RuntimeException e) {
        System.err.println("vmfs: " + target + ": unmount failed: " + e.getMessage() + " (try: fusermount3 -uz " + target + ")");
      } finally {
        try {
          fs.close();
        } catch (IOException e) {
          System.err.println("vmfs: " + target + ": closing the image failed: " + e.getMessage());
        }
      }
    }
  }

  private static VmfsFileSystem openVolume(Path image, boolean writable) throws IOException {
    // Opened through Images, so a partition of a disk image, an .E01 set or a VMDK mount as well.
    org.vmfskit.fs.file.Vmfs vmfs = writable ? Images.openWritable(image) : Images.openReadOnly(image);
    FileSystemProvider provider = FileSystemProvider.installedProviders().stream()
        .filter(p -> p.getScheme().equals("vmfs")).findFirst().orElseGet(VmfsFileSystemProvider::new);
    try {
      return (VmfsFileSystem) provider.newFileSystem(image, Map.of("writable", writable, "volume", vmfs));
    } catch (IOException | RuntimeException e) {
      vmfs.close();
      throw e;
    }
  }

  private static Fuse mount(VmfsFileSystem fs, Path image, Path target, boolean writable) throws IOException {
    FuseBuilder builder;
    try {
      builder = Fuse.builder();
    } catch (UnsupportedOperationException e) {
      throw new FileSystemException(target.toString(), null, "FUSE mounts are not supported on " + System.getProperty("os.name") + "/" + System.getProperty("os.arch"));
    }
    LIBFUSE3_PATHS.stream().filter(p -> Files.exists(Path.of(p))).findFirst().ifPresent(builder::setLibraryPath);
    Fuse fuse = builder.build(new VmfsFuseOperations(fs, builder.errno(), writable));
    String fsName = ("vmfs:" + image.toAbsolutePath()).replace(",", "\\,");
    List<String> flags = new ArrayList<>(List.of("-oauto_unmount", "-oattr_timeout=5", "-ofsname=" + fsName, "-osubtype=vmfs"));
    // Files appear owned by whoever mounts (VMFS stores ESXi's ids, usually root's).
    flags.add("-ouid=" + Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    flags.add("-ogid=" + Files.getAttribute(Path.of("/proc/self"), "unix:gid"));
    if (!writable) {
      flags.add("-oro");
    }
    try {
      fuse.mount("vmfs", target, flags.toArray(String[]::new));
      return fuse;
    } catch (FuseMountFailedException | IllegalArgumentException e) {
      closeQuietly(fuse);
      throw new FileSystemException(target.toString(), null, "mount failed: " + (e.getMessage() == null ? e.getCause() : e.getMessage()));
    }
  }

  private static void closeQuietly(Fuse fuse) {
    try {
      fuse.close();
    } catch (TimeoutException | RuntimeException e) {
      // The mount never came up; the image is closed by the caller.
    }
  }

  /** Fails with a clear message when the kernel device or libfuse3 / fusermount3 is missing. */
  static void checkFuse() throws IOException {
    if (!Files.exists(Path.of("/dev/fuse"))) {
      throw new FileSystemException("/dev/fuse", null,
          "missing: FUSE is not available (load the module with 'modprobe fuse'; in a container add --device /dev/fuse --cap-add SYS_ADMIN)");
    }
    if (LIBFUSE3_PATHS.stream().map(Path::of).noneMatch(Files::exists)) {
      throw new FileSystemException("libfuse3", null, "not found (looked at " + String.join(", ", LIBFUSE3_PATHS)
          + "); install it, e.g. 'apt-get install fuse3 libfuse3-3'");
    }
  }

  /** Returns whether something is mounted at {@code mountPoint} (an absolute, real path). */
  static boolean isMounted(Path mountPoint) throws IOException {
    String wanted = mountPoint.toString();
    for (String entry : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
      String[] fields = entry.split(" ");
      if (fields.length > 4 && unescape(fields[4]).equals(wanted)) {
        return true;
      }
    }
    return false;
  }

  private static String unescape(String field) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && i + 3 < field.length()) {
        out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  static void fusermountUnmount(Path mountPoint, boolean lazy) throws IOException {
    List<String> command = lazy ? List.of(FUSERMOUNT, "-u", "-z", "--", mountPoint.toString()) : List.of(FUSERMOUNT, "-u", "--", mountPoint.toString());
    Process process;
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new FileSystemException(FUSERMOUNT, null, "cannot run it (" + e.getMessage() + "); install fuse3");
    }
    try {
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroy();
        throw new FileSystemException(mountPoint.toString(), null, FUSERMOUNT + " -u did not finish in 30 s");
      }
      if (process.exitValue() != 0) {
        throw new FileSystemException(mountPoint.toString(), null, "unmount failed: " + output.replace('\n', ' '));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FileSystemException(mountPoint.toString(), null, "interrupted while unmounting");
    }
  }
}
