package org.vmfskit.fs.file;

import com.google.common.base.Preconditions;
import org.vmfskit.fs.volume.FormatOptions;

/**
 * What {@link Vmfs#create(java.nio.file.Path, CreateOptions)} makes: a VMFS5 datastore of a given
 * size with a label and a block size. Built with {@link #builder(long)}, whose setters reject bad
 * values at once:
 *
 * <pre>{@code
 * CreateOptions options = CreateOptions.builder(10L << 30).label("ds1").build();
 * }</pre>
 */
public final class CreateOptions {

  /** Smallest datastore: 256 MiB. */
  public static final long MIN_SIZE_BYTES = FormatOptions.MIN_VOLUME_BYTES;
  /** Largest datastore: 64 TiB. */
  public static final long MAX_SIZE_BYTES = FormatOptions.MAX_VOLUME_BYTES;

  private final FormatOptions format;

  private CreateOptions(FormatOptions format) {
    this.format = format;
  }

  /**
   * Returns a builder of a datastore of {@code sizeBytes} (256 MiB to 64 TiB, a multiple of
   * 256 MiB) with 1 MiB blocks, an empty label, and UUIDs and times from now.
   */
  public static Builder builder(long sizeBytes) {
    return new Builder(sizeBytes);
  }

  /** Returns the datastore's size in bytes (the image is 17 MiB larger, for the LVM area). */
  public long sizeBytes() {
    return format.volumeBytes();
  }

  /** Returns the length of the image that holds the datastore: the LVM area plus the volume. */
  public long imageBytes() {
    return format.imageBytes();
  }

  /** Returns the datastore label. */
  public String label() {
    return format.label();
  }

  /** Returns the file-block size in bytes. */
  public long blockSizeBytes() {
    return format.blockSize();
  }

  /** Returns what the formatter is given. */
  FormatOptions format() {
    return format;
  }

  @Override
  public String toString() {
    return "CreateOptions[size=" + sizeBytes() + ", label=" + label() + ", blockSize=" + blockSizeBytes() + "]";
  }

  /** A builder whose setters reject bad values at once. */
  public static final class Builder {
    private final FormatOptions.Builder format;

    private Builder(long sizeBytes) {
      Preconditions.checkArgument(sizeBytes >= MIN_SIZE_BYTES && sizeBytes <= MAX_SIZE_BYTES && sizeBytes % MIN_SIZE_BYTES == 0,
          "datastore size %s is not a multiple of 256 MiB from 256 MiB to 64 TiB", sizeBytes);
      this.format = FormatOptions.builder(sizeBytes);
    }

    /** Sets the label (at most 127 bytes of UTF-8). */
    public Builder label(String value) {
      Preconditions.checkArgument(value.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= 127, "label longer than 127 bytes");
      format.label(value);
      return this;
    }

    /** Sets the file-block size: 1, 2, 4 or 8 MiB. */
    public Builder blockSize(long bytes) {
      format.blockSize(bytes);
      return this;
    }

    /** Sets the seed of the UUIDs, so an image can be made again byte for byte. */
    public Builder seed(long value) {
      format.seed(value);
      return this;
    }

    /** Sets the creation time in unix seconds (default: now). */
    public Builder creationTime(long unixSeconds) {
      format.timeSeconds(unixSeconds);
      return this;
    }

    /** Returns the options. */
    public CreateOptions build() {
      return new CreateOptions(format.build());
    }
  }
}
