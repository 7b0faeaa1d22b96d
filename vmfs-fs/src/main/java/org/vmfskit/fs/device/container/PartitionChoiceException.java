package org.vmfskit.fs.device.container;

import java.nio.file.FileSystemException;

/**
 * The partition to read cannot be chosen without the user: a disk with several VMFS partitions
 * and no {@code --partition}, a partition number that does not exist, or none to read.
 */
public final class PartitionChoiceException extends FileSystemException {

  /** Creates the exception for {@code image} with a one-line {@code reason} that lists the partitions. */
  public PartitionChoiceException(String image, String reason) {
    super(image, null, reason);
  }
}
