package org.vmfskit.fs.snapshot;

/**
 * A disagreement between a VM's disk files and its {@code .vmsd} / {@code .vmx}: the state ESXi
 * reports as "consolidation needed" ({@code snapshot.needConsolidate = "TRUE"}).
 *
 * @param kind what is wrong
 * @param file the file concerned (store path)
 * @param message one line for the user
 */
public record ConsistencyIssue(Kind kind, String file, String message) {

  /** The kinds of disagreement. */
  public enum Kind {
    /** A disk named by the .vmsd or .vmx, or a parent in its chain, is missing. */
    MISSING_DELTA,
    /** A delta in the VM directory that no snapshot and no live disk uses. */
    ORPHAN_DELTA,
    /** A child's parentCID differs from its parent's CID. */
    PARENT_CID_MISMATCH,
    /** The live disk in the .vmx does not descend from snapshot.current's frozen disk. */
    LEAF_NOT_FROM_CURRENT,
    /** A snapshot's .vmsn checkpoint is missing or unreadable. */
    BAD_CHECKPOINT,
    /** A chain cannot be opened for another reason. */
    BROKEN_CHAIN
  }
}
