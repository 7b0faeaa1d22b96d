package org.vmfskit.fs.snapshot;

import static com.google.common.base.Preconditions.checkArgument;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.vmfskit.fs.format.CorruptStructureException;
import org.vmfskit.fs.format.ResourceLimitException;

/**
 * The {@code key = "value"} dictionary VMware uses for {@code .vmx} and {@code .vmsd} files: one
 * entry per line, keys case-insensitive, order kept so a rewrite changes only what was changed
 * (unknown keys survive). {@code #} starts a comment line; blank lines are skipped. As VMware
 * does, a value's {@code "}, {@code |}, and control characters are written as {@code |XX} (two
 * hex digits) and decoded on reading.
 *
 * @param structure what the text is, for messages ({@code "VmConfig in vm/vm.vmx"})
 * @param entries the entries in file order
 */
public record VmxDictionary(String structure, List<Entry> entries) {

  /** The largest file parsed: VMware's own files are a few KiB. */
  public static final int MAX_SIZE = 1 << 20;

  /** One {@code key = "value"} line. */
  public record Entry(String key, String value) {
    /** Checks that the key is a plain token. */
    public Entry {
      checkArgument(key.matches("[A-Za-z0-9_.:\\-\\[\\]]+"), "bad key %s", key);
      java.util.Objects.requireNonNull(value, "value");
    }
  }

  /** Copies the entry list. */
  public VmxDictionary {
    entries = List.copyOf(entries);
  }

  /** Returns an empty dictionary. */
  public static VmxDictionary empty(String structure) {
    return new VmxDictionary(structure, List.of());
  }

  /** Parses {@code raw}; a bad line gives its byte offset in the file. */
  public static VmxDictionary parse(byte[] raw, String structure)
      throws CorruptStructureException, ResourceLimitException {
    if (raw.length > MAX_SIZE) {
      throw new ResourceLimitException(structure, 0, "file size", MAX_SIZE, raw.length);
    }
    List<Entry> entries = new ArrayList<>();
    int offset = 0;
    while (offset < raw.length) {
      int end = offset;
      while (end < raw.length && raw[end] != '\n') {
        end++;
      }
      String line = new String(raw, offset, end - offset, StandardCharsets.UTF_8).strip();
      if (!line.isEmpty() && !line.startsWith("#")) {
        entries.add(parseLine(line, structure, offset));
      }
      offset = end + 1;
    }
    return new VmxDictionary(structure, entries);
  }

  private static Entry parseLine(String line, String structure, long offset) throws CorruptStructureException {
    int eq = line.indexOf('=');
    if (eq <= 0) {
      throw new CorruptStructureException(structure, offset, "line", "line is not key = \"value\"", "key = \"value\"", line);
    }
    String key = line.substring(0, eq).strip();
    String value = line.substring(eq + 1).strip();
    if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
      value = value.substring(1, value.length() - 1);
    }
    if (value.contains("\"")) {
      throw new CorruptStructureException(structure, offset, key, "unbalanced quotes", "\"value\"", value);
    }
    value = unescape(value);
    try {
      return new Entry(key, value);
    } catch (IllegalArgumentException e) {
      throw new CorruptStructureException(structure, offset, "key", "illegal key", "letters, digits, . _ : -", key);
    }
  }

  /** Returns the value of {@code key} (compared ignoring case). */
  public Optional<String> get(String key) {
    for (Entry entry : entries) {
      if (entry.key().equalsIgnoreCase(key)) {
        return Optional.of(entry.value());
      }
    }
    return Optional.empty();
  }

  /** Returns a copy with {@code key} set: replaced in place, or appended. */
  public VmxDictionary with(String key, String value) {
    List<Entry> out = new ArrayList<>(entries);
    Entry entry = new Entry(key, value);
    for (int i = 0; i < out.size(); i++) {
      if (out.get(i).key().equalsIgnoreCase(key)) {
        out.set(i, entry);
        return new VmxDictionary(structure, out);
      }
    }
    out.add(entry);
    return new VmxDictionary(structure, out);
  }

  /** Returns a copy without {@code key}. */
  public VmxDictionary without(String key) {
    return new VmxDictionary(structure, entries.stream().filter(e -> !e.key().equalsIgnoreCase(key)).toList());
  }

  /** Returns the text: {@code key = "value"} lines with LF ends. */
  public byte[] toBytes() {
    StringBuilder text = new StringBuilder();
    for (Entry entry : entries) {
      text.append(entry.key()).append(" = \"").append(escape(entry.value())).append("\"\n");
    }
    return text.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Writes {@code "}, {@code |} and control characters as {@code |XX}. */
  static String escape(String value) {
    StringBuilder out = new StringBuilder(value.length());
    for (char c : value.toCharArray()) {
      if (c == '"' || c == '|' || c < 0x20 || c == 0x7F) {
        out.append('|').append(java.util.HexFormat.of().withUpperCase().toHexDigits((byte) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** Decodes {@code |XX}; a {@code |} not followed by two hex digits stays as it is. */
  static String unescape(String value) {
    if (value.indexOf('|') < 0) {
      return value;
    }
    StringBuilder out = new StringBuilder(value.length());
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '|' && i + 2 < value.length() && java.util.HexFormat.isHexDigit(value.charAt(i + 1))
          && java.util.HexFormat.isHexDigit(value.charAt(i + 2))) {
        out.append((char) java.util.HexFormat.fromHexDigits(value, i + 1, i + 3));
        i += 2;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
