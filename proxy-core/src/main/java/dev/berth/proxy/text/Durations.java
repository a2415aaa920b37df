package dev.berth.proxy.text;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations written the Go way, as Kubernetes operators know them from every other tool.
 *
 * <p>Grammar: {@code 0}, or one or more {@code <number><unit>} terms without spaces, where a number
 * is decimal digits with an optional fraction and a unit is one of {@code ns us µs ms s m h}, plus
 * {@code d} (24 h) which Go lacks but cache lifetimes want. Examples: {@code 30s}, {@code 10m},
 * {@code 24h}, {@code 1h30m}, {@code 500ms}, {@code 7d}, {@code 1.5h}. Signs are not accepted:
 * every duration berth reads is a length of time, never an offset.
 */
public final class Durations {
  private static final String EXPECTED =
      "expected a duration such as 30s, 10m, 24h, 1h30m, 500ms or 7d";
  private static final Pattern TERM = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h|d)");
  private static final Map<String, BigDecimal> NANOS_PER_UNIT =
      Map.of(
          "ns", BigDecimal.ONE,
          "us", BigDecimal.valueOf(1_000L),
          "µs", BigDecimal.valueOf(1_000L),
          "ms", BigDecimal.valueOf(1_000_000L),
          "s", BigDecimal.valueOf(1_000_000_000L),
          "m", BigDecimal.valueOf(60_000_000_000L),
          "h", BigDecimal.valueOf(3_600_000_000_000L),
          "d", BigDecimal.valueOf(86_400_000_000_000L));
  private static final BigInteger NANOS_PER_SECOND = BigInteger.valueOf(1_000_000_000L);
  private static final BigInteger MAX_SECONDS = BigInteger.valueOf(Long.MAX_VALUE);

  private Durations() {}

  /**
   * Parses a duration (grammar in the class comment).
   *
   * @throws InvalidValueException naming the text and the accepted forms
   */
  public static Duration parse(String text) {
    if (text.equals("0")) {
      return Duration.ZERO;
    }
    Matcher term = TERM.matcher(text);
    BigDecimal nanos = BigDecimal.ZERO;
    int position = 0;
    while (position < text.length()) {
      if (!term.find(position) || term.start() != position) {
        throw new InvalidValueException(text, EXPECTED);
      }
      nanos = nanos.add(new BigDecimal(term.group(1)).multiply(NANOS_PER_UNIT.get(term.group(2))));
      position = term.end();
    }
    if (position == 0) {
      throw new InvalidValueException(text, EXPECTED);
    }
    BigInteger[] secondsAndNanos = nanos.toBigInteger().divideAndRemainder(NANOS_PER_SECOND);
    if (secondsAndNanos[0].compareTo(MAX_SECONDS) > 0) {
      throw new InvalidValueException(text, "the duration is too long");
    }
    return Duration.ofSeconds(secondsAndNanos[0].longValue(), secondsAndNanos[1].longValue());
  }

  /** Writes a duration back in the same grammar, largest units first: {@code 1h30m}, {@code 0s}. */
  /**
   * {@link #parse}, refusing zero: timeouts and intervals of zero would mean "never wait" or
   * "spin", which no config key wants.
   */
  public static Duration parsePositive(String text) {
    Duration duration = parse(text);
    if (duration.isZero()) {
      throw new InvalidValueException(text, "expected a duration above zero, such as 5s");
    }
    return duration;
  }

  public static String format(Duration duration) {
    if (duration.isZero()) {
      return "0s";
    }
    StringBuilder out = new StringBuilder();
    if (duration.isNegative()) {
      out.append('-');
      duration = duration.negated();
    }
    append(out, duration.toDays(), "d");
    append(out, duration.toHoursPart(), "h");
    append(out, duration.toMinutesPart(), "m");
    append(out, duration.toSecondsPart(), "s");
    append(out, duration.toMillisPart(), "ms");
    append(out, duration.toNanosPart() % 1_000_000 / 1_000, "us");
    append(out, duration.toNanosPart() % 1_000, "ns");
    return out.toString();
  }

  private static void append(StringBuilder out, long amount, String unit) {
    if (amount != 0) {
      out.append(amount).append(unit);
    }
  }
}
