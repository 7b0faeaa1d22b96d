package org.vmfskit.fs.device.container;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.vmfskit.fs.device.BlockDevice;
import org.vmfskit.fs.format.Corrupt;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.LittleEndian;
import org.vmfskit.fs.format.ResourceLimitException;
import org.vmfskit.fs.format.TruncatedImageException;

/**
 * An EWF (EnCase {@code .E01}) segment set read as the media it holds: a read-only block device
 * whose bytes are the acquired disk. Opening walks every section of every segment file (following
 * "next" to {@code .E02}, {@code .E03} … {@code .E99}, {@code .EAA} …) and builds one chunk index;
 * reads inflate zlib chunks or check the Adler-32 of stored ones, so damage is reported with the
 * segment file and offset instead of being returned as wrong bytes.
 *
 * <p>The acquisition hashes recorded in the "hash" and "digest" sections are exposed by {@link
 * #hashes()}. Reads are {@code synchronized}; the monitor guards the small chunk cache.
 */
public final class EwfImage implements ReadOnlyMedia {

  /** "EVF\t\r\n\xFF\0", the signature at the start of every EWF-E01 segment file. */
  public static final byte[] SIGNATURE = {'E', 'V', 'F', 0x09, 0x0D, 0x0A, (byte) 0xFF, 0x00};
  /** File-header size in bytes: signature, 0x01, segment number (u16), 0x0000. */
  public static final int FILE_HEADER_SIZE = 13;
  /** Bound on sections walked in one segment file. */
  static final int MAX_SECTIONS = 1 << 20;
  /** Bound on segment files (the chunk index keeps 15 bits for the segment). */
  static final int MAX_SEGMENTS = 32767;
  /** Bound on chunks (about 8 TiB of 32 KiB chunks); the index costs 12 bytes per chunk. */
  static final long MAX_CHUNKS = 1L << 28;

  private static final int CACHE = 8;
  private static final long OFFSET_MASK = (1L << 48) - 1;

  /** The hashes of the acquired media recorded in the image, as lower-case hex. */
  public record Hashes(Optional<String> md5, Optional<String> sha1) {}

  private final Path first;
  private final List<Path> paths;
  private final FileChannel[] channels;
  private final EwfVolume volume;
  /** Per chunk: segment index in bits 48..62, file offset in bits 0..47, sign bit = compressed. */
  private final long[] locations;
  private final int[] storedSizes;
  private final Hashes hashes;
  private final long[] cachedChunk = new long[CACHE];
  private final byte[][] cachedData = new byte[CACHE][];
  private int cacheNext;
  private final Inflater inflater = new Inflater();

  private EwfImage(Path first, List<Path> paths, FileChannel[] channels, EwfVolume volume, long[] locations, int[] storedSizes, Hashes hashes) {
    this.first = first;
    this.paths = List.copyOf(paths);
    this.channels = channels;
    this.volume = volume;
    this.locations = locations;
    this.storedSizes = storedSizes;
    this.hashes = hashes;
    Arrays.fill(cachedChunk, -1);
  }

  /** Returns whether {@code head} (the first bytes of a file) starts with the EWF-E01 signature. */
  public static boolean hasSignature(ByteBuffer head) {
    if (head.limit() < SIGNATURE.length) {
      return false;
    }
    for (int i = 0; i < SIGNATURE.length; i++) {
      if (head.get(i) != SIGNATURE[i]) {
        return false;
      }
    }
    return true;
  }

  /**
   * Opens the segment set whose first file is {@code first} (its name ending in {@code .E01} or
   * {@code .e01}); every segment file is opened read-only.
   */
  public static EwfImage open(Path first) throws IOException {
    return new SetReader(first).read();
  }

  /** Returns the segment files, in order. */
  public List<Path> segments() {
    return paths;
  }

  /** Returns the media geometry. */
  public EwfVolume volume() {
    return volume;
  }

  /** Returns the acquisition hashes recorded in the image. */
  public Hashes hashes() {
    return hashes;
  }

  /** Returns the name of segment {@code number} (from 1) of a set whose first file is {@code first}. */
  static Path segmentPath(Path first, int number) {
    String name = first.getFileName().toString();
    int dot = name.lastIndexOf('.');
    char kind = dot >= 0 && dot + 1 < name.length() ? name.charAt(dot + 1) : 'E';
    boolean lower = Character.isLowerCase(kind);
    String extension;
    if (number <= 99) {
      extension = kind + "%02d".formatted(number);
    } else {
      int k = number - 100;
      extension = "" + (char) (Character.toUpperCase(kind) + k / 676) + (char) ('A' + k / 26 % 26) + (char) ('A' + k % 26);
      extension = lower ? extension.toLowerCase(java.util.Locale.ROOT) : extension;
    }
    return first.resolveSibling((dot >= 0 ? name.substring(0, dot) : name) + "." + extension);
  }

