package org.vmfskit.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Waiting for a {@code vmfs mount} run on a thread of the test to show its mount point. */
final class Mounts {

  private Mounts() {}

  /**
   * Waits up to 30 s for {@code mountPoint} to be mounted by {@code mounter}; skips the test when
   * libfuse3 cannot load, and fails when the mount command ended without mounting ({@code err} is
   * its standard error).
   */
  static void awaitMount(Path mountPoint, Thread mounter, ByteArrayOutputStream err) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!MountCommand.isMounted(mountPoint)) {
      if (!mounter.isAlive()) {
        String message = err.toString(StandardCharsets.UTF_8);
        assumeTrue(!message.contains("cannot load libfuse3"), "the libfuse3 native library cannot load: " + message);
        throw new AssertionError("vmfs mount ended without mounting: " + message);
      }
      assertThat(System.nanoTime()).as("mount did not appear in 30 s; stderr: %s", err).isLessThan(deadline);
      Thread.sleep(100);
    }
  }
}
