package dev.berth.proxy.config;

import dev.berth.proxy.text.ByteSizes;
import dev.berth.proxy.text.InvalidValueException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A storage size as the {@code storage} keys take it: a number of bytes, or a percentage of the
 * total size of the filesystem holding the data directory, turned into bytes when berth starts
 * ({@link #resolve}), so that one config fits nodes with disks of any size.
 *
 * <p>Grammar: a size as {@link ByteSizes#parse} reads it ({@code 50GiB}, {@code 512MiB}, {@code
 * 1024}), or a decimal number from 0 to 100 followed by {@code %} ({@code 25%}, {@code 12.5%}).
 */
public final class DiskSize {
  private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);
  private static final Pattern PERCENT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*%");
  private static final String PERCENT_EXPECTED =
      "expected a percentage of the data directory's filesystem from 0% to 100%, such as 25%";

  private final long bytes;
  private final @Nullable BigDecimal percent;

  private DiskSize(long bytes, @Nullable BigDecimal percent) {
    this.bytes = bytes;
    this.percent = percent;
  }

  /** A fixed number of bytes. */
  public static DiskSize bytes(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must not be negative, was " + bytes);
    }
    return new DiskSize(bytes, null);
  }

  /** A share of the filesystem's total size. */
  public static DiskSize percent(long percent) {
    if (percent < 0 || percent > 100) {
      throw new IllegalArgumentException("percent must be within 0..100, was " + percent);
    }
    return new DiskSize(0, BigDecimal.valueOf(percent));
  }

  /**
   * Parses a size or a percentage (grammar in the class comment).
   *
   * @throws InvalidValueException naming the text and the accepted forms
   */
  public static DiskSize parse(String text) {
    String trimmed = text.trim();
    if (!trimmed.endsWith("%")) {
      try {
        return new DiskSize(ByteSizes.parse(trimmed), null);
      } catch (InvalidValueException e) {
        throw new InvalidValueException(text, e.problem() + "; or a percentage such as 25%");
      }
    }
    Matcher m = PERCENT.matcher(trimmed);
    if (!m.matches()) {
      throw new InvalidValueException(text, PERCENT_EXPECTED);
    }
    BigDecimal share = new BigDecimal(m.group(1));
    if (share.compareTo(HUNDRED) > 0) {
      throw new InvalidValueException(text, PERCENT_EXPECTED);
    }
    return new DiskSize(0, share);
  }

  public boolean isPercent() {
    return percent != null;
  }

  /** Zero bytes, or 0% of any filesystem. */
  public boolean isZero() {
    return percent == null ? bytes == 0 : percent.signum() == 0;
  }

  /**
   * The bytes this size stands for on a filesystem of {@code filesystemBytes} in total; a
   * percentage is rounded down to a whole byte.
   */
  public long resolve(long filesystemBytes) {
    if (percent == null) {
      return bytes;
    }
    return BigDecimal.valueOf(filesystemBytes)
        .multiply(percent)
        .divide(HUNDRED, 0, RoundingMode.FLOOR)
        .longValueExact();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DiskSize other
        && bytes == other.bytes
        && (percent == null
            ? other.percent == null
            : other.percent != null && percent.compareTo(other.percent) == 0);
  }

  @Override
  public int hashCode() {
    return Objects.hash(bytes, percent == null ? null : percent.stripTrailingZeros());
  }

  /** As an operator would write it: {@code 25%}, {@code 512.0 MiB}. */
  @Override
  public String toString() {
    return percent == null
        ? ByteSizes.format(bytes)
        : percent.stripTrailingZeros().toPlainString() + "%";
  }
}
