package org.vmfskit.fs.nio;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.vmfskit.fs.file.FileStat;

/**
 * The entries of one directory, read when the stream is opened (so the listing is a consistent
 * snapshot under the volume's read lock), then filtered lazily. Iterable once, as the contract
 * requires.
 */
final class VmfsDirectoryStream implements DirectoryStream<Path> {

  private final List<Path> entries;
  private final Filter<? super Path> filter;
  private boolean iterated;
  private boolean closed;

  VmfsDirectoryStream(VmfsPath directory, List<FileStat> listing, Filter<? super Path> filter) {
    this.entries = new ArrayList<>(listing.size());
    for (FileStat stat : listing) {
      entries.add(directory.resolve(directory.getFileSystem().getPath(stat.name())));
    }
    this.filter = filter;
  }

  @Override
  public synchronized Iterator<Path> iterator() {
    if (closed || iterated) {
      throw new IllegalStateException(closed ? "directory stream is closed" : "iterator() was already called");
    }
    iterated = true;
    return entries.stream().filter(this::accept).iterator();
  }

  private boolean accept(Path path) {
    if (closed) {
      return false;
    }
    try {
      return filter == null || filter.accept(path);
    } catch (IOException e) {
      throw new DirectoryIteratorException(e);
    } catch (UncheckedIOException e) {
      throw new DirectoryIteratorException(e.getCause());
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
  }
}
