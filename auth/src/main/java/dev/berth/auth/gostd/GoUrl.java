package dev.berth.auth.gostd;

import static dev.berth.auth.gostd.GoBytes.indexOf;
import static dev.berth.auth.gostd.GoBytes.lastIndexOf;
import static dev.berth.auth.gostd.GoBytes.startsWith;
import static dev.berth.auth.gostd.PercentEncoding.goQuote;
import static dev.berth.auth.gostd.PercentEncoding.unescape;

import dev.berth.auth.gostd.PercentEncoding.Mode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The part of Go's {@code net/url.Parse} that the kubelet keyring depends on, ported byte for byte
 * so that keys and images parse (and fail to parse) exactly as in the kubelet.
 *
 * <p>Only absolute inputs are supported ({@code scheme://...}): the keyring always prepends {@code
 * https://} before parsing. What is kept is Go's {@code URL.Host} (unescaped, port included) and
 * {@code URL.Path} (unescaped); the query and fragment are split off and dropped, the userinfo is
 * validated and dropped, as the kubelet never reads them.
 *
 * <p>Differences from Go, both at the edge of what a registry key can be: Go strings are bytes, so
 * a percent-escape that decodes to invalid UTF-8 is an error here; and bracketed hosts must hold an
 * IPv6 address, the check Go added to {@code parseHost} in 1.25.2 / 1.24.8 (CVE-2025-47912).
 *
 * <p>Error reasons follow Go's wording but never quote userinfo, which can hold a password.
 */
public final class GoUrl {
  /** Go's {@code URL.Host}: the unescaped host, with {@code :port} when present. */
  public final String host;

  /** Go's {@code URL.Path}: unescaped; empty or starting with {@code /}. */
  public final String path;

  private GoUrl(String host, String path) {
    this.host = host;
    this.path = path;
  }

  /** A Go {@code url.Parse} error. The message is Go's reason, without the URL itself. */
  public static final class ParseException extends Exception {
    private static final long serialVersionUID = 1L;

    ParseException(String reason) {
      super(reason);
    }
  }

  /**
   * {@code url.Parse(raw)} for {@code raw} of the form {@code scheme://...}.
   *
   * @throws IllegalArgumentException if {@code raw} has no {@code scheme://} prefix (a caller bug)
   */
  public static GoUrl parse(String raw) throws ParseException {
    byte[] s = raw.getBytes(StandardCharsets.UTF_8);
    int hash = indexOf(s, (byte) '#', 0);
    byte[] fragment = hash < 0 ? new byte[0] : Arrays.copyOfRange(s, hash + 1, s.length);
    byte[] rest = hash < 0 ? s : Arrays.copyOfRange(s, 0, hash);
    // Go checks for control characters after cutting the fragment off, so only before '#'.
    for (byte b : rest) {
      if ((b & 0xff) < 0x20 || b == 0x7f) {
        throw new ParseException("net/url: invalid control character in URL");
      }
    }

    int colon = schemeEnd(rest);
    if (colon < 0 || !startsWith(rest, colon + 1, "//")) {
      throw new IllegalArgumentException("GoUrl.parse needs an absolute scheme:// URL");
    }
    rest = Arrays.copyOfRange(rest, colon + 1, rest.length);

    // The query goes before the authority is looked at: "https://host?x/y" has no path.
    int question = indexOf(rest, (byte) '?', 0);
    if (question >= 0) {
      rest = Arrays.copyOfRange(rest, 0, question);
    }

    byte[] authority = Arrays.copyOfRange(rest, 2, rest.length);
    byte[] pathBytes = new byte[0];
    int slash = indexOf(authority, (byte) '/', 0);
    if (slash >= 0) {
      pathBytes = Arrays.copyOfRange(authority, slash, authority.length);
      authority = Arrays.copyOfRange(authority, 0, slash);
    }
    String host = parseAuthority(authority);
    String path = unescape(pathBytes, Mode.PATH);
    if (fragment.length > 0) {
      unescape(fragment, Mode.FRAGMENT); // validated only, as setFragment does
    }
    return new GoUrl(host, path);
  }

  /** Index of the scheme's ':' per Go's getScheme, or -1 when there is no scheme. */
  private static int schemeEnd(byte[] s) {
    for (int i = 0; i < s.length; i++) {
      int c = s[i];
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        continue;
      }
      if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
        if (i == 0) {
          return -1;
        }
        continue;
      }
      return c == ':' && i > 0 ? i : -1;
    }
    return -1;
  }

  private static String parseAuthority(byte[] authority) throws ParseException {
    int at = lastIndexOf(authority, (byte) '@');
    String host =
        parseHost(at < 0 ? authority : Arrays.copyOfRange(authority, at + 1, authority.length));
    if (at >= 0) {
      byte[] userinfo = Arrays.copyOfRange(authority, 0, at);
      if (!validUserinfo(userinfo)) {
        throw new ParseException("net/url: invalid userinfo");
      }
      try {
        // Go unescapes the username and the password separately; both only reject bad escapes.
        unescape(userinfo, Mode.USER_PASSWORD);
      } catch (ParseException e) {
        throw new ParseException("net/url: invalid userinfo (bad percent-escape)");
      }
    }
    return host;
  }

  private static String parseHost(byte[] host) throws ParseException {
    if (host.length > 0 && host[0] == '[') {
      int close = lastIndexOf(host, (byte) ']');
      if (close < 0) {
        throw new ParseException("missing ']' in host");
      }
      byte[] colonPort = Arrays.copyOfRange(host, close + 1, host.length);
      if (!validOptionalPort(colonPort)) {
        throw new ParseException("invalid port " + goQuote(colonPort) + " after host");
      }
      int zone = indexOf(Arrays.copyOfRange(host, 0, close), "%25");
      byte[] address = Arrays.copyOfRange(host, 1, zone >= 0 ? zone : close);
      if (!Ipv6.isValid(new String(address, StandardCharsets.ISO_8859_1))) {
        throw new ParseException("invalid IP-literal in host");
      }
      if (zone >= 0) {
        return unescape(Arrays.copyOfRange(host, 0, zone), Mode.HOST)
            + unescape(Arrays.copyOfRange(host, zone, close), Mode.ZONE)
            + unescape(Arrays.copyOfRange(host, close, host.length), Mode.HOST);
      }
    } else {
      int colon = lastIndexOf(host, (byte) ':');
      if (colon >= 0) {
        byte[] colonPort = Arrays.copyOfRange(host, colon, host.length);
        if (!validOptionalPort(colonPort)) {
          throw new ParseException("invalid port " + goQuote(colonPort) + " after host");
        }
      }
    }
    return unescape(host, Mode.HOST);
  }

  /** Go's {@code validOptionalPort}: empty, or ':' followed by digits only (possibly none). */
  private static boolean validOptionalPort(byte[] port) {
    if (port.length == 0) {
      return true;
    }
    if (port[0] != ':') {
      return false;
    }
    for (int i = 1; i < port.length; i++) {
      if (port[i] < '0' || port[i] > '9') {
        return false;
      }
    }
    return true;
  }

  private static boolean validUserinfo(byte[] s) {
    for (byte b : s) {
      int c = b & 0xff;
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
        continue;
      }
      if ("-._:~!$&'()*+,;=%@".indexOf(c) >= 0) {
        continue;
      }
      return false; // includes every non-ASCII byte, as Go's rune loop does
    }
    return true;
  }

  /**
   * Go's {@code net.SplitHostPort}, as the kubelet's {@code SplitURL} uses it: on any error the
   * whole host is the name and the port is empty.
   *
   * @return {hostname, port}
   */
  public static String[] splitHostPort(String hostport) {
    String[] whole = {hostport, ""};
    int colon = hostport.lastIndexOf(':');
    if (colon < 0) {
      return whole; // missing port
    }
    String host;
    int j = 0;
    int k = 0;
    if (hostport.charAt(0) == '[') {
      int end = hostport.indexOf(']');
      if (end < 0 || end + 1 != colon) {
        return whole; // missing ']', missing port, or too many colons
      }
      host = hostport.substring(1, end);
      j = 1;
      k = end + 1;
    } else {
      host = hostport.substring(0, colon);
      if (host.indexOf(':') >= 0) {
        return whole; // too many colons
      }
    }
    if (hostport.indexOf('[', j) >= 0 || hostport.indexOf(']', k) >= 0) {
      return whole; // unexpected bracket
    }
    return new String[] {host, hostport.substring(colon + 1)};
  }

  /** Go's {@code strings.Split(s, ".")}: keeps empty parts, and "" gives [""]. */
  public static String[] splitDots(String s) {
    int n = 1;
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) == '.') {
        n++;
      }
    }
    String[] parts = new String[n];
    int start = 0;
    int p = 0;
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) == '.') {
        parts[p++] = s.substring(start, i);
        start = i + 1;
      }
    }
    parts[p] = s.substring(start);
    return parts;
  }

  /** IPv6 textual syntax (RFC 4291 §2.2), as Go's {@code netip.ParseAddr} accepts it. */
  public static final class Ipv6 {
    private Ipv6() {}

    public static boolean isValid(String s) {
      int groups = 0;
      boolean compressed = false;
      int i = 0;
      int n = s.length();
      if (n == 0) {
        return false;
      }
      if (s.startsWith("::")) {
        compressed = true;
        i = 2;
        if (i == n) {
          return true;
        }
      } else if (s.charAt(0) == ':') {
        return false;
      }
      while (i < n) {
        int start = i;
        while (i < n && Character.digit(s.charAt(i), 16) >= 0 && s.charAt(i) < 0x80) {
          i++;
        }
        if (i < n && s.charAt(i) == '.') {
          // Embedded IPv4 in the last 32 bits.
          if (!isIpv4(s.substring(start))) {
            return false;
          }
          groups += 2;
          i = n;
          break;
        }
        int len = i - start;
        if (len == 0 || len > 4) {
          return false;
        }
        groups++;
        if (i == n) {
          break;
        }
        if (s.charAt(i) != ':') {
          return false;
        }
        i++;
        if (i < n && s.charAt(i) == ':') {
          if (compressed) {
            return false;
          }
          compressed = true;
          i++;
          if (i == n) {
            break;
          }
        } else if (i == n) {
          return false; // trailing single ':'
        }
      }
      return compressed ? groups < 8 : groups == 8;
    }

    private static boolean isIpv4(String s) {
      String[] parts = splitDots(s);
      if (parts.length != 4) {
        return false;
      }
      for (String p : parts) {
        if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0')) {
          return false;
        }
        for (int i = 0; i < p.length(); i++) {
          if (p.charAt(i) < '0' || p.charAt(i) > '9') {
            return false;
          }
        }
        if (Integer.parseInt(p) > 255) {
          return false;
        }
      }
      return true;
    }
  }
}
