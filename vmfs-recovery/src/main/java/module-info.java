/** Finds and rebuilds snapshot deltas orphaned by a mistaken revert. */
module org.vmfskit.recovery {
  requires transitive org.vmfskit.fs;

}
