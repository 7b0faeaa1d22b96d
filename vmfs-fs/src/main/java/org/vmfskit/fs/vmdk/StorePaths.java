package org.vmfskit.fs.vmdk;

import java.util.ArrayList;
import java.util.List;

/** Path arithmetic shared by the disk stores: ESXi volume prefixes, relative hints, dot segments. */
final class StorePaths {

  static final String VOLUMES_PREFIX = "/vmfs/volumes/";

  private StorePaths() {}

  /** Strips {@code /vmfs/volumes/<name>/}, leaving the path inside the volume. */
  static String stripVolume(String path) {
    if (!path.startsWith(VOLUMES_PREFIX)) {
      return path;
    }
    int slash = path.indexOf('/', VOLUMES_PREFIX.length());
    return slash < 0 ? "" : path.substring(slash + 1);
  }

  /** Resolves {@code reference} as seen from the file {@code from}: absolute, or next to it. */
  static String resolve(String from, String reference) {
    if (reference.startsWith("/")) {
      return normalize(stripVolume(reference));
    }
    int slash = from.lastIndexOf('/');
    String directory = slash < 0 ? "" : from.substring(0, slash + 1);
    return normalize(directory + reference);
  }

  /** Removes empty and {@code .} segments and applies {@code ..}; the result has no leading slash. */
  static String normalize(String path) {
    List<String> parts = new ArrayList<>();
    for (String part : path.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (!parts.isEmpty()) {
          parts.removeLast();
        }
        continue;
      }
      parts.add(part);
    }
    return String.join("/", parts);
  }
}
