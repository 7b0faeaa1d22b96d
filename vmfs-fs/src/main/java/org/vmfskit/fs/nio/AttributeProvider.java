package org.vmfskit.fs.nio;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The attribute views by name, as jimfs's {@code AttributeProvider}s: each knows its attribute
 * names, the view it inherits, and how to get each value from {@link VmfsFileAttributes}. Used by
 * the string forms ({@code Files.getAttribute(p, "vmfs:blockCount")},
 * {@code Files.readAttributes(p, "posix:*")}).
 */
enum AttributeProvider {
  /** {@code basic}: the attributes every file system has. */
  BASIC(null, Map.ofEntries(
      Map.entry("lastModifiedTime", VmfsFileAttributes::lastModifiedTime),
      Map.entry("lastAccessTime", VmfsFileAttributes::lastAccessTime),
      Map.entry("creationTime", VmfsFileAttributes::creationTime),
      Map.entry("size", VmfsFileAttributes::size),
      Map.entry("isRegularFile", VmfsFileAttributes::isRegularFile),
      Map.entry("isDirectory", VmfsFileAttributes::isDirectory),
      Map.entry("isSymbolicLink", VmfsFileAttributes::isSymbolicLink),
      Map.entry("isOther", VmfsFileAttributes::isOther),
      Map.entry("fileKey", VmfsFileAttributes::fileKey))),
  /** {@code posix}: owner, group and permissions from the FD's uid, gid and mode. */
  POSIX(BASIC, Map.of(
      "owner", VmfsFileAttributes::owner,
      "group", VmfsFileAttributes::group,
      "permissions", VmfsFileAttributes::permissions)),
  /** {@code vmfs}: what the file descriptor says about storage. */
  VMFS(BASIC, Map.of(
      "fdAddress", a -> a.fdAddress().toString(),
      "addressingMode", a -> a.addressingMode().name(),
      "blockSize", VmfsFileAttributes::blockSize,
      "blockCount", VmfsFileAttributes::blockCount,
      "allocatedSize", VmfsFileAttributes::allocatedSize,
      "tbzBlocks", VmfsFileAttributes::tbzBlocks,
      "generation", VmfsFileAttributes::generation,
      "nlink", VmfsFileAttributes::nlink));

  private final AttributeProvider inherits;
  private final Map<String, Function<VmfsFileAttributes, Object>> getters;

  AttributeProvider(AttributeProvider inherits, Map<String, Function<VmfsFileAttributes, Object>> getters) {
    this.inherits = inherits;
    this.getters = getters;
  }

  /** Returns the view's name, as used before the colon. */
  String viewName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /** Returns the provider of view {@code name}, or throws UnsupportedOperationException. */
  static AttributeProvider of(String name) {
    for (AttributeProvider provider : values()) {
      if (provider.viewName().equals(name)) {
        return provider;
      }
    }
    throw new UnsupportedOperationException("no attribute view '" + name + "' (have basic, posix, vmfs)");
  }

  /** Returns the value of {@code attribute}, looking in inherited views too. */
  Object get(VmfsFileAttributes attributes, String attribute) {
    for (AttributeProvider p = this; p != null; p = p.inherits) {
      Function<VmfsFileAttributes, Object> getter = p.getters.get(attribute);
      if (getter != null) {
        return getter.apply(attributes);
      }
    }
    throw new IllegalArgumentException("'" + attribute + "' is not an attribute of view " + viewName());
  }

  /** Reads {@code "[view:]name,name"} or {@code "[view:]*"} into a map, as Files.readAttributes wants. */
  static Map<String, Object> read(VmfsFileAttributes attributes, String spec) {
    int colon = spec.indexOf(':');
    AttributeProvider provider = colon < 0 ? BASIC : of(spec.substring(0, colon));
    Map<String, Object> out = new LinkedHashMap<>();
    for (String attribute : List.of(spec.substring(colon + 1).split(","))) {
      if (attribute.equals("*")) {
        for (AttributeProvider p = provider; p != null; p = p.inherits) {
          p.getters.forEach((name, getter) -> out.putIfAbsent(name, getter.apply(attributes)));
        }
      } else {
        out.put(attribute, provider.get(attributes, attribute));
      }
    }
    return out;
  }
}
