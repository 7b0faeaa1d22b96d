/** The vmfs command. */
module org.vmfskit.cli {
  requires org.vmfskit.fs;
  requires org.vmfskit.recovery;
  requires org.apache.commons.cli;
  requires com.fasterxml.jackson.databind;
  requires org.cryptomator.jfuse.api;
  requires me.tongfei.progressbar;

  opens org.vmfskit.cli to com.fasterxml.jackson.databind;
}
