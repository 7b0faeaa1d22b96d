package org.vmfskit.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.vmfskit.recovery.RecoveryWriter;

/**
 * One progress bar per phase of a long command on stderr, drawn only when stderr is a terminal
 * and {@code --quiet} is absent (the context's interactive flag), so pipes and logs stay clean.
 */
final class ProgressBars implements RecoveryWriter.Progress, AutoCloseable {

  private final CliContext context;
  private ProgressBar bar;
  private String phase;

  ProgressBars(CliContext context) {
    this.context = context;
  }

  @Override
  public void update(String newPhase, long done, long total) {
    if (!context.interactive()) {
      return;
    }
    if (!newPhase.equals(phase)) {
      close();
      phase = newPhase;
      bar = new ProgressBarBuilder().setTaskName(newPhase).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
          .setUnit(" MiB", 1 << 20).setConsumer(new ConsoleProgressBarConsumer(context.err())).build();
    }
    bar.stepTo(done);
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
      bar = null;
    }
  }
}