  @Override
  public long size() {
    return volume.mediaBytes();
  }

  @Override
  public synchronized void readFully(long deviceOffset, ByteBuffer dst) throws IOException {
    if (deviceOffset < 0 || dst.remaining() > volume.mediaBytes() - deviceOffset) {
      throw new EOFException("%s: read of %d bytes at 0x%x passes the end of the media (0x%x)"
          .formatted(name(), dst.remaining(), deviceOffset, volume.mediaBytes()));
    }
    int chunkBytes = volume.chunkBytes();
    long position = deviceOffset;
    while (dst.hasRemaining()) {
      long chunk = position / chunkBytes;
      int inChunk = (int) (position - chunk * chunkBytes);
      byte[] data = chunk(Math.toIntExact(chunk));
      int n = Math.min(dst.remaining(), data.length - inChunk);
      dst.put(data, inChunk, n);
      position += n;
    }
  }

  private byte[] chunk(int index) throws IOException {
    for (int i = 0; i < CACHE; i++) {
      if (cachedChunk[i] == index) {
        return cachedData[i];
      }
    }
    byte[] data = decode(index);
    cachedChunk[cacheNext] = index;
    cachedData[cacheNext] = data;
    cacheNext = (cacheNext + 1) % CACHE;
    return data;
  }

  private byte[] decode(int index) throws IOException {
    long location = locations[index];
    int segment = (int) ((location >>> 48) & 0x7FFF);
    long fileOffset = location & OFFSET_MASK;
    boolean compressed = location < 0;
    String structure = "EWF chunk " + index + " in " + paths.get(segment);
    int length = (int) Math.min(volume.chunkBytes(), volume.mediaBytes() - (long) index * volume.chunkBytes());
    ByteBuffer stored = ByteBuffer.allocate(storedSizes[index]).order(ByteOrder.LITTLE_ENDIAN);
    readSegment(segment, fileOffset, stored, structure);
    byte[] data = new byte[length];
    if (compressed) {
      inflater.reset();
      inflater.setInput(stored.array());
      try {
        int n = inflater.inflate(data);
        if (n != length || !inflater.finished()) {
          throw Corrupt.defect(structure, fileOffset, "data", "compressed chunk inflates to the wrong size", length,
              inflater.finished() ? n : "more than " + n);
        }
      } catch (DataFormatException e) {
        throw Corrupt.defect(structure, fileOffset, "data", "damaged zlib data (" + e.getMessage() + ")", null, null);
      }
    } else {
      // The last chunk of a table runs to the end of its section, which a writer may pad.
      if (stored.capacity() < length + 4) {
        throw Corrupt.defect(structure, fileOffset, "size", "stored chunk shorter than its data and checksum", length + 4, stored.capacity());
      }
      long computed = EwfSection.adler32(stored, 0, length);
      long recorded = LittleEndian.u32(stored, length);
      if (computed != recorded) {
        throw Corrupt.defect(structure, fileOffset, "checksum", "Adler-32 mismatch", Corrupt.hex(recorded), Corrupt.hex(computed));
      }
      stored.get(0, data);
    }
    return data;
  }

  private void readSegment(int segment, long offset, ByteBuffer dst, String structure) throws IOException {
    long position = offset;
    while (dst.hasRemaining()) {
      int n = channels[segment].read(dst, position);
      if (n < 0) {
        throw new TruncatedImageException(structure, offset, dst.capacity(), null);
      }
      position += n;
    }
  }

  @Override
  public String name() {
    return first.toString();
  }

  @Override
  public synchronized void close() throws IOException {
    IOException failure = null;
    for (FileChannel channel : channels) {
      try {
        channel.close();
      } catch (IOException e) {
        failure = failure == null ? e : failure;
      }
    }
    inflater.end();
    if (failure != null) {
      throw failure;
    }
  }

  /** Walks the sections of a segment set once and builds the chunk index. */
  private static final class SetReader {
    private final Path first;
    private final List<Path> paths = new ArrayList<>();
    private final List<FileChannel> channels = new ArrayList<>();
    private EwfVolume volume;
    private long[] locations;
    private int[] storedSizes;
    private int chunks;
    private String md5;
    private String sha1;

    SetReader(Path first) {
      this.first = first;
    }

