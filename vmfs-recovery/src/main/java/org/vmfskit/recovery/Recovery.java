package org.vmfskit.recovery;

import java.io.IOException;
import org.vmfskit.fs.device.BlockDevice;

/**
 * Recovery from Java: scan once, then recover from that scan with an options object.
 *
 * <pre>{@code
 * try (FileChannelBlockDevice image = FileChannelBlockDevice.openReadOnly(path)) {
 *   RecoveryResult result = Recovery.scanAndRecover(image, ScanOptions.defaults(),
 *       RecoverOptions.builder(Path.of("recovered")).evidence(path).build());
 *   for (RecoveryReport.Recovered r : result.recovered()) {
 *     r.outputs().forEach(f -> System.out.println(f.sha256() + "  " + result.path(f)));
 *   }
 * }
 * }</pre>
 *
 * <p>Or, when the scan was already made (to show it first): {@code RecoveryScan scan =
 * RecoveryScan.scan(image, ScanOptions.defaults()); Recovery.recover(scan, options)}.
 *
 * <p>The image is read once for its SHA-256, on its own thread, while the scan and the writer run;
 * outputs are hashed as they are written. That the image was not changed is shown by its read-only
 * open and its size, mtime and ctime before and after (with a host file, {@link
 * RecoverOptions#evidence}); {@link RecoverOptions#verifyAfter} adds a second full hash. The output
 * directory appears complete or not at all: everything is written into {@code .NAME.partial} next
 * to it and renamed into place at the end; a failure removes the partial directory and names the
 * output path ({@link RecoveryOutputException}); a scan with nothing to rebuild throws {@link
 * NothingToRecoverException} saying what was examined.
 */
public final class Recovery {

  private Recovery() {}

  /** Scans {@code image} while hashing it, then recovers what {@code options} asks for. */
  public static RecoveryResult scanAndRecover(BlockDevice image, ScanOptions scanOptions, RecoverOptions options) throws IOException {
    EvidenceStat before = options.evidence() == null ? null : EvidenceStat.of(options.evidence());
    try (ImageHash hash = ImageHash.start(image, options.hostFile(), options.progress())) {
      RecoveryScan scan = RecoveryScan.scan(image, name(image, options), scanOptions, options.progress());
      return RecoveryWriter.write(scan, hash, before, options);
    }
  }

  /**
   * Recovers from a scan already made; the image is hashed while the outputs are written, and its
   * stat before is taken now.
   */
  public static RecoveryResult recover(RecoveryScan scan, RecoverOptions options) throws IOException {
    EvidenceStat before = options.evidence() == null ? null : EvidenceStat.of(options.evidence());
    try (ImageHash hash = ImageHash.start(scan.image(), options.hostFile(), options.progress())) {
      return RecoveryWriter.write(scan, hash, before, options);
    }
  }

  private static String name(BlockDevice image, RecoverOptions options) {
    if (options.imageName() != null) {
      return options.imageName();
    }
    return options.evidence() != null ? options.evidence().toString() : image.name();
  }
}
