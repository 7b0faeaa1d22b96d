package org.vmfskit.fs.vmdk;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One file of a virtual disk (descriptor, flat extent or delta), wherever it lives: a file inside
 * a VMFS volume or a file on the host. Virtual-disk code sees nothing but this.
 */
public interface DiskFile extends Closeable {

  /** Returns the file's length in bytes. */
  long size() throws IOException;

  /**
   * Reads exactly {@code dst.remaining()} bytes at {@code offset}.
   *
   * @throws java.io.EOFException if the range passes the end of the file
   */
  void readFully(long offset, ByteBuffer dst) throws IOException;

  /** Writes all of {@code src} at {@code offset}, extending the file if needed. */
  void write(long offset, ByteBuffer src) throws IOException;

  /** Sets the length; growth reads as zeros and allocates no storage. */
  void setSize(long newSize) throws IOException;

  /**
   * Extends the file to {@code newSize} with storage allocated up front (reading as zeros), as a
   * growing vmfsSparse delta or a thick disk receives its blocks on VMFS. Host files may treat
   * this as {@link #setSize}.
   */
  void allocate(long newSize) throws IOException;

  /**
   * Returns the bytes of storage the file holds: its allocated blocks, to-be-zeroed ones included
   * (as ESXi and du count them), holes not.
   */
  long allocatedBytes() throws IOException;

  /** Returns whether writes are refused. */
  boolean isReadOnly();

  /** Returns a name for messages, such as the file's path. */
  String name();
}
