package org.vmfskit.fs.vmdk;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.ResourceLimitException;
import org.vmfskit.fs.format.UnsupportedFormatException;

/**
 * A VMware virtual-disk descriptor: header entries, extent lines and disk-database entries, each
 * list in file order. Parsing keeps unknown header keys and every {@code ddb.*} entry so a rewrite
 * changes only what the caller changed; comments are not kept. {@link #toText()} writes the strict
 * syntax qemu needs: {@code version=} first, header {@code key=value} without spaces,
 * {@code CID=} before {@code parentCID=}, and DDB lines as {@code ddb.key = "value"}.
 *
 * @param header header entries in order; the first is {@code version}
 * @param extents extent lines in order
 * @param ddb disk-database entries in order
 */
public record Descriptor(List<Entry> header, List<ExtentLine> extents, List<Entry> ddb) {

  /** The largest descriptor accepted, as qemu reads at most 1 MiB. */
  public static final int MAX_SIZE = 1 << 20;

  /** The CID value meaning "no parent". */
  public static final long NO_PARENT_CID = 0xFFFFFFFFL;

  private static final String STRUCTURE = "Descriptor";

  /** A {@code key=value} entry; {@code quoted} says whether the value is written in quotes. */
  public record Entry(String key, String value, boolean quoted) {
    /** Checks that key and value are present and free of line breaks and quotes. */
    public Entry {
      checkNotNull(key, "key");
      checkNotNull(value, "value");
      checkArgument(!key.isBlank() && key.indexOf('=') < 0 && !key.contains(" "), "bad key %s", key);
      checkArgument(value.indexOf('\n') < 0 && value.indexOf('"') < 0, "bad value %s", value);
    }
  }

  /** Access of an extent line. */
  public enum Access {
    RW,
    RDONLY,
    NOACCESS
  }

  /** Extent types of the extent-line grammar. */
  public enum ExtentType {
    FLAT,
    SPARSE,
    ZERO,
    VMFS,
    VMFSSPARSE,
    SESPARSE,
    VMFSRDM,
    VMFSRAW
  }

  /**
   * One extent line {@code ACCESS SECTORS TYPE "FILENAME" [OFFSET]}.
   *
   * @param offsetSectors the start in the file, in sectors; -1 when the line has none
   */
  public record ExtentLine(Access access, long sectors, ExtentType type, String fileName, long offsetSectors) {
    /** Checks the grammar rules that qemu enforces. */
    public ExtentLine {
      checkNotNull(access, "access");
      checkNotNull(type, "type");
      checkNotNull(fileName, "fileName");
      checkArgument(sectors > 0, "sectors %s must be positive", sectors);
      checkArgument(fileName.length() <= 511 && fileName.indexOf('"') < 0, "bad file name %s", fileName);
      checkArgument(offsetSectors >= -1, "bad offset %s", offsetSectors);
      checkArgument(type != ExtentType.FLAT || offsetSectors >= 0, "a FLAT extent needs an offset");
      checkArgument(type != ExtentType.VMFS || offsetSectors == -1, "a VMFS extent takes no offset");
    }

    String toText() {
      String line = "%s %d %s \"%s\"".formatted(access, sectors, type, fileName);
      return offsetSectors >= 0 ? line + " " + offsetSectors : line;
    }
  }

  /** The createType values of the spec (section 1.3). */
  public static final List<String> CREATE_TYPES =
      List.of(
          "vmfs", "vmfsSparse", "seSparse", "monolithicFlat", "twoGbMaxExtentFlat",
          "twoGbMaxExtentSparse", "monolithicSparse", "streamOptimized", "vmfsThin",
          "vmfsPreallocated", "vmfsEagerZeroedThick", "vmfsRDM", "vmfsRawDeviceMap", "vmfsRDMP",
          "vmfsPassthroughRawDeviceMap", "vmfsRaw", "fullDevice", "partitionedDevice", "custom");

  /** Copies the lists and checks that {@code version} comes first. */
  public Descriptor {
    header = List.copyOf(header);
    extents = List.copyOf(extents);
    ddb = List.copyOf(ddb);
    checkArgument(!header.isEmpty() && header.getFirst().key().equals("version"), "version must come first");
  }

  /** Returns a descriptor of the given type with fresh header lines and no DDB entries. */
  public static Descriptor of(String createType, long cid, long parentCid, List<ExtentLine> extents) {
    List<Entry> header = new ArrayList<>();
    header.add(new Entry("version", "1", false));
    header.add(new Entry("encoding", "UTF-8", true));
    header.add(new Entry("CID", cidText(cid), false));
    header.add(new Entry("parentCID", cidText(parentCid), false));
    header.add(new Entry("isNativeSnapshot", "no", true));
    header.add(new Entry("createType", createType, true));
    return new Descriptor(header, extents, List.of());
  }

