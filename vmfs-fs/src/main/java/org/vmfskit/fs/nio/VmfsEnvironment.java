package org.vmfskit.fs.nio;

import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.vmfskit.fs.file.CreateOptions;

/**
 * The parsed {@code env} map of {@code newFileSystem}; the properties are documented in the
 * table of {@link VmfsFileSystemProvider}. Unknown names are rejected with
 * {@link IllegalArgumentException}, so a misspelt {@code "writeable"} cannot silently leave an
 * image read-only (or the reverse).
 *
 * @param writable whether the volume may be changed
 * @param create whether a missing image (or, for a device, the device) is made into a new datastore
 * @param sizeBytes the new datastore's size, if given
 * @param label the new datastore's label
 * @param blockSizeBytes the new datastore's file-block size, if given
 */
record VmfsEnvironment(boolean writable, boolean create, OptionalLong sizeBytes, String label, OptionalLong blockSizeBytes) {

  static final String WRITABLE = "writable";
  static final String CREATE = "create";
  static final String SIZE = "size";
  static final String LABEL = "label";
  static final String BLOCK_SIZE = "blockSize";

  /** The property that hands over an already opened volume. */
  static final String VOLUME = "volume";

  private static final Set<String> KNOWN = Set.of(WRITABLE, CREATE, SIZE, LABEL, BLOCK_SIZE, VOLUME);

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
    boolean create = flag(CREATE, env.get(CREATE));
    // A datastore made on request is there to be written: writable unless "writable" says otherwise.
    boolean writable = env.containsKey(WRITABLE) ? flag(WRITABLE, env.get(WRITABLE)) : create;
    Object label = env.get(LABEL);
    if (label != null && !(label instanceof String)) {
      throw new IllegalArgumentException("property '" + LABEL + "' must be a String, was " + label);
    }
    return new VmfsEnvironment(writable, create, bytes(SIZE, env.get(SIZE)), label == null ? "" : (String) label, bytes(BLOCK_SIZE, env.get(BLOCK_SIZE)));
  }

  /** Returns the options of a new datastore; {@code defaultSize} when no size was given (0: none). */
  CreateOptions createOptions(long defaultSize) {
    long size = sizeBytes.orElse(defaultSize);
    if (size <= 0) {
      throw new IllegalArgumentException("property '" + SIZE + "' is needed to create a vmfs datastore");
    }
    CreateOptions.Builder builder = CreateOptions.builder(size).label(label);
    blockSizeBytes.ifPresent(builder::blockSize);
    return builder.build();
  }

  private static boolean flag(String name, Object value) {
    return switch (value) {
      case null -> false;
      case Boolean b -> b;
      case String s when s.equalsIgnoreCase("true") -> true;
      case String s when s.equalsIgnoreCase("false") -> false;
      default -> throw new IllegalArgumentException("property '" + name + "' must be a Boolean or \"true\"/\"false\", was " + value);
    };
  }

  /** Parses a byte count: a Number, or a String of digits with an optional K, M, G or T (binary) suffix. */
  private static OptionalLong bytes(String name, Object value) {
    return switch (value) {
      case null -> OptionalLong.empty();
      case Long l -> OptionalLong.of(l);
      case Integer i -> OptionalLong.of(i);
      case String s when s.matches("(?i)\\d{1,15}[KMGT]?") -> OptionalLong.of(withSuffix(s.toUpperCase(Locale.ROOT)));
      default -> throw new IllegalArgumentException("property '" + name + "' must be a Long or a size such as \"10G\", was " + value);
    };
  }

  private static long withSuffix(String size) {
    char last = size.charAt(size.length() - 1);
    int shift = switch (last) {
      case 'K' -> 10;
      case 'M' -> 20;
      case 'G' -> 30;
      case 'T' -> 40;
      default -> 0;
    };
    long number = Long.parseLong(shift == 0 ? size : size.substring(0, size.length() - 1));
    return Math.multiplyExact(number, 1L << shift);
  }
}
