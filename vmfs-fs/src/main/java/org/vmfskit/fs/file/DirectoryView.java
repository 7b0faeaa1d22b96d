package org.vmfskit.fs.file;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.vmfskit.fs.format.DirEntry;
import org.vmfskit.fs.format.FileDescriptorAddr;

/**
 * One directory as one VMFS version stores it: a packed array of entries on VMFS5
 * ({@link Directory}), a hashed directory with link groups on VMFS6 ({@code HashedDirectory}).
 * Entries come back as the version-neutral {@link DirEntry} (type, FD address, generation, name).
 * Changes are made inside the caller's {@link VolumeFormat#change}.
 */
interface DirectoryView {

  /** Returns the entry named {@code name} ("." and ".." included), found as the version finds it. */
  Optional<DirEntry> find(String name) throws IOException;

  /** Returns every live entry, "." and ".." included, in the order a listing shows them. */
  List<DirEntry> entries() throws IOException;

  /** Adds {@code entry}; the name must be free. */
  void add(DirEntry entry) throws IOException;

  /** Removes the entry named {@code name}, which must exist. */
  void remove(String name) throws IOException;

  /** Renames the entry {@code name} in place to {@code renamed} (same FD, new name). */
  void rename(String name, DirEntry renamed) throws IOException;

  /** Points ".." at {@code parent} (after a move across directories, or a repair). */
  void setParent(FileDescriptorAddr parent, long parentGeneration) throws IOException;
}