  /** Returns the value of header key {@code key}, if present. */
  public Optional<String> get(String key) {
    return header.stream().filter(e -> e.key().equals(key)).map(Entry::value).findFirst();
  }

  /** Returns the value of DDB key {@code key} (such as {@code ddb.uuid}), if present. */
  public Optional<String> ddbValue(String key) {
    return ddb.stream().filter(e -> e.key().equals(key)).map(Entry::value).findFirst();
  }

  /** Returns the createType. */
  public String createType() {
    return get("createType").orElse("");
  }

  /** Returns the CID as an unsigned 32-bit value. */
  public long cid() {
    return Long.parseLong(get("CID").orElse("ffffffff"), 16);
  }

  /** Returns the parent CID as an unsigned 32-bit value ({@link #NO_PARENT_CID} for none). */
  public long parentCid() {
    return Long.parseLong(get("parentCID").orElse("ffffffff"), 16);
  }

  /** Returns the parentFileNameHint, if this is a child. */
  public Optional<String> parentFileNameHint() {
    return get("parentFileNameHint");
  }

  /** Returns the capacity in sectors: the sum of the extent sizes. */
  public long capacitySectors() {
    return extents.stream().mapToLong(ExtentLine::sectors).sum();
  }

  /** Returns a copy with header {@code key} set, replacing it in place or appending it. */
  public Descriptor with(String key, String value, boolean quoted) {
    List<Entry> copy = new ArrayList<>(header);
    Entry entry = new Entry(key, value, quoted);
    int index = indexOf(copy, key);
    if (index >= 0) {
      copy.set(index, entry);
    } else if (key.equals("parentCID") && indexOf(copy, "CID") >= 0) {
      copy.add(indexOf(copy, "CID") + 1, entry);
    } else {
      copy.add(entry);
    }
    return new Descriptor(copy, extents, ddb);
  }

  /** Returns a copy with a new CID. */
  public Descriptor withCid(long cid) {
    return with("CID", cidText(cid), false);
  }

  /** Returns a copy with DDB {@code key} set, replacing it in place or appending it. */
  public Descriptor withDdb(String key, String value) {
    checkArgument(key.startsWith("ddb."), "DDB key %s must start with ddb.", key);
    List<Entry> copy = new ArrayList<>(ddb);
    int index = indexOf(copy, key);
    if (index >= 0) {
      copy.set(index, new Entry(key, value, true));
    } else {
      copy.add(new Entry(key, value, true));
    }
    return new Descriptor(header, extents, copy);
  }

  /** Formats a CID as eight lower-case hex digits. */
  public static String cidText(long cid) {
    checkArgument(cid >= 0 && cid <= 0xFFFFFFFFL, "CID %s is not 32-bit", cid);
    return HexFormat.of().toHexDigits((int) cid);
  }

  /** Returns the descriptor text in the strict syntax qemu accepts. */
  public String toText() {
    StringBuilder out = new StringBuilder("# Disk DescriptorFile\n");
    for (Entry e : header) {
      out.append(e.key()).append('=').append(quote(e)).append('\n');
    }
    out.append("\n# Extent description\n");
    for (ExtentLine extent : extents) {
      out.append(extent.toText()).append('\n');
    }
    out.append("\n# The Disk Data Base\n#DDB\n\n");
    for (Entry e : ddb) {
      out.append(e.key()).append(" = ").append(quote(e)).append('\n');
    }
    return out.toString();
  }

  /** Returns {@link #toText()} as UTF-8 bytes. */
  public byte[] toBytes() {
    return toText().getBytes(StandardCharsets.UTF_8);
  }

  /** Parses descriptor bytes found at {@code fileOffset} of a file; a NUL byte ends the text. */
  public static Descriptor parse(byte[] raw, long fileOffset)
      throws CorruptStructureException, UnsupportedFormatException, ResourceLimitException {
    int length = 0;
    while (length < raw.length && raw[length] != 0) {
      length++;
    }
    if (length > MAX_SIZE) {
      throw new ResourceLimitException(STRUCTURE, fileOffset, "descriptor size", MAX_SIZE, length);
    }
    return new Parser(new String(raw, 0, length, StandardCharsets.UTF_8), fileOffset).parse();
  }

  private static String quote(Entry e) {
    return e.quoted() ? '"' + e.value() + '"' : e.value();
  }

  private static int indexOf(List<Entry> entries, String key) {
    for (int i = 0; i < entries.size(); i++) {
      if (entries.get(i).key().equals(key)) {
        return i;
      }
    }
    return -1;
  }

  /** A line-by-line parser that reports the line number and byte offset of a bad line. */
  private static final class Parser {
    private final String text;
    private final long baseOffset;
    private final List<Entry> header = new ArrayList<>();
    private final List<ExtentLine> extents = new ArrayList<>();
    private final List<Entry> ddb = new ArrayList<>();
    private int lineNumber;
    private long lineOffset;

