package org.vmfskit.cli;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * A host output ({@code get}, {@code disk export}) written under a temporary name beside its
 * final one, {@code .NAME.<8 hex>.vmfskit-partial}, and renamed into place only when complete: a
 * failed or interrupted command never leaves a partial file under the name that was asked for,
 * so the retry needs no {@code --force}. On failure or Ctrl-C the partial output is deleted; only
 * a kill -9 or a power cut leaves one behind, which blocks nothing and may be deleted.
 */
final class PartialOutput implements Closeable {

  /** How the temporary names end, for the README and for tests. */
  static final String SUFFIX = ".vmfskit-partial";

  private final Path target;
  private final Path partial;
  private final Thread onExit;
  private boolean committed;

  /** A device or pipe ({@code /dev/null}), written in place: renaming over it would replace it with a file. */
  private PartialOutput(Path special) {
    this.target = special;
    this.partial = special;
    this.onExit = null;
    this.committed = true;
  }

  private PartialOutput(Path target, boolean directory) throws IOException {
    // Through a symbolic link to the file it names: the link stays, the file is replaced.
    this.target = Files.exists(target) ? target.toRealPath() : target.toAbsolutePath();
    String random = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    this.partial = this.target.resolveSibling("." + this.target.getFileName() + "." + random + SUFFIX);
    if (directory) {
      Files.createDirectory(partial);
    }
    // Ctrl-C or SIGTERM ends the JVM without reaching close().
    this.onExit = new Thread(this::deleteQuietly, "vmfs-delete-partial-output");
    Runtime.getRuntime().addShutdownHook(onExit);
  }

  /**
   * Reserves a temporary name for the single file {@code target}, created by {@link #open}; an
   * existing device or pipe is written in place.
   */
  static PartialOutput file(Path target) throws IOException {
    return isSpecial(target) ? new PartialOutput(target) : new PartialOutput(target, false);
  }

  /**
   * Creates a temporary directory for an output of several files that go beside {@code target}
   * (a descriptor and its extent): they are written into it under their final names.
   */
  static PartialOutput directory(Path target) throws IOException {
    if (isSpecial(target)) {
      throw new java.nio.file.FileSystemException(target.toString(), null, "not a regular file (give the name of a file to write)");
    }
    return new PartialOutput(target, true);
  }

  private static boolean isSpecial(Path target) {
    return Files.exists(target) && !Files.isRegularFile(target) && !Files.isDirectory(target);
  }

  /** Creates the temporary file, sparse, for writing (opens a device or pipe as it is). */
  FileChannel open() throws IOException {
    if (partial == target) {
      return FileChannel.open(target, StandardOpenOption.WRITE);
    }
    return FileChannel.open(partial, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.SPARSE);
  }

  /** Returns the temporary directory (or file). */
  Path path() {
    return partial;
  }

  /**
   * Renames the complete output into place, replacing existing files only when {@code replace}.
   * A directory's files move one by one, {@code target} itself last, so the name that was asked
   * for appears only once what it refers to is there.
   */
  void commit(boolean replace) throws IOException {
    if (partial == target) {
      return;
    }
    if (!Files.isDirectory(partial)) {
      move(partial, target, replace);
    } else {
      List<Path> files = new ArrayList<>();
      try (Stream<Path> list = Files.list(partial)) {
        list.sorted(Comparator.comparing((Path p) -> p.getFileName().equals(target.getFileName())).thenComparing(Path::toString)).forEach(files::add);
      }
      for (Path file : files) {
        move(file, target.resolveSibling(file.getFileName()), replace);
      }
      Files.delete(partial);
    }
    committed = true;
  }

  private static void move(Path from, Path to, boolean replace) throws IOException {
    if (replace) {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } else if (Files.exists(to, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      throw new FileAlreadyExistsException(to.toString(), null, "already exists (use --force to overwrite)");
    } else {
      Files.move(from, to);
    }
  }

  /** Deletes the partial output unless it was committed. */
  @Override
  public void close() throws IOException {
    if (onExit == null) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(onExit);
    } catch (IllegalStateException shuttingDown) {
      // The hook is running or about to.
    }
    if (!committed) {
      delete();
    }
  }

  private void deleteQuietly() {
    if (!committed) {
      try {
        delete();
      } catch (IOException e) {
        // Best effort while the JVM exits; the README names these files.
      }
    }
  }

  private void delete() throws IOException {
    if (Files.isDirectory(partial, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      try (Stream<Path> list = Files.list(partial)) {
        for (Path file : list.toList()) {
          Files.deleteIfExists(file);
        }
      }
    }
    Files.deleteIfExists(partial);
  }
}
