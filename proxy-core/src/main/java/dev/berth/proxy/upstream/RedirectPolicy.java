package dev.berth.proxy.upstream;

import dev.berth.proxy.config.AddressRange;
import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Where an upstream may send berth with a redirect (issue 13, defects 7 and 8). Registries redirect
 * blob GETs to their storage or CDN hosts, so other hosts are allowed, but only over {@code http}
 * or {@code https}, and never to this machine or the link-local network (berth's admin port, a
 * cloud metadata service) unless the upstream itself lives there: otherwise any upstream could make
 * berth issue GETs against them (blind SSRF).
 *
 * <p>Hosts are judged as written here: {@code localhost}, {@code *.localhost} and literal
 * addresses. A DNS name is resolved and its addresses judged by {@link #isLocalAddress} before
 * berth connects ({@code UpstreamClient}).
 */
public final class RedirectPolicy {
  private RedirectPolicy() {}

  /**
   * Why berth must not follow a redirect to {@code next} from {@code upstream}'s exchange; empty
   * when it may.
   */
  public static Optional<String> problem(URI next, URI upstream) {
    String scheme = next.getScheme() == null ? "" : next.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      return Optional.of(
          "redirect to a " + (scheme.isEmpty() ? "scheme-less" : scheme + ":") + " URL");
    }
    if (next.getHost() == null || next.getHost().isEmpty()) {
      return Optional.of("redirect to a URL without a host");
    }
    if (isLocal(next.getHost()) && !isLocal(upstream.getHost())) {
      return Optional.of(
          "redirect to a loopback or link-local address ("
              + next.getHost()
              + "), where the upstream itself is not");
    }
    return Optional.empty();
  }

  /** {@code localhost}, or a literal loopback, link-local or wildcard address. */
  static boolean isLocal(@Nullable String host) {
    if (host == null) {
      return false;
    }
    String h = host.toLowerCase(Locale.ROOT);
    if (h.equals("localhost") || h.endsWith(".localhost")) {
      return true;
    }
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
      int zone = h.indexOf('%'); // fe80::1%eth0: the address is what counts, not the interface
      if (zone >= 0) {
        h = h.substring(0, zone);
      }
    }
    return AddressRange.literal(h).map(RedirectPolicy::isLocalAddress).orElse(false);
  }

  /** A loopback, link-local or wildcard address: this machine, or its metadata services. */
  static boolean isLocalAddress(java.net.InetAddress a) {
    return a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isAnyLocalAddress();
  }
}
