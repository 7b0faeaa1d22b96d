package org.vmfskit.fs.check;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What a check of a volume found.
 *
 * @param problems every problem, in the order found
 * @param liveFiles live FDs seen
 * @param usedBlocks file blocks in use
 * @param usedPointerBlocks MAPs in use
 * @param usedSubBlocks sub-blocks in use
 */
public record CheckReport(List<Problem> problems, long liveFiles, long usedBlocks, long usedPointerBlocks, long usedSubBlocks) {

  /** Copies the list. */
  public CheckReport {
    problems = List.copyOf(problems);
  }

  /** Returns whether the volume is consistent. */
  public boolean isClean() {
    return problems.isEmpty();
  }

  /** Returns the number of problems of each kind (all kinds present). */
  public Map<Problem.Kind, Integer> counts() {
    Map<Problem.Kind, Integer> counts = new EnumMap<>(Problem.Kind.class);
    for (Problem.Kind kind : Problem.Kind.values()) {
      counts.put(kind, 0);
    }
    for (Problem problem : problems) {
      counts.merge(problem.kind(), 1, Integer::sum);
    }
    return counts;
  }
}
