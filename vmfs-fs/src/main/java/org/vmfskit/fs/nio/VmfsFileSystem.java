package org.vmfskit.fs.nio;

import java.io.IOException;
import java.net.URI;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.ReadOnlyFileSystemException;
import java.nio.file.WatchService;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.vmfskit.fs.file.Vmfs;

/**
 * An open VMFS volume seen as a {@link FileSystem}: one root, one file store, the views
 * {@code basic}, {@code posix} and {@code vmfs}. Read-only unless opened with
 * {@code "writable" = true}; closing it closes the image.
 */
public final class VmfsFileSystem extends FileSystem {

  private static final Set<String> VIEWS = Set.of("basic", "posix", "vmfs");

  private final VmfsFileSystemProvider provider;
  private final Path image;
  private final Vmfs vmfs;
  private final boolean readOnly;
  private final VmfsFileStore store;
  private final AtomicBoolean open = new AtomicBoolean(true);

  VmfsFileSystem(VmfsFileSystemProvider provider, Path image, Vmfs vmfs, boolean readOnly) {
    this.provider = provider;
    this.image = image;
    this.vmfs = vmfs;
    this.readOnly = readOnly;
    this.store = new VmfsFileStore(vmfs, readOnly);
  }

  /** Returns the real path of the image file this volume lives in, or null for one on a device. */
  public Path image() {
    return image;
  }

  /** Returns the {@code vmfs:} URI of {@code volumePath}: the image's, or for a device its name's. */
  URI uriOf(String volumePath) {
    return image != null ? VmfsUris.of(image, volumePath) : VmfsUris.ofDevice(vmfs.device().name(), volumePath);
  }

  /** Returns the file layer, for callers that need what nio cannot express (extents, FDs). */
  public Vmfs vmfs() {
    ensureOpen();
    return vmfs;
  }

  void ensureOpen() {
    if (!open.get()) {
      throw new ClosedFileSystemException();
    }
  }

  void ensureWritable() {
    ensureOpen();
    if (readOnly) {
      throw new ReadOnlyFileSystemException();
    }
  }

  VmfsFileStore store() {
    return store;
  }

  @Override
  public VmfsFileSystemProvider provider() {
    return provider;
  }

  @Override
  public void close() throws IOException {
    if (open.compareAndSet(true, false)) {
      provider.unregister(this);
      vmfs.close();
    }
  }

  @Override
  public boolean isOpen() {
    return open.get();
  }

  @Override
  public boolean isReadOnly() {
    return readOnly;
  }

  @Override
  public String getSeparator() {
    return "/";
  }

  @Override
  public Iterable<Path> getRootDirectories() {
    return List.of(getPath("/"));
  }

  @Override
  public Iterable<FileStore> getFileStores() {
    return List.of(store);
  }

  @Override
  public Set<String> supportedFileAttributeViews() {
    return VIEWS;
  }

  @Override
  public VmfsPath getPath(String first, String... more) {
    String joined = more.length == 0 ? first : first + "/" + String.join("/", more);
    return VmfsPath.parse(this, joined);
  }

  /**
   * Returns a matcher for {@code glob:} and {@code regex:} patterns. The default file system's
   * matcher is reused: it matches on {@code toString()}, and our separator is also {@code /}.
   */
  @Override
  public PathMatcher getPathMatcher(String syntaxAndPattern) {
    PathMatcher host = FileSystems.getDefault().getPathMatcher(syntaxAndPattern);
    return path -> host.matches(Path.of(VmfsPath.check(path).toString()));
  }

  @Override
  public UserPrincipalLookupService getUserPrincipalLookupService() {
    throw new UnsupportedOperationException("vmfs file systems have no user principal lookup");
  }

  @Override
  public WatchService newWatchService() {
    throw new UnsupportedOperationException("vmfs file systems have no watch service");
  }

  @Override
  public String toString() {
    return "vmfs:" + (image != null ? image : "device " + vmfs.device().name()) + (readOnly ? " (read-only)" : " (writable)");
  }
}
