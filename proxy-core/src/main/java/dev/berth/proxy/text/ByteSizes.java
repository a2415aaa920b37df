package dev.berth.proxy.text;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte sizes as operators write them.
 *
 * <p>Grammar: a decimal number with an optional fraction, then optionally a unit: {@code B}, the
 * decimal {@code KB MB GB TB PB} (powers of 1000) or the binary {@code KiB MiB GiB TiB PiB} (powers
 * of 1024), case-insensitive. No unit means bytes. Examples: {@code 1024}, {@code 512MiB}, {@code
 * 50GiB}, {@code 10GB}, {@code 1.5GiB}. A fraction of a byte is dropped.
 */
public final class ByteSizes {
  private static final String EXPECTED =
      "expected a size such as 1024, 512MiB, 50GiB or 10GB (KB, MB, GB are powers of 1000;"
          + " KiB, MiB, GiB powers of 1024)";
  private static final Pattern SIZE =
      Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([a-z]*)", Pattern.CASE_INSENSITIVE);
  private static final Map<String, Long> MULTIPLIERS =
      Map.ofEntries(
          Map.entry("", 1L),
          Map.entry("b", 1L),
          Map.entry("kb", 1_000L),
          Map.entry("mb", 1_000_000L),
          Map.entry("gb", 1_000_000_000L),
          Map.entry("tb", 1_000_000_000_000L),
          Map.entry("pb", 1_000_000_000_000_000L),
          Map.entry("kib", 1L << 10),
          Map.entry("mib", 1L << 20),
          Map.entry("gib", 1L << 30),
          Map.entry("tib", 1L << 40),
          Map.entry("pib", 1L << 50));

  private ByteSizes() {}

  /**
   * Parses a size in bytes (grammar in the class comment).
   *
   * @throws InvalidValueException naming the text and the accepted forms
   */
  public static long parse(String text) {
    Matcher size = SIZE.matcher(text.trim());
    if (!size.matches()) {
      throw new InvalidValueException(text, EXPECTED);
    }
    Long multiplier = MULTIPLIERS.get(size.group(2).toLowerCase(Locale.ROOT));
    if (multiplier == null) {
      throw new InvalidValueException(text, EXPECTED);
    }
    BigDecimal bytes = new BigDecimal(size.group(1)).multiply(BigDecimal.valueOf(multiplier));
    if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw new InvalidValueException(text, "the size is too large");
    }
    return bytes.longValue();
  }

  /** A size for people: {@code 512 B}, {@code 1.5 MiB}, {@code 20.0 GiB}. */
  public static String format(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = bytes;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
