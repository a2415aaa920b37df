package dev.berth.auth.credential;

import dev.berth.auth.gostd.GoUrl;
import dev.berth.auth.gostd.Json;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A registry host (with optional port) and an optional path: what the kubelet keyring matches, on
 * both sides. Examples: {@code docker.io/library/nginx}, {@code my-registry.io:5000/images/app},
 * {@code *.example.com} (a key), {@code [2001:db8::1]:5000/app}.
 *
 * <p>Grammar: whatever the kubelet's {@code ParseSchemelessURL(s)} accepts, i.e. Go's {@code
 * url.Parse("https://" + s)}:
 *
 * <pre>
 * [userinfo@] host [:port] [/path] [?query] [#fragment]
 * </pre>
 *
 * where the host may hold the glob characters {@code * [ ] !} but not {@code / ? # @ \ ^ %} or
 * spaces (a {@code %XX} escape is allowed only for non-ASCII bytes), the port is digits only, and
 * percent-escapes in the path are decoded. The userinfo, query and fragment are validated and
 * dropped. Nothing is lower-cased: matching is case-sensitive, as in the kubelet.
 *
 * <p>The host is split the kubelet's way ({@code SplitURL}): Go's {@code net.SplitHostPort}, and on
 * any error the whole host with an empty port; so {@code host:} has an empty port, exactly like
 * {@code host}.
 *
 * <p>Immutable; equal when host and path are equal.
 */
public final class RegistryPath {
  private final String host;
  private final String hostname;
  private final String port;
  private final List<String> hostParts;
  private final String path;

  private RegistryPath(String host, String path) {
    this.host = host;
    this.path = path;
    String[] split = GoUrl.splitHostPort(host);
    this.hostname = split[0];
    this.port = split[1];
    this.hostParts = List.of(GoUrl.splitDots(hostname));
  }

  /**
   * Parses a schemeless registry path.
   *
   * @throws IllegalArgumentException if Go's URL parser would reject {@code "https://" + s}; the
   *     message names the input (with any userinfo redacted) and the reason
   */
  public static RegistryPath parse(String s) {
    Objects.requireNonNull(s, "s");
    try {
      return parseOrThrow(s);
    } catch (GoUrl.ParseException e) {
      throw new IllegalArgumentException(
          "invalid registry path " + Json.quote(redactUserinfo(s)) + ": " + e.getMessage(), e);
    }
  }

  /** {@link #parse}, with a parse failure as empty: the kubelet treats it as "no match". */
  public static Optional<RegistryPath> tryParse(String s) {
    try {
      return Optional.of(parseOrThrow(s));
    } catch (GoUrl.ParseException e) {
      return Optional.empty();
    }
  }

  static RegistryPath parseOrThrow(String s) throws GoUrl.ParseException {
    GoUrl url = GoUrl.parse("https://" + s);
    return new RegistryPath(url.host, url.path);
  }

  /** Go's {@code URL.Host}: the host with {@code :port} when present, e.g. {@code reg.io:5000}. */
  public String host() {
    return host;
  }

  /** The host without the port; an IPv6 literal loses its brackets. */
  public String hostname() {
    return hostname;
  }

  /** The port, or the empty string when there is none. */
  public String port() {
    return port;
  }

  /** {@link #hostname()} split at every {@code .}, empty parts kept. */
  public List<String> hostParts() {
    return hostParts;
  }

  /** The decoded path: empty, or starting with {@code /}. */
  public String path() {
    return path;
  }

  /** {@code host + path}, the form the keyring stores as a key. */
  @Override
  public String toString() {
    return host + path;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RegistryPath other && host.equals(other.host) && path.equals(other.path);
  }

  @Override
  public int hashCode() {
    return host.hashCode() * 31 + path.hashCode();
  }

  /**
   * Replaces a possible userinfo of a schemeless or absolute URL string with {@code ***}: config
   * keys and images go into messages, and {@code user:password@host} is legal URL syntax. A
   * password may itself hold {@code /}, {@code ?} or {@code #}, so everything up to the last
   * {@code @} goes; that over-redacts a digest reference ({@code repo@sha256:...}), which is the
   * safe side.
   */
  static String redactUserinfo(String s) {
    int at = s.lastIndexOf('@');
    if (at < 0) {
      return s;
    }
    int schemeSep = s.indexOf("://");
    int start = schemeSep >= 0 && schemeSep < at ? schemeSep + 3 : 0;
    return s.substring(0, start) + "***" + s.substring(at);
  }
}
