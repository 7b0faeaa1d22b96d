package org.vmfskit.fs.snapshot;

import com.google.common.base.Preconditions;

/**
 * Names one snapshot of a VM: by its display name (which must then be unique among the VM's
 * snapshots) or by its uid in the {@code .vmsd}.
 */
public sealed interface SnapshotRef permits SnapshotRef.ByName, SnapshotRef.ByUid {

  /** Returns a reference by display name. */
  static SnapshotRef named(String displayName) {
    return new ByName(displayName);
  }

  /** Returns a reference by uid. */
  static SnapshotRef uid(int uid) {
    return new ByUid(uid);
  }

  /** Parses the command line's form: {@code #UID} (1 to 9 digits) for a uid, anything else a display name. */
  static SnapshotRef parse(String text) {
    return text.matches("#[1-9]\\d{0,8}") ? uid(Integer.parseInt(text.substring(1))) : named(text);
  }

  /**
   * A snapshot named by its display name.
   *
   * @param displayName the name, as shown by {@code snapshot list}
   */
  record ByName(String displayName) implements SnapshotRef {
    /** Checks the name is given. */
    public ByName {
      Preconditions.checkNotNull(displayName, "displayName");
    }

    @Override
    public String toString() {
      return "'" + displayName + "'";
    }
  }

  /**
   * A snapshot named by its uid.
   *
   * @param uid the uid in the {@code .vmsd}, from 1
   */
  record ByUid(int uid) implements SnapshotRef {
    /** Checks the uid is positive. */
    public ByUid {
      Preconditions.checkArgument(uid > 0, "snapshot uid %s is not positive", uid);
    }

    @Override
    public String toString() {
      return "#" + uid;
    }
  }
}