    Parser(String text, long baseOffset) {
      this.text = text;
      this.baseOffset = baseOffset;
    }

    Descriptor parse() throws CorruptStructureException, UnsupportedFormatException {
      long byteOffset = 0;
      for (String rawLine : text.split("\n", -1)) {
        lineNumber++;
        lineOffset = baseOffset + byteOffset;
        byteOffset += rawLine.getBytes(StandardCharsets.UTF_8).length + 1;
        String line = rawLine.strip();
        if (!line.isEmpty() && !line.startsWith("#")) {
          parseLine(line);
        }
      }
      return finish();
    }

    private void parseLine(String line) throws CorruptStructureException {
      String first = line.split("\\s+", 2)[0];
      if (first.equals("RW") || first.equals("RDONLY") || first.equals("NOACCESS")) {
        extents.add(extent(line));
        return;
      }
      int eq = line.indexOf('=');
      if (eq <= 0) {
        throw bad("not a key=value, extent or comment line", line);
      }
      String key = line.substring(0, eq).strip();
      String value = line.substring(eq + 1).strip();
      boolean quoted = value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"");
      if (quoted) {
        value = value.substring(1, value.length() - 1);
      }
      if (key.isEmpty() || key.contains(" ") || value.indexOf('"') >= 0) {
        throw bad("malformed entry", line);
      }
      if (key.startsWith("ddb.")) {
        ddb.add(new Entry(key, value, quoted));
      } else if (!extents.isEmpty() || !ddb.isEmpty()) {
        throw bad("header entry after the extent list", line);
      } else if (header.isEmpty() && !key.equals("version")) {
        throw bad("the first entry must be version=", line);
      } else {
        header.add(new Entry(key, value, quoted));
      }
    }

    private ExtentLine extent(String line) throws CorruptStructureException {
      int open = line.indexOf('"');
      int close = line.lastIndexOf('"');
      if (open < 0 || close <= open) {
        throw bad("extent file name not quoted", line);
      }
      String[] before = line.substring(0, open).strip().split("\\s+");
      String after = line.substring(close + 1).strip();
      if (before.length != 3) {
        throw bad("extent line needs ACCESS SECTORS TYPE \"FILE\"", line);
      }
      try {
        long sectors = Long.parseLong(before[1]);
        ExtentType type = ExtentType.valueOf(before[2]);
        long offset = after.isEmpty() ? -1 : Long.parseLong(after);
        if (sectors <= 0 || offset < -1) {
          throw bad("extent size or offset out of range", line);
        }
        if (type == ExtentType.FLAT && offset < 0) {
          throw bad("FLAT extent without offset", line);
        }
        if (type == ExtentType.VMFS && offset >= 0) {
          throw bad("VMFS extent with an offset", line);
        }
        String fileName = line.substring(open + 1, close);
        if (fileName.length() > 511) {
          throw bad("extent file name longer than 511 characters", line);
        }
        return new ExtentLine(Access.valueOf(before[0]), sectors, type, fileName, offset);
      } catch (IllegalArgumentException e) {
        throw bad("bad extent line", line);
      }
    }

    private Descriptor finish() throws CorruptStructureException, UnsupportedFormatException {
      if (header.isEmpty()) {
        throw new CorruptStructureException(STRUCTURE, baseOffset, "version", "no version= line", null, null);
      }
      Descriptor d = new Descriptor(header, extents, ddb);
      checkCid(d, "CID");
      checkCid(d, "parentCID");
      String version = d.get("version").orElseThrow();
      if (!version.equals("1") && !version.equals("2") && !version.equals("3")) {
        throw new UnsupportedFormatException(STRUCTURE, baseOffset, "descriptor version " + version);
      }
      if (!CREATE_TYPES.contains(d.createType())) {
        throw new UnsupportedFormatException(STRUCTURE, baseOffset, "unknown createType \"" + d.createType() + '"');
      }
      return d;
    }

    private void checkCid(Descriptor d, String key) throws CorruptStructureException {
      Optional<String> value = d.get(key);
      if (value.isEmpty()) {
        throw new CorruptStructureException(STRUCTURE, baseOffset, key, "missing " + key, "8 hex digits", null);
      }
      String v = value.get();
      if (v.isEmpty() || v.length() > 8 || !v.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
        throw new CorruptStructureException(STRUCTURE, baseOffset, key, "bad " + key, "8 hex digits", v);
      }
    }

    private CorruptStructureException bad(String defect, String line) {
      String shown = line.length() > 80 ? line.substring(0, 80) + "…" : line;
      return new CorruptStructureException(
          STRUCTURE,
          lineOffset,
          "line " + lineNumber,
          "line %d: %s".formatted(lineNumber, defect),
          "a valid line",
          '"' + shown + '"');
    }
  }
}
