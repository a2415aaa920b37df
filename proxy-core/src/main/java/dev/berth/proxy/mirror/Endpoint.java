package dev.berth.proxy.mirror;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Where nodes reach berth: {@code http(s)://host[:port]}, as the runtimes' mirror settings take it.
 * No path, query, fragment or user info: the Docker daemon rejects them, and berth serves {@code
 * /v2/} at its root.
 */
public record Endpoint(URI uri) {

  public static Endpoint parse(String text) {
    URI uri;
    try {
      uri = new URI(text.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "--endpoint '" + text + "': not a URL (" + e.getReason() + ")");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if ((!scheme.equals("http") && !scheme.equals("https")) || uri.getHost() == null) {
      throw new IllegalArgumentException(
          "--endpoint '" + text + "': expected http://HOST[:PORT] or https://HOST[:PORT]");
    }
    boolean path =
        uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/");
    if (path
        || uri.getRawQuery() != null
        || uri.getRawFragment() != null
        || uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException(
          "--endpoint '"
              + text
              + "': no path, query, user or fragment (berth serves /v2/ at its root)");
    }
    return new Endpoint(URI.create(scheme + "://" + uri.getRawAuthority()));
  }

  public boolean plainHttp() {
    return uri.getScheme().equals("http");
  }

  /** {@code host[:port]}, as CRI-O locations name a registry. */
  public String authority() {
    return uri.getRawAuthority();
  }

  @Override
  public String toString() {
    return uri.toString();
  }
}