    EwfImage read() throws IOException {
      try {
        boolean done = false;
        for (int number = 1; !done; number++) {
          if (number > MAX_SEGMENTS) {
            throw new ResourceLimitException("EWF segment set " + first, -1, "segment files", MAX_SEGMENTS, number);
          }
          done = readSegment(number);
        }
        if (volume == null) {
          throw new CorruptStructureException("EWF segment set " + first, -1, "volume", "no volume section", null, null);
        }
        if (chunks != volume.chunkCount()) {
          throw Corrupt.defect("EWF segment set " + first, -1, "table", "the tables list the wrong number of chunks",
              volume.chunkCount(), chunks);
        }
        return new EwfImage(first, paths, channels.toArray(FileChannel[]::new), volume, locations, storedSizes,
            new Hashes(Optional.ofNullable(md5), Optional.ofNullable(sha1)));
      } catch (IOException | RuntimeException e) {
        for (FileChannel channel : channels) {
          try {
            channel.close();
          } catch (IOException suppressed) {
            e.addSuppressed(suppressed);
          }
        }
        throw e;
      }
    }

    /** Reads segment {@code number}; returns whether it ends the set ("done"). */
    private boolean readSegment(int number) throws IOException {
      Path path = number == 1 ? first : segmentPath(first, number);
      FileChannel channel;
      try {
        channel = FileChannel.open(path, StandardOpenOption.READ);
      } catch (NoSuchFileException e) {
        throw number == 1 ? e : new NoSuchFileException(path.toString(), null,
            "EWF segment " + number + " is missing (segment " + (number - 1) + " ends with a \"next\" section)");
      }
      channels.add(channel);
      paths.add(path);
      String segment = path.toString();
      ByteBuffer header = read(channel, 0, FILE_HEADER_SIZE, "EWF file header of " + segment);
      if (!hasSignature(header)) {
        throw Corrupt.defect("EWF file header of " + segment, 0, "signature", "not an EWF-E01 segment file", "EVF\\t\\r\\n\\xff\\0", null);
      }
      int recorded = LittleEndian.u16(header, 9);
      if (recorded != number) {
        throw Corrupt.defect("EWF file header of " + segment, 9, "segmentNumber",
            number == 1 ? "not the first segment of its set; open the .E01 file" : "segment out of order", number, recorded);
      }
      return readSections(channel, segment, channels.size() - 1);
    }

    private boolean readSections(FileChannel channel, String segment, int segmentIndex) throws IOException {
      long offset = FILE_HEADER_SIZE;
      long sectorsEnd = -1;
      CorruptStructureException tableDamage = null;
      for (int count = 0; ; count++) {
        if (count >= MAX_SECTIONS) {
          throw new ResourceLimitException("EWF segment " + segment, offset, "sections", MAX_SECTIONS, count);
        }
        EwfSection section = EwfSection.decode(read(channel, offset, EwfSection.SIZE, "EWF section descriptor in " + segment), offset, segment);
        switch (section.type()) {
          case "volume", "disk", "data" -> readVolume(channel, section, segment);
          case "sectors" -> sectorsEnd = section.offset() + section.size();
          case "table" -> tableDamage = readTable(channel, section, segment, segmentIndex, sectorsEnd, null);
          case "table2" -> {
            if (tableDamage != null) {
              tableDamage = readTable(channel, section, segment, segmentIndex, sectorsEnd, tableDamage);
            }
          }
          case "hash" -> md5 = hex(read(channel, section.dataOffset(), 36, "EWF hash section in " + segment), 0, 32,
              "EWF hash section in " + segment, section.dataOffset());
          case "digest" -> readDigest(channel, section, segment);
          default -> { } // header, header2, error2, session, ltree …: nothing the media reads need
        }
        if (tableDamage != null && !section.type().startsWith("table")) {
          throw tableDamage;
        }
        if (section.isLast()) {
          return section.type().equals("done");
        }
        if (section.nextOffset() <= offset) {
          throw Corrupt.defect("EWF section descriptor in " + segment, offset, "nextOffset", "section chain goes backwards",
              "> " + Corrupt.hex(offset), Corrupt.hex(section.nextOffset()));
        }
        offset = section.nextOffset();
      }
    }

