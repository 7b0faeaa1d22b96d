package org.vmfskit.recovery;

import java.io.IOException;

/** The scan found no candidate that can be rebuilt; the message says what was examined and why each candidate was left. */
public final class NothingToRecoverException extends IOException {

  NothingToRecoverException(String message) {
    super(message);
  }

  /** Explains an empty or unusable scan. */
  static NothingToRecoverException of(ScanReport scan) {
    if (scan.candidates().isEmpty()) {
      return new NothingToRecoverException("no orphaned delta found: %d free MAPs (%d empty), %d free FDs and %d free blocks examined%s"
          .formatted(scan.freeMapsExamined(), scan.freeMapsEmpty(), scan.freeFdsExamined(), scan.freeBlocksCarved(),
              scan.rejected().isEmpty() ? "" : "; " + scan.rejected().size() + " candidate(s) rejected (see vmfs scan)"));
    }
    StringBuilder why = new StringBuilder();
    for (ScanReport.Candidate c : scan.candidates()) {
      why.append(why.isEmpty() ? "" : "; ").append(c.id()).append(": ")
          .append(!c.format().equals("vmfsSparse") ? c.format() + " deltas are not rebuilt" : "no live disk of its capacity to chain to");
    }
    return new NothingToRecoverException(scan.candidates().size() + " orphaned delta(s) found but none can be rebuilt (" + why + ")");
  }
}
