package org.vmfskit.recovery;

import com.google.common.base.Preconditions;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

/**
 * What {@link Recovery#recover} writes and where. Build with {@link #builder(Path)}; every value
 * but the output directory has a default.
 *
 * @param out the output directory; written as a whole when the run succeeds (see {@link Recovery})
 * @param candidates candidate ids to recover; empty means every rebuildable candidate matched to a parent
 * @param outputs what to write per candidate (default: the flattened disk only)
 * @param format the flattened disk's format
 * @param force replace {@code out} when it exists and is not empty
 * @param verifyAfter hash the whole image a second time at the end (the default proof that it is
 *     unchanged is its read-only open and its size, mtime and ctime before and after)
 * @param evidence the evidence file on the host, or null: its size, mtime and ctime before and after go
 *     into the report
 * @param hostFile the host file the image device reads (the evidence itself, or an expanded working
 *     copy of it), or null: its holes are hashed without being read
 * @param imageName how reports name the image (default: the evidence path or the device's name)
 * @param progress receives progress of the long phases
 */
public record RecoverOptions(Path out, Set<String> candidates, Set<Output> outputs, RecoveryWriter.FlatFormat format, boolean force,
    boolean verifyAfter, Path evidence, Path hostFile, String imageName, RecoveryWriter.Progress progress) {

  /** What {@code recover} can write for a candidate. */
  public enum Output {
    /**
     * The flattened disk as it was just before the revert ({@code NAME-recovered-full.vmdk}): what an
     * analyst mounts, hashes and hands on; it reads without the datastore. The default.
     */
    FULL,
    /**
     * The rebuilt delta ({@code NAME-recovered-delta.vmdk}) with a new descriptor chained to a copy of
     * its parent chain: shows exactly which guest sectors changed after the snapshot, and what was
     * lost. The parent copy costs as much as the flattened disk, so it is an option.
     */
    CHAIN
  }

  /** Checks and copies the values. */
  public RecoverOptions {
    Preconditions.checkNotNull(out, "out");
    Preconditions.checkArgument(!outputs.isEmpty(), "no output chosen");
    candidates = Set.copyOf(candidates);
    outputs = Set.copyOf(outputs);
    Preconditions.checkNotNull(format, "format");
    progress = progress == null ? RecoveryWriter.Progress.NONE : progress;
  }

  /** Returns a builder writing into {@code out}. */
  public static Builder builder(Path out) {
    return new Builder(out);
  }

  /** Builds {@link RecoverOptions}. */
  public static final class Builder {
    private final Path out;
    private Set<String> candidates = Set.of();
    private Set<Output> outputs = EnumSet.of(Output.FULL);
    private RecoveryWriter.FlatFormat format = RecoveryWriter.FlatFormat.FLAT;
    private boolean force;
    private boolean verifyAfter;
    private Path evidence;
    private Path hostFile;
    private boolean hostFileGiven;
    private String imageName;
    private RecoveryWriter.Progress progress = RecoveryWriter.Progress.NONE;

    private Builder(Path out) {
      this.out = out;
    }

    /** Recovers only these candidates (ids as the scan lists them). */
    public Builder candidates(String... ids) {
      candidates = Set.of(ids);
      return this;
    }

    /** Chooses what to write per candidate. */
    public Builder outputs(Output first, Output... more) {
      outputs = EnumSet.of(first, more);
      return this;
    }

    /** Chooses the flattened disk's format. */
    public Builder format(RecoveryWriter.FlatFormat value) {
      format = value;
      return this;
    }

    /** Replaces an existing, non-empty output directory. */
    public Builder force(boolean value) {
      force = value;
      return this;
    }

    /** Hashes the whole image again at the end. */
    public Builder verifyAfter(boolean value) {
      verifyAfter = value;
      return this;
    }

    /** Names the evidence file (stat before and after); also the file the device reads unless {@link #hostFile} says otherwise. */
    public Builder evidence(Path value) {
      evidence = value;
      return this;
    }

    /**
     * Names the host file the image device reads, when it is not the evidence file itself (an
     * expanded copy); null when the device is not the whole of a host file (a partition of a disk
     * image, an EWF set, a VMDK), so every byte of the device is read for the hash.
     */
    public Builder hostFile(Path value) {
      hostFile = value;
      hostFileGiven = true;
      return this;
    }

    /** Names the image in reports. */
    public Builder imageName(String value) {
      imageName = value;
      return this;
    }

    /** Receives progress. */
    public Builder progress(RecoveryWriter.Progress value) {
      progress = value;
      return this;
    }

    /** Returns the options. */
    public RecoverOptions build() {
      return new RecoverOptions(out, candidates, outputs, format, force, verifyAfter, evidence, hostFileGiven ? hostFile : evidence,
          imageName, progress);
    }
  }
}
