package org.vmfskit.recovery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;

/**
 * What the host says about the evidence file: any write to it changes its size or mtime, and any
 * change at all (write, chmod, touch back of the mtime) changes its ctime, which no user can set.
 * Equal stats before and after a run that opened the file read-only are the proof it was not
 * touched; a second full hash ({@code --verify-after}) is the stronger, costly one.
 *
 * @param path the file
 * @param size its length in bytes
 * @param mtime last modification, ISO-8601 with the host's precision
 * @param ctime last status change, ISO-8601 ({@code null} where the host has no {@code unix} view)
 */
public record EvidenceStat(String path, long size, String mtime, String ctime) {

  /** Reads the stat of {@code file} (following links: the evidence is what the link names). */
  public static EvidenceStat of(Path file) throws IOException {
    String ctime = null;
    long size;
    FileTime mtime;
    try {
      Map<String, Object> unix = Files.readAttributes(file, "unix:size,lastModifiedTime,ctime");
      size = (Long) unix.get("size");
      mtime = (FileTime) unix.get("lastModifiedTime");
      ctime = unix.get("ctime").toString();
    } catch (UnsupportedOperationException | IllegalArgumentException e) {
      // No unix view (another file system provider): size and mtime are what there is.
      size = Files.size(file);
      mtime = Files.getLastModifiedTime(file, new LinkOption[0]);
    }
    return new EvidenceStat(file.toString(), size, mtime.toString(), ctime);
  }
}
