package org.vmfskit.fs.device.container;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.device.ReadOnlyDeviceException;

/** A block device that is read-only by nature (a container's media): every change is refused. */
interface ReadOnlyMedia extends BlockDevice {

  @Override
  default void write(long deviceOffset, ByteBuffer src) throws IOException {
    throw new ReadOnlyDeviceException(name());
  }

  @Override
  default boolean isReadOnly() {
    return true;
  }

  @Override
  default void flush() {}

  @Override
  default void resize(long newSize) throws IOException {
    throw new ReadOnlyDeviceException(name());
  }
}
