/** Finds and rebuilds snapshot deltas orphaned by a mistaken revert. */
module org.vmfskit.recovery {
  requires transitive org.vmfskit.fs;
  requires com.google.common;
  requires it.unimi.dsi.fastutil.core;
  requires com.fasterxml.jackson.databind;

  exports org.vmfskit.recovery;

  opens org.vmfskit.recovery to com.fasterxml.jackson.databind;
}
