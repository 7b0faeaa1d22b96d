package org.vmfskit.fs.nio;

import java.io.IOException;
import java.nio.file.attribute.BasicFileAttributeView;

/**
 * The {@code "vmfs"} attribute view: basic attributes plus the file descriptor's FD address,
 * addressing mode, block size, block count, TBZ block count, generation and link count. As
 * strings: {@code vmfs:fdAddress}, {@code vmfs:addressingMode}, {@code vmfs:blockSize},
 * {@code vmfs:blockCount}, {@code vmfs:tbzBlocks}, {@code vmfs:generation}, {@code vmfs:nlink}.
 */
public interface VmfsFileAttributeView extends BasicFileAttributeView {

  /** Returns {@code "vmfs"}. */
  @Override
  String name();

  /** Reads the attributes of the file. */
  @Override
  VmfsFileAttributes readAttributes() throws IOException;
}
