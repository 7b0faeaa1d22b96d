package org.vmfskit.fs.format;

/** The null address: a hole that reads as zeros. */
public record NullAddr() implements BlockAddress {

  /** The single instance. */
  public static final NullAddr INSTANCE = new NullAddr();

  @Override
  public int raw() {
    return 0;
  }

  @Override
  public String toString() {
    return "null";
  }
}
