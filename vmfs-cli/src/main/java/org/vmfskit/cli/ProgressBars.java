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
      ProgressBarBuilder builder = new ProgressBarBuilder().setTaskName(newPhase).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
          .setConsumer(new ConsoleProgressBarConsumer(context.err()));
      // Phases count bytes or steps (flattening 0 of 1, rebuilding block 3 of 40): a total under
      // 1 MiB shown in MiB would read 0/0, so it is shown as the plain count.
      if (total >= 1 << 20) {
        builder.setUnit(" MiB", 1 << 20);
      }
      bar = builder.build();
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
