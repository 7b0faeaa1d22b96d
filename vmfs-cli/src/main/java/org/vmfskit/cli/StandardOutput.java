package org.vmfskit.cli;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.Charset;

/**
 * Standard output as commands see it: a {@link PrintStream} that remembers why its first write
 * failed. A plain PrintStream swallows write errors and only sets {@link #checkError()}, so a
 * command writing to a full disk or a closed pipe would otherwise end with status 0 and a truncated
 * result; {@link VmfsCli} checks every command's output once, after it ran, and names the reason.
 */
final class StandardOutput extends PrintStream {

  private static final int BUFFER = 64 << 10;

  private final Recorder recorder;

  private StandardOutput(Recorder recorder, Charset charset) {
    // Flushed on every println, as System.out is: a long-running command (mount) shows its lines at once.
    super(new BufferedOutputStream(recorder, BUFFER), true, charset);
    this.recorder = recorder;
  }

  /** Returns a print stream over {@code target} that keeps the first write failure's reason. */
  static StandardOutput of(OutputStream target) {
    return new StandardOutput(new Recorder(target), Charset.defaultCharset());
  }

  /** Returns the process's standard output, encoded as {@code System.out} is. */
  static StandardOutput system() {
    return new StandardOutput(new Recorder(new FileOutputStream(FileDescriptor.out)), System.out.charset());
  }

  /**
   * Flushes {@code out} and returns why writing to it failed, or {@code null} when every write
   * went through. Only a {@link StandardOutput} knows the reason; another stream reports that a
   * write failed.
   */
  static String failure(PrintStream out) {
    if (!out.checkError()) {
      return null;
    }
    if (out instanceof StandardOutput stdout && stdout.recorder.first != null) {
      IOException e = stdout.recorder.first;
      return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
    return "write failed";
  }

  /**
   * Returns a channel writing to {@code out} that fails as soon as {@code out} has failed, so a
   * command streaming gigabytes stops at the first failed write instead of reading on.
   */
  static WritableByteChannel channel(PrintStream out) {
    return new WritableByteChannel() {
      private boolean open = true;

      @Override
      public int write(ByteBuffer src) throws IOException {
        int n = src.remaining();
        if (src.hasArray()) {
          out.write(src.array(), src.arrayOffset() + src.position(), n);
          src.position(src.limit());
        } else {
          byte[] bytes = new byte[n];
          src.get(bytes);
          out.write(bytes, 0, n);
        }
        if (out.checkError()) {
          // VmfsCli reports the reason, naming standard output, once the command has stopped.
          throw new IOException("standard output: write failed");
        }
        return n;
      }

      @Override
      public boolean isOpen() {
        return open;
      }

      @Override
      public void close() {
        open = false;
      }
    };
  }

  /** Passes writes through and keeps the first exception, which PrintStream would swallow. */
  private static final class Recorder extends FilterOutputStream {

    private IOException first;

    Recorder(OutputStream target) {
      super(target);
    }

    @Override
    public void write(int b) throws IOException {
      try {
        out.write(b);
      } catch (IOException e) {
        throw record(e);
      }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      try {
        out.write(b, off, len);
      } catch (IOException e) {
        throw record(e);
      }
    }

    @Override
    public void flush() throws IOException {
      try {
        out.flush();
      } catch (IOException e) {
        throw record(e);
      }
    }

    private IOException record(IOException e) {
      if (first == null) {
        first = e;
      }
      return e;
    }
  }
}
