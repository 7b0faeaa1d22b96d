package org.vmfskit.fs.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import org.assertj.core.api.AbstractAssert;
import org.vmfskit.fs.file.FileStat;
import org.vmfskit.fs.file.Vmfs;
import org.vmfskit.fs.format.AddressingMode;
import org.vmfskit.fs.volume.ResourceKind;

/** AssertJ assertions on a volume: {@code assertThatVolume(vmfs).hasFile("/a").withContent(bytes)}. */
public final class VmfsAssert extends AbstractAssert<VmfsAssert, Vmfs> {

  private String file;

  private VmfsAssert(Vmfs actual) {
    super(actual, VmfsAssert.class);
  }

  /** Starts assertions on {@code vmfs}. */
  public static VmfsAssert assertThatVolume(Vmfs vmfs) {
    return new VmfsAssert(vmfs);
  }

  private FileStat stat() {
    try {
      return actual.stat(file, false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Checks that {@code path} exists; later {@code with…} calls refer to it. */
  public VmfsAssert hasFile(String path) {
    isNotNull();
    try {
      if (!actual.exists(path)) {
        failWithMessage("Expected the volume to have <%s> but it does not", path);
      }
    } catch (IOException e) {
      failWithMessage("Expected the volume to have <%s> but looking it up failed: %s", path, e);
    }
    file = path;
    return this;
  }

  /** Checks that {@code path} does not exist. */
  public VmfsAssert hasNoFile(String path) throws IOException {
    if (actual.exists(path)) {
      failWithMessage("Expected the volume to have no <%s> but it has", path);
    }
    return this;
  }

  /** Checks the current file's whole content. */
  public VmfsAssert withContent(byte[] expected) throws IOException {
    byte[] content = Images.readAll(actual.openFile(file));
    if (!Arrays.equals(content, expected)) {
      int at = Arrays.mismatch(content, expected);
      failWithMessage("Expected <%s> (%d bytes) to match, but it has %d bytes and differs first at byte %d", file, expected.length, content.length, at);
    }
    return this;
  }

  /** Checks the current file's addressing mode. */
  public VmfsAssert withAddressing(AddressingMode expected) {
    AddressingMode mode = stat().addressing();
    if (mode != expected) {
      failWithMessage("Expected <%s> to use %s but it uses %s", file, expected, mode);
    }
    return this;
  }

  /** Checks that every cluster header agrees with its bitmap (free counts, totals). */
  public VmfsAssert hasConsistentBitmaps() throws IOException {
    for (ResourceKind kind : ResourceKind.values()) {
      var findings = actual.volume().bitmapFindings(kind);
      if (!findings.isEmpty()) {
        failWithMessage("Expected consistent %s bitmaps but found %s", kind.fileName(), findings);
      }
    }
    return this;
  }
}