    private void readVolume(FileChannel channel, EwfSection section, String segment) throws IOException {
      int size = section.size() - EwfSection.SIZE >= EwfVolume.E01_SIZE ? EwfVolume.E01_SIZE : EwfVolume.S01_SIZE;
      EwfVolume decoded = EwfVolume.decode(read(channel, section.dataOffset(), size, "EWF volume section in " + segment),
          section.dataOffset(), segment);
      if (volume == null) {
        if (decoded.chunkCount() > MAX_CHUNKS) {
          throw new ResourceLimitException("EWF volume section in " + segment, section.dataOffset(), "chunkCount", MAX_CHUNKS, decoded.chunkCount());
        }
        volume = decoded;
        // The index grows with the table entries actually read, so a hostile chunk count costs no memory.
        int initial = (int) Math.min(decoded.chunkCount(), 1 << 16);
        locations = new long[initial];
        storedSizes = new int[initial];
      } else if (!decoded.equals(volume)) {
        throw Corrupt.defect("EWF data section in " + segment, section.dataOffset(), "geometry",
            "differs from the first segment's volume section", volume, decoded);
      }
    }

    /** Reads a table into the index; returns the damage when the table is bad and a table2 may stand in for it. */
    private CorruptStructureException readTable(FileChannel channel, EwfSection section, String segment, int segmentIndex,
        long sectorsEnd, CorruptStructureException earlier) throws IOException {
      if (volume == null) {
        throw Corrupt.defect("EWF table in " + segment, section.offset(), "order", "table before the volume section", null, null);
      }
      String structure = "EWF table in " + segment;
      int count = EwfTable.entryCount(read(channel, section.dataOffset(), EwfTable.HEADER_SIZE, structure), section.dataOffset(), segment);
      long tableBytes = EwfTable.HEADER_SIZE + 4L * count;
      boolean footer = section.size() >= EwfSection.SIZE + tableBytes + 4;
      EwfTable table;
      try {
        table = EwfTable.decode(read(channel, section.dataOffset(), (int) tableBytes + (footer ? 4 : 0), structure),
            section.dataOffset(), segment, footer);
      } catch (CorruptStructureException e) {
        if (earlier != null) {
          e.addSuppressed(earlier);
          throw e;
        }
        return e;
      }
      if ((long) chunks + count > volume.chunkCount()) {
        throw Corrupt.defect(structure, section.offset(), "entryCount", "more chunks than the volume holds", volume.chunkCount(), (long) chunks + count);
      }
      long sectionEnd = section.offset() + section.size();
      for (int i = 0; i < count; i++) {
        long start = table.chunkOffset(i);
        long end = i + 1 < count ? table.chunkOffset(i + 1) : (sectorsEnd > start ? sectorsEnd : sectionEnd);
        long stored = end - start;
        if (stored <= 0 || stored > 2L * volume.chunkBytes() + 64 || start > OFFSET_MASK) {
          throw Corrupt.defect(structure, section.dataOffset() + EwfTable.HEADER_SIZE + 4L * i, "entry " + i,
              "chunk offsets out of order or too far apart", "a stored size of 1.." + (2L * volume.chunkBytes() + 64), stored);
        }
        if (chunks == locations.length) {
          int grown = (int) Math.min(volume.chunkCount(), 2L * locations.length);
          locations = Arrays.copyOf(locations, grown);
          storedSizes = Arrays.copyOf(storedSizes, grown);
        }
        locations[chunks] = ((long) segmentIndex << 48) | start | (table.compressed(i) ? Long.MIN_VALUE : 0);
        storedSizes[chunks] = (int) stored;
        chunks++;
      }
      return null;
    }

    private void readDigest(FileChannel channel, EwfSection section, String segment) throws IOException {
      String structure = "EWF digest section in " + segment;
      ByteBuffer data = read(channel, section.dataOffset(), 80, structure);
      md5 = hex(data, 0, 76, structure, section.dataOffset());
      String digestSha1 = HexFormat.of().formatHex(LittleEndian.bytes(data, 16, 20));
      sha1 = digestSha1.equals("0".repeat(40)) ? sha1 : digestSha1;
    }

    /** Checks the Adler-32 at {@code checksumAt} and returns the 16-byte MD5 at {@code at} as hex. */
    private String hex(ByteBuffer data, int at, int checksumAt, String structure, long deviceOffset) throws CorruptStructureException {
      EwfSection.checkAdler(data, checksumAt, structure, deviceOffset);
      String hash = HexFormat.of().formatHex(LittleEndian.bytes(data, at, 16));
      return hash.equals("0".repeat(32)) ? md5 : hash;
    }

    private static ByteBuffer read(FileChannel channel, long offset, int length, String structure) throws IOException {
      ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
      long position = offset;
      while (buffer.hasRemaining()) {
        int n = channel.read(buffer, position);
        if (n < 0) {
          throw new TruncatedImageException(structure, offset, length, null);
        }
        position += n;
      }
      return buffer.flip();
    }
  }
}
