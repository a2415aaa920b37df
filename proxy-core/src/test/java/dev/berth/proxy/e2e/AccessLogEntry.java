package dev.berth.proxy.e2e;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One request line from the reference registry's access log.
 *
 * <p>Why: counting upstream requests is how the e2e suites prove cache hits, and the count must
 * come from the real upstream, not from berth. docker-registry 2.8 writes the Apache "combined"
 * format on stdout (gorilla {@code handlers.CombinedLoggingHandler}), for example:
 *
 * <pre>
 * 127.0.0.1 - - [25/Nov/2026:17:16:26 +0000] "HEAD /v2/foo/manifests/x HTTP/1.1" 404 91 "" "curl/7.88.1"
 * </pre>
 *
 * Its logrus lines ({@code time="..." level=...}) share the stream and are not requests.
 *
 * @param target the request target as logged: path plus {@code ?query} when there is one
 * @param bytes the response body bytes written, 0 for HEAD
 */
public record AccessLogEntry(
    String remoteAddress,
    String time,
    String method,
    String target,
    String protocol,
    int status,
    long bytes,
    String referer,
    String userAgent) {

  private static final Pattern COMBINED =
      Pattern.compile(
          "^(\\S+) \\S+ \\S+ \\[([^\\]]+)\\] \"(\\S+) (\\S+) ([^\"]*)\" (\\d{3}) (\\d+|-)"
              + " \"((?:[^\"\\\\]|\\\\.)*)\" \"((?:[^\"\\\\]|\\\\.)*)\"");

  /**
   * Parses one log line.
   *
   * @return the entry, or empty for lines that are not access-log lines
   */
  public static Optional<AccessLogEntry> parse(String line) {
    Matcher m = COMBINED.matcher(line);
    if (!m.find()) {
      return Optional.empty();
    }
    return Optional.of(
        new AccessLogEntry(
            m.group(1),
            m.group(2),
            m.group(3),
            m.group(4),
            m.group(5),
            Integer.parseInt(m.group(6)),
            "-".equals(m.group(7)) ? 0 : Long.parseLong(m.group(7)),
            m.group(8),
            m.group(9)));
  }

  /** The path without the query string. */
  public String path() {
    int q = target.indexOf('?');
    return q < 0 ? target : target.substring(0, q);
  }

  /** The raw (still percent-encoded) query string, or empty. */
  public String query() {
    int q = target.indexOf('?');
    return q < 0 ? "" : target.substring(q + 1);
  }
}
