package org.vmfskit.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.cli.CommandLine;

/** Parses and prints byte sizes such as {@code 10G}, {@code 512MiB} or {@code 4096}. */
final class Sizes {

  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kKmMgGtTpP]?)(i?[bB])?");

  private Sizes() {}

  /** Parses a size with an optional binary suffix (K, M, G, T, P; KiB and KB mean the same). */
  static long parse(String text, String option) throws UsageException {
    Matcher m = SIZE.matcher(text.trim());
    if (!m.matches()) {
      throw new UsageException("bad size for " + option + ": '" + text + "' (examples: 4096, 512M, 10G, 2T)");
    }
    int shift = switch (m.group(2).toUpperCase(Locale.ROOT)) {
      case "" -> 0;
      case "K" -> 10;
      case "M" -> 20;
      case "G" -> 30;
      case "T" -> 40;
      default -> 50;
    };
    try {
      long value = Long.parseLong(m.group(1));
      if (value > (Long.MAX_VALUE >> shift)) {
        throw new NumberFormatException();
      }
      return value << shift;
    } catch (NumberFormatException e) {
      throw new UsageException("size too large for " + option + ": '" + text + "'");
    }
  }

  /**
   * Returns the size or byte offset given as option {@code --name} (suffixes allowed, as
   * {@code --offset 100M}), or {@code fallback} when the option is absent: every size option
   * goes through here.
   */
  static long option(CommandLine line, String name, long fallback) throws UsageException {
    return line.hasOption(name) ? parse(line.getOptionValue(name), "--" + name) : fallback;
  }

  /** Prints a size in the largest binary unit that keeps one decimal. */
  static String human(long bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double value = bytes;
    int unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return unit == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
  }
}
