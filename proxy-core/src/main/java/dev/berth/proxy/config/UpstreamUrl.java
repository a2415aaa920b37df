package dev.berth.proxy.config;

import dev.berth.proxy.text.InvalidValueException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Checks an upstream's base URL: absolute http or https with a host, and nothing berth would have
 * to guess how to combine with API paths (a query or fragment). User info is refused because the
 * URL appears in logs; credentials belong in a docker config file.
 */
final class UpstreamUrl {
  private static final String EXPECTED =
      "expected an http or https URL such as https://registry-1.docker.io";

  private UpstreamUrl() {}

  static URI parse(String text) {
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      throw new InvalidValueException(text, EXPECTED + " (" + e.getReason() + ")");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new InvalidValueException(text, EXPECTED);
    }
    if (uri.getHost() == null) {
      throw new InvalidValueException(text, EXPECTED + " (the host is missing)");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new InvalidValueException(text, EXPECTED + ", without a query or fragment");
    }
    if (uri.getRawUserInfo() != null) {
      throw new InvalidValueException(
          text.replace(uri.getRawUserInfo(), "***"),
          EXPECTED + ", without user:password (put credentials in a docker config file)");
    }
    return uri;
  }
}
