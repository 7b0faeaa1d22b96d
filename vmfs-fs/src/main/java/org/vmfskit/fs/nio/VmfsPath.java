package org.vmfskit.fs.nio;

import com.google.common.base.Preconditions;
import java.io.IOException;
import java.net.URI;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A path on a VMFS volume: slash-separated names, absolute when it starts with {@code /}. The
 * working directory of relative paths is the root. Paths are pure values; only
 * {@link #toRealPath} touches the volume.
 */
public final class VmfsPath implements Path {

  private final VmfsFileSystem fileSystem;
  private final boolean absolute;
  private final List<String> names;

  VmfsPath(VmfsFileSystem fileSystem, boolean absolute, List<String> names) {
    this.fileSystem = fileSystem;
    this.absolute = absolute;
    this.names = List.copyOf(names);
  }

  /** Parses {@code text}: empty names (double or trailing slashes) are dropped. */
  static VmfsPath parse(VmfsFileSystem fileSystem, String text) {
    Preconditions.checkArgument(text.indexOf('\0') < 0, "path contains NUL: %s", text);
    List<String> names = Arrays.stream(text.split("/")).filter(s -> !s.isEmpty()).toList();
    return new VmfsPath(fileSystem, text.startsWith("/"), names);
  }

  static VmfsPath check(Path path) {
    if (!(path instanceof VmfsPath vmfsPath)) {
      throw new ProviderMismatchException("not a vmfs path: " + (path == null ? null : path.getClass().getName()));
    }
    return vmfsPath;
  }

  /** Returns the absolute path string the file layer resolves ({@code /} for the root). */
  String volumePath() {
    return "/" + String.join("/", names);
  }

  @Override
  public VmfsFileSystem getFileSystem() {
    return fileSystem;
  }

  @Override
  public boolean isAbsolute() {
    return absolute;
  }

  @Override
  public Path getRoot() {
    return absolute ? new VmfsPath(fileSystem, true, List.of()) : null;
  }

  @Override
  public Path getFileName() {
    return names.isEmpty() ? null : new VmfsPath(fileSystem, false, List.of(names.getLast()));
  }

  @Override
  public Path getParent() {
    if (names.isEmpty() || (names.size() == 1 && !absolute)) {
      return null;
    }
    return new VmfsPath(fileSystem, absolute, names.subList(0, names.size() - 1));
  }

  @Override
  public int getNameCount() {
    return names.size();
  }

  @Override
  public Path getName(int index) {
    return new VmfsPath(fileSystem, false, List.of(names.get(index)));
  }

  @Override
  public Path subpath(int beginIndex, int endIndex) {
    if (beginIndex < 0 || endIndex > names.size() || beginIndex >= endIndex) {
      throw new IllegalArgumentException("bad subpath range " + beginIndex + ".." + endIndex + " of " + this);
    }
    return new VmfsPath(fileSystem, false, names.subList(beginIndex, endIndex));
  }

  @Override
  public boolean startsWith(Path other) {
    if (!(other instanceof VmfsPath o) || o.fileSystem != fileSystem || o.absolute != absolute || o.names.size() > names.size()) {
      return false;
    }
    return names.subList(0, o.names.size()).equals(o.names);
  }

  @Override
  public boolean endsWith(Path other) {
    if (!(other instanceof VmfsPath o) || o.fileSystem != fileSystem || o.names.size() > names.size()) {
      return false;
    }
    if (o.absolute) {
      return equals(o);
    }
    return names.subList(names.size() - o.names.size(), names.size()).equals(o.names);
  }

  @Override
  public Path normalize() {
    List<String> out = new ArrayList<>();
    for (String name : names) {
      if (name.equals(".")) {
        continue;
      }
      if (name.equals("..") && !out.isEmpty() && !out.getLast().equals("..")) {
        out.removeLast();
      } else if (!(name.equals("..") && absolute)) {
        out.add(name);
      }
    }
    return new VmfsPath(fileSystem, absolute, out);
  }

  @Override
  public Path resolve(Path other) {
    VmfsPath o = check(other);
    if (o.absolute) {
      return o;
    }
    List<String> joined = new ArrayList<>(names);
    joined.addAll(o.names);
    return new VmfsPath(fileSystem, absolute, joined);
  }

  @Override
  public Path relativize(Path other) {
    VmfsPath o = check(other);
    if (o.absolute != absolute) {
      throw new IllegalArgumentException("cannot relativize " + other + " against " + this);
    }
    int common = 0;
    while (common < names.size() && common < o.names.size() && names.get(common).equals(o.names.get(common))) {
      common++;
    }
    List<String> out = new ArrayList<>();
    for (int i = common; i < names.size(); i++) {
      out.add("..");
    }
    out.addAll(o.names.subList(common, o.names.size()));
    return new VmfsPath(fileSystem, false, out);
  }

  /** Returns {@code vmfs:<image URI>!<absolute path>}, after zipfs's {@code jar:} URIs. */
  @Override
  public URI toUri() {
    return fileSystem.uriOf(((VmfsPath) toAbsolutePath()).volumePath());
  }

  @Override
  public Path toAbsolutePath() {
    return absolute ? this : new VmfsPath(fileSystem, true, names);
  }

  @Override
  public Path toRealPath(LinkOption... options) throws IOException {
    VmfsPath real = (VmfsPath) toAbsolutePath().normalize();
    fileSystem.vmfs().stat(real.volumePath(), !VmfsFileSystemProvider.noFollow(options));
    return real;
  }

  @Override
  public WatchKey register(WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers) {
    throw new UnsupportedOperationException("vmfs file systems have no watch service");
  }

  @Override
  public int compareTo(Path other) {
    return toString().compareTo(check(other).toString());
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof VmfsPath o && o.fileSystem == fileSystem && o.absolute == absolute && o.names.equals(names);
  }

  @Override
  public int hashCode() {
    return System.identityHashCode(fileSystem) * 31 + toString().hashCode();
  }

  @Override
  public String toString() {
    return (absolute ? "/" : "") + String.join("/", names);
  }
}
