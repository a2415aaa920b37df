package dev.berth.auth.provider;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.Duration;

/**
 * Go's {@code time.ParseDuration}, which is how {@code metav1.Duration} reads {@code
 * defaultCacheDuration} and {@code cacheDuration}: a possibly signed sequence of decimal numbers,
 * each with a unit, such as {@code 300ms}, {@code -1.5h} or {@code 2h45m}. Units are {@code ns},
 * {@code us} ({@code µs}, {@code μs}), {@code ms}, {@code s}, {@code m}, {@code h}. A lone {@code
 * 0} needs no unit; anything else without a unit, an empty string, or a value outside the range of
 * a signed 64-bit count of nanoseconds is an error.
 */
final class GoDuration {
  private static final BigInteger MAX = BigInteger.valueOf(Long.MAX_VALUE);
  private static final BigInteger MIN_MAGNITUDE = MAX.add(BigInteger.ONE);

  private GoDuration() {}

  /**
   * Parses {@code s}.
   *
   * @throws IllegalArgumentException with Go's wording ({@code time: invalid duration "x"}, {@code
   *     time: missing unit in duration "1"}, ...)
   */
  static Duration parse(String s) {
    String quoted = "\"" + s + "\"";
    int i = 0;
    boolean negative = false;
    if (i < s.length() && (s.charAt(i) == '-' || s.charAt(i) == '+')) {
      negative = s.charAt(i) == '-';
      i++;
    }
    if (s.substring(i).equals("0")) {
      return Duration.ZERO;
    }
    if (i == s.length()) {
      throw new IllegalArgumentException("time: invalid duration " + quoted);
    }
    BigDecimal total = BigDecimal.ZERO;
    while (i < s.length()) {
      int start = i;
      while (i < s.length() && isDigit(s.charAt(i))) {
        i++;
      }
      boolean leading = i > start;
      String number = s.substring(start, i);
      boolean fraction = false;
      if (i < s.length() && s.charAt(i) == '.') {
        i++;
        int fractionStart = i;
        while (i < s.length() && isDigit(s.charAt(i))) {
          i++;
        }
        fraction = i > fractionStart;
        number = (number.isEmpty() ? "0" : number) + "." + s.substring(fractionStart, i);
      }
      if (!leading && !fraction) {
        throw new IllegalArgumentException("time: invalid duration " + quoted);
      }
      int unitStart = i;
      while (i < s.length() && s.charAt(i) != '.' && !isDigit(s.charAt(i))) {
        i++;
      }
      if (unitStart == i) {
        throw new IllegalArgumentException("time: missing unit in duration " + quoted);
      }
      String unit = s.substring(unitStart, i);
      long nanos =
          switch (unit) {
            case "ns" -> 1L;
            case "us", "\u00b5s", "\u03bcs" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            case "h" -> 3_600_000_000_000L;
            default ->
                throw new IllegalArgumentException(
                    "time: unknown unit \"" + unit + "\" in duration " + quoted);
          };
      if (number.endsWith(".")) {
        number = number.substring(0, number.length() - 1);
      }
      // Go truncates each term's fraction of a nanosecond.
      total =
          total.add(
              new BigDecimal(number)
                  .multiply(BigDecimal.valueOf(nanos))
                  .setScale(0, RoundingMode.DOWN));
      if (total.toBigInteger().compareTo(negative ? MIN_MAGNITUDE : MAX) > 0) {
        throw new IllegalArgumentException("time: invalid duration " + quoted);
      }
    }
    BigInteger magnitude = total.toBigInteger();
    BigInteger signed = negative ? magnitude.negate() : magnitude;
    return Duration.ofNanos(signed.longValue());
  }

  /** Go's {@code Duration.String()} for messages: {@code 1h0m0s}, {@code 1.5s}, {@code 0s}. */
  static String format(Duration d) {
    long nanos = d.toNanos();
    if (nanos == 0) {
      return "0s";
    }
    StringBuilder out = new StringBuilder();
    BigInteger abs = BigInteger.valueOf(nanos).abs();
    if (nanos < 0) {
      out.append('-');
    }
    if (abs.compareTo(BigInteger.valueOf(1_000_000_000L)) < 0) {
      long n = abs.longValue();
      if (n < 1_000) {
        return out.append(n).append("ns").toString();
      } else if (n < 1_000_000) {
        return out.append(decimal(n, 1_000)).append("µs").toString();
      }
      return out.append(decimal(n, 1_000_000)).append("ms").toString();
    }
    BigInteger[] hoursRest = abs.divideAndRemainder(BigInteger.valueOf(3_600_000_000_000L));
    BigInteger[] minutesRest = hoursRest[1].divideAndRemainder(BigInteger.valueOf(60_000_000_000L));
    if (hoursRest[0].signum() > 0) {
      out.append(hoursRest[0]).append('h');
    }
    if (hoursRest[0].signum() > 0 || minutesRest[0].signum() > 0) {
      out.append(minutesRest[0]).append('m');
    }
    return out.append(decimal(minutesRest[1].longValue(), 1_000_000_000L)).append('s').toString();
  }

  private static String decimal(long value, long unit) {
    BigDecimal d = BigDecimal.valueOf(value).divide(BigDecimal.valueOf(unit)).stripTrailingZeros();
    return d.toPlainString();
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }
}
