package dev.berth.proxy.api;

import dev.berth.storage.BlobRange;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Parses a {@code Range} request header (RFC 9110 §14.2) into a {@link BlobRange}. berth serves one
 * range per request, which is all registry clients ask for (containerd sends {@code bytes=N-}).
 */
public final class ByteRangeHeader {
  private static final Pattern SINGLE = Pattern.compile("bytes=(\\d{0,18})-(\\d{0,18})");

  private ByteRangeHeader() {}

  /**
   * @param header the header value, or null when absent
   * @return {@link BlobRange#all()} when absent
   * @throws MalformedRangeException for anything but one well-formed byte range
   */
  public static BlobRange parse(@Nullable String header) {
    if (header == null) {
      return BlobRange.all();
    }
    String value = header.trim();
    if (value.indexOf(',') >= 0) {
      throw new MalformedRangeException(header, "multiple ranges are not supported");
    }
    Matcher m = SINGLE.matcher(value.replace(" ", ""));
    if (!m.matches()) {
      throw new MalformedRangeException(
          header, "expected bytes=<first>-<last>, bytes=<first>- or bytes=-<suffix>");
    }
    String first = m.group(1);
    String last = m.group(2);
    if (first.isEmpty() && last.isEmpty()) {
      throw new MalformedRangeException(header, "a range needs a first byte or a suffix length");
    }
    if (first.isEmpty()) {
      long suffix = Long.parseLong(last);
      if (suffix == 0) {
        throw new MalformedRangeException(header, "a suffix of zero bytes selects nothing");
      }
      return BlobRange.suffix(suffix);
    }
    long from = Long.parseLong(first);
    if (last.isEmpty()) {
      return BlobRange.from(from);
    }
    long to = Long.parseLong(last);
    if (to < from) {
      throw new MalformedRangeException(
          header, "last byte " + to + " is before first byte " + from);
    }
    return BlobRange.closed(from, to);
  }

  /** {@code Content-Range} for a served part. */
  public static String contentRange(BlobRange.Resolved r) {
    return "bytes " + r.start() + "-" + (r.endExclusive() - 1) + "/" + r.blobSize();
  }

  /** {@code Content-Range} for a 416 answer. */
  public static String unsatisfied(long size) {
    return "bytes */" + size;
  }

  /** A {@code Range} header berth cannot serve; answered with 416. */
  public static final class MalformedRangeException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    MalformedRangeException(String header, String reason) {
      super(
          "invalid Range '"
              + (header.length() > 100 ? header.substring(0, 100) + "…" : header)
              + "': "
              + reason);
    }
  }
}
