package org.vmfskit.recovery;

import org.vmfskit.fs.vmdk.CowdHeader;
import org.vmfskit.fs.vmdk.SeSparseHeader;

/** The header found at the start of a candidate delta: vmfsSparse (COWD) or SEsparse. */
public sealed interface DeltaHeader permits DeltaHeader.Cowd, DeltaHeader.SeSparse {

  /** Returns the virtual-disk capacity in sectors. */
  long capacitySectors();

  /** Returns the format name as descriptors spell it. */
  String format();

  /**
   * A vmfsSparse header.
   *
   * @param header the decoded header
   */
  record Cowd(CowdHeader header) implements DeltaHeader {
    @Override
    public long capacitySectors() {
      return header.numSectors();
    }

    @Override
    public String format() {
      return "vmfsSparse";
    }
  }

  /**
   * An SEsparse constant header.
   *
   * @param header the decoded header
   */
  record SeSparse(SeSparseHeader header) implements DeltaHeader {
    @Override
    public long capacitySectors() {
      return header.capacity();
    }

    @Override
    public String format() {
      return "seSparse";
    }
  }
}
