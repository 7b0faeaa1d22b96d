package org.vmfskit.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import me.tongfei.progressbar.InteractiveConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.vmfskit.recovery.RecoveryWriter;

/**
 * Progress bars with ETA of a long command on stderr, drawn only when stderr is a terminal and
 * {@code --quiet} is absent (the context's interactive flag), so pipes and logs stay clean. Phases
 * may run at once on different threads (the recovery hashes the image while it writes): each phase
 * has its own line until it finishes or a later phase of the same thread starts.
 */
final class ProgressBars implements RecoveryWriter.Progress, AutoCloseable {

  private final CliContext context;
  private final Map<String, ProgressBar> bars = new LinkedHashMap<>();
  private final Map<Thread, String> phaseOf = new LinkedHashMap<>();

  ProgressBars(CliContext context) {
    this.context = context;
  }

  @Override
  public synchronized void update(String phase, long done, long total) {
    if (!context.interactive()) {
      return;
    }
    String previous = phaseOf.put(Thread.currentThread(), phase);
    if (previous != null && !previous.equals(phase)) {
      finish(previous);
    }
    ProgressBar bar = bars.get(phase);
    if (bar == null) {
      ProgressBarBuilder builder = new ProgressBarBuilder().setTaskName(phase).setInitialMax(Math.max(1, total)).setStyle(ProgressBarStyle.ASCII)
          .setConsumer(new InteractiveConsoleProgressBarConsumer(context.err()));
      // Phases count bytes or steps (flattening 0 of 1, rebuilding block 3 of 40): a total under
      // 1 MiB shown in MiB would read 0/0, so it is shown as the plain count.
      if (total >= 1 << 20) {
        builder.setUnit(" MiB", 1 << 20);
      }
      bar = builder.build();
      bars.put(phase, bar);
    }
    if (total > 0 && total != bar.getMax()) {
      bar.maxHint(total);
    }
    bar.stepTo(done);
    if (total > 0 && done >= total) {
      finish(phase);
      phaseOf.remove(Thread.currentThread());
    }
  }

  private void finish(String phase) {
    ProgressBar bar = bars.remove(phase);
    if (bar != null) {
      bar.close();
    }
  }

  @Override
  public synchronized void close() {
    for (ProgressBar bar : bars.values()) {
      bar.close();
    }
    bars.clear();
    phaseOf.clear();
  }
}
