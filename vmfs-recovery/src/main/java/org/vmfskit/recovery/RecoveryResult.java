package org.vmfskit.recovery;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@link Recovery#recover} wrote: the output directory and the report (also written there as
 * {@code report.json} and {@code report.txt}), whose {@link RecoveryReport.Recovered} entries list
 * per candidate every file written with its size and SHA-256.
 *
 * @param directory the output directory, complete
 * @param report the report
 */
public record RecoveryResult(Path directory, RecoveryReport report) {

  /** Returns one entry per recovered candidate. */
  public List<RecoveryReport.Recovered> recovered() {
    return report.recovered();
  }

  /** Returns the host path of a written file. */
  public Path path(RecoveryReport.OutputFile file) {
    return directory.resolve(file.name());
  }

  /** Returns whether the image was shown unchanged. */
  public boolean imageUnchanged() {
    return report.imageUnchanged();
  }
}
