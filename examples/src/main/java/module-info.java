/** Examples of vmfskit's Java API; reads nothing but what vmfskit's modules export. */
module org.vmfskit.examples {
  requires org.vmfskit.fs;
  requires org.vmfskit.recovery;
  requires com.google.common.jimfs;

  exports org.vmfskit.examples;
}
