package org.vmfskit.fs.nio;

import java.util.Map;
import java.util.Set;

/**
 * The {@code env} map of {@code FileSystems.newFileSystem} for VMFS images.
 *
 * <table class="striped">
 * <caption>Properties of the vmfs file system provider</caption>
 * <thead><tr><th>Name</th><th>Type</th><th>Default</th><th>Meaning</th></tr></thead>
 * <tbody>
 * <tr><td>{@code writable}</td><td>{@link Boolean} or {@link String} {@code "true"} /
 *   {@code "false"}</td><td>{@code false}</td><td>Open the image for changes. The image file is
 *   then opened read-write and exclusively locked, so a second writer is refused. Otherwise the
 *   image is opened read-only, every change fails with
 *   {@link java.nio.file.ReadOnlyFileSystemException}, and the image's bytes are never written
 *   (evidence stays untouched).</td></tr>
 * <tr><td>{@code volume}</td><td>{@link org.vmfskit.fs.file.Vmfs}</td><td>none</td><td>A volume
 *   the caller already opened (say through a container: a partition of a disk image, an
 *   {@code .E01} set, a VMDK); the file system serves it instead of opening the image, and closes
 *   it. {@code writable} must match how it was opened.</td></tr>
 * </tbody>
 * </table>
 *
 * <p>Unknown property names are rejected with {@link IllegalArgumentException}, so a misspelt
 * {@code "writeable"} cannot silently leave an image read-only (or the reverse).
 *
 * @param writable whether the volume may be changed
 */
record VmfsEnvironment(boolean writable) {

  /** The property that makes the file system writable. */
  static final String WRITABLE = "writable";
  /** The property that hands over an already opened volume. */
  static final String VOLUME = "volume";

  private static final Set<String> KNOWN = Set.of(WRITABLE, VOLUME);

  /** Returns the volume handed over in {@code env}, or null. */
  static org.vmfskit.fs.file.Vmfs volume(Map<String, ?> env) {
    Object value = env.get(VOLUME);
    if (value != null && !(value instanceof org.vmfskit.fs.file.Vmfs)) {
      throw new IllegalArgumentException("property '" + VOLUME + "' must be an open Vmfs, was " + value.getClass().getName());
    }
    return (org.vmfskit.fs.file.Vmfs) value;
  }

  /** Parses and checks {@code env}. */
  static VmfsEnvironment of(Map<String, ?> env) {
    for (String key : env.keySet()) {
      if (!KNOWN.contains(key)) {
        throw new IllegalArgumentException("unknown vmfs file system property '" + key + "' (known: " + KNOWN + ")");
      }
    }
    return new VmfsEnvironment(flag(env.get(WRITABLE)));
  }

  private static boolean flag(Object value) {
    return switch (value) {
      case null -> false;
      case Boolean b -> b;
      case String s when s.equalsIgnoreCase("true") -> true;
      case String s when s.equalsIgnoreCase("false") -> false;
      default -> throw new IllegalArgumentException("property '" + WRITABLE + "' must be a Boolean or \"true\"/\"false\", was " + value);
    };
  }
}
