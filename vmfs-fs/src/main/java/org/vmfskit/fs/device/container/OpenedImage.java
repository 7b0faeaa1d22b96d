package org.vmfskit.fs.device.container;

import java.io.Closeable;
import java.io.IOException;
import org.vmfskit.fs.device.BlockDevice;

/**
 * An image opened through its container: the device holding the datastore and how it was found.
 * Closing it closes the device and everything beneath it.
 *
 * @param device the datastore's bytes
 * @param layout the container and partition read
 */
public record OpenedImage(BlockDevice device, ImageLayout layout) implements Closeable {

  @Override
  public void close() throws IOException {
    device.close();
  }
}
