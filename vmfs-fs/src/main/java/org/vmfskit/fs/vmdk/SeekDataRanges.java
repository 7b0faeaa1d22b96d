package org.vmfskit.fs.vmdk;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Finds where a host file holds data with Linux {@code lseek(SEEK_DATA)} / {@code lseek(SEEK_HOLE)},
 * called through the FFM API because Java has no hole query. A kernel copy ({@code copy_file_range})
 * turns a thin flat extent's holes into written zeros; copying only these ranges keeps them holes.
 *
 * <p>It opens its own read-only descriptor of the path, so the path must still name the file the
 * caller has open (stores do not replace their files under an open disk). Anywhere the answer is
 * unsure (not Linux, native access refused, a call failing) it answers "unknown" and the caller copies
 * another way: a wrong answer here would drop data from an export. Public for the recovery's image
 * hash, which hashes a sparse image's holes as zeros without reading them.
 */
public final class SeekDataRanges {

  private static final int O_RDONLY = 0;
  /** Linux's generic value (x86, arm, arm64, riscv, ppc, s390 share it). */
  private static final int O_CLOEXEC = 0x80000;
  private static final int SEEK_DATA = 3;
  private static final int SEEK_HOLE = 4;
  /** lseek's errno when no data follows the offset. */
  private static final int ENXIO = 6;

  private static final Optional<Calls> CALLS = Calls.load();

  private SeekDataRanges() {}

  /** The downcall handles; {@code lseek} also captures errno to tell "no more data" from a failure. */
  private record Calls(MethodHandle open, MethodHandle lseek, MethodHandle close, MemoryLayout errnoState,
      VarHandle errno) {

    static Optional<Calls> load() {
      if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")) {
        return Optional.empty();
      }
      try {
        Linker linker = Linker.nativeLinker();
        var libc = linker.defaultLookup();
        Linker.Option errno = Linker.Option.captureCallState("errno");
        MemoryLayout state = Linker.Option.captureStateLayout();
        return Optional.of(new Calls(
            linker.downcallHandle(libc.findOrThrow("open"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT),
                Linker.Option.firstVariadicArg(2)),
            linker.downcallHandle(libc.findOrThrow("lseek"),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT),
                errno),
            linker.downcallHandle(libc.findOrThrow("close"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT)),
            state,
            state.varHandle(MemoryLayout.PathElement.groupElement("errno"))));
      } catch (RuntimeException | LinkageError e) {
        // IllegalCallerException when native access is denied, UnsupportedOperationException on an
        // unsupported platform: either way the caller takes the portable path.
        return Optional.empty();
      }
    }
  }

  /**
   * Returns the ranges of {@code [from, to)} of {@code file} that hold data, in order and clipped to
   * {@code [from, to)}; the bytes between them are holes and read as zeros. Ranges are whole file-system
   * blocks, so they may include some zeros. Returns empty when the file is not on the default file
   * system or a call fails.
   */
  public static Optional<List<KernelCopySource.DataRange>> of(Path file, long from, long to) {
    if (CALLS.isEmpty() || file.getFileSystem() != FileSystems.getDefault()) {
      return Optional.empty();
    }
    Calls calls = CALLS.get();
    try (Arena arena = Arena.ofConfined()) {
      int fd = (int) calls.open().invokeExact(arena.allocateFrom(file.toAbsolutePath().toString()),
          O_RDONLY | O_CLOEXEC, 0);
      if (fd < 0) {
        return Optional.empty();
      }
      try {
        return scan(calls, arena.allocate(calls.errnoState()), fd, from, to);
      } finally {
        int _ = (int) calls.close().invokeExact(fd);
      }
    } catch (Throwable e) {
      // invokeExact declares Throwable; the handles above throw nothing checked, and any error
      // only means the ranges are unknown.
      return Optional.empty();
    }
  }

  private static Optional<List<KernelCopySource.DataRange>> scan(Calls calls, MemorySegment state, int fd,
      long from, long to) throws Throwable {
    List<KernelCopySource.DataRange> ranges = new ArrayList<>();
    long at = from;
    while (at < to) {
      long data = (long) calls.lseek().invokeExact(state, fd, at, SEEK_DATA);
      if (data < 0) {
        if ((int) calls.errno().get(state, 0L) == ENXIO) {
          break;
        }
        return Optional.empty();
      }
      if (data >= to) {
        break;
      }
      long hole = (long) calls.lseek().invokeExact(state, fd, data, SEEK_HOLE);
      if (hole <= data) {
        return Optional.empty();
      }
      ranges.add(new KernelCopySource.DataRange(data, Math.min(hole, to)));
      at = hole;
    }
    return Optional.of(ranges);
  }
}
