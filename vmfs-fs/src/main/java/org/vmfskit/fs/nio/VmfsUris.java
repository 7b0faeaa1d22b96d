package org.vmfskit.fs.nio;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;

/**
 * The {@code vmfs:} URI form, after zipfs's {@code jar:}: {@code vmfs:<image URI>!<path>}, e.g.
 * {@code vmfs:file:///data/ds1.img!/vm1/vm1.vmx}. The part after {@code !} is optional.
 */
final class VmfsUris {

  static final String SCHEME = "vmfs";

  private VmfsUris() {}

  /** Returns the URI of {@code path} on the volume in {@code image}. */
  static URI of(Path image, String path) {
    try {
      return new URI(SCHEME, image.toUri() + "!" + path, null);
    } catch (URISyntaxException e) {
      throw new IllegalStateException("cannot form a vmfs URI for " + image + " and " + path, e);
    }
  }

  /**
   * Returns the URI of {@code path} on a volume that lives on a device rather than an image file:
   * {@code vmfs:device:<name>!<path>}; no provider resolves it back, as the device has no path.
   */
  static URI ofDevice(String deviceName, String path) {
    try {
      return new URI(SCHEME, "device:" + deviceName + "!" + path, null);
    } catch (URISyntaxException e) {
      throw new IllegalStateException("cannot form a vmfs URI for device " + deviceName + " and " + path, e);
    }
  }

  /** Returns the image URI of a {@code vmfs:} URI. */
  static URI image(URI uri) {
    checkScheme(uri);
    String ssp = uri.getSchemeSpecificPart();
    int bang = ssp.indexOf("!/");
    String image = bang >= 0 ? ssp.substring(0, bang) : ssp.endsWith("!") ? ssp.substring(0, ssp.length() - 1) : ssp;
    try {
      return new URI(image);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("bad image URI in " + uri + ": " + e.getMessage(), e);
    }
  }

  /** Returns the path part of a {@code vmfs:} URI ({@code /} when it has none). */
  static String path(URI uri) {
    checkScheme(uri);
    String ssp = uri.getSchemeSpecificPart();
    int bang = ssp.indexOf("!/");
    return bang >= 0 ? ssp.substring(bang + 1) : "/";
  }

  private static void checkScheme(URI uri) {
    if (!SCHEME.equalsIgnoreCase(uri.getScheme())) {
      throw new IllegalArgumentException("URI scheme is not '" + SCHEME + "': " + uri);
    }
  }
}
