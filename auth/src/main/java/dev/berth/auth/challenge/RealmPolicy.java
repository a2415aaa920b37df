package dev.berth.auth.challenge;

import java.net.URI;
import java.util.Locale;
import java.util.Set;

/**
 * Decides whether berth may send credentials to a token realm (distribution {@code realmAllowed},
 * hardened): the realm must use https (or http when the upstream itself is plain http, as local
 * test registries are), and its host must be the upstream's own host, share its registrable domain
 * (see {@link #registrableDomain}: {@code auth.docker.io} for {@code registry-1.docker.io}), or be
 * listed explicitly for the upstream. IP literals and {@code localhost} only pass as the upstream's
 * own host or when listed.
 */
public final class RealmPolicy {
  private final String upstreamHost;
  private final boolean upstreamIsHttps;
  private final Set<String> extraHosts;

  /**
   * @param upstreamUrl the upstream's base URL
   * @param extraHosts realm hosts allowed in addition (lowercase)
   */
  public RealmPolicy(URI upstreamUrl, Set<String> extraHosts) {
    this.upstreamHost = lower(String.valueOf(upstreamUrl.getHost()));
    this.upstreamIsHttps = "https".equalsIgnoreCase(upstreamUrl.getScheme());
    this.extraHosts = Set.copyOf(extraHosts);
  }

  /** Whether {@code realm} may receive this upstream's credentials; the reason otherwise. */
  public Decision check(URI realm) {
    String scheme = realm.getScheme() == null ? "" : lower(realm.getScheme());
    if (!scheme.equals("https") && !(scheme.equals("http") && !upstreamIsHttps)) {
      return Decision.refuse("token realm " + realm + " is not https");
    }
    String host = realm.getHost() == null ? "" : lower(realm.getHost());
    if (host.isEmpty()) {
      return Decision.refuse("token realm " + realm + " has no host");
    }
    if (host.equals(upstreamHost) || extraHosts.contains(host)) {
      return Decision.ALLOW;
    }
    if (isIpLiteral(host) || host.equals("localhost") || isIpLiteral(upstreamHost)) {
      return Decision.refuse(
          "token realm host "
              + host
              + " is not the upstream "
              + upstreamHost
              + " (list it in the upstream's token-realms to allow it)");
    }
    if (registrableDomain(host).equals(registrableDomain(upstreamHost))) {
      return Decision.ALLOW;
    }
    return Decision.refuse(
        "token realm host "
            + host
            + " is outside the upstream's domain "
            + registrableDomain(upstreamHost)
            + " (list it in the upstream's token-realms to allow it)");
  }

  /**
   * The public suffix plus one label, approximated without the public-suffix list: the last two
   * labels, or three when the host ends in a country-code second level such as {@code co.uk} or
   * {@code com.au} (a two-letter TLD under a label of at most three letters).
   */
  static String registrableDomain(String host) {
    String[] labels = host.split("\\.");
    int n = labels.length;
    int keep = 2;
    if (n >= 3 && labels[n - 1].length() == 2 && labels[n - 2].length() <= 3) {
      keep = 3;
    }
    if (n <= keep) {
      return host;
    }
    return String.join(".", java.util.Arrays.copyOfRange(labels, n - keep, n));
  }

  private static boolean isIpLiteral(String host) {
    return host.startsWith("[") || host.indexOf(':') >= 0 || host.matches("[0-9.]+");
  }

  private static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }

  /** Allowed, or refused with a reason that names the realm. */
  public record Decision(boolean allowed, String reason) {
    static final Decision ALLOW = new Decision(true, "");

    static Decision refuse(String reason) {
      return new Decision(false, reason);
    }
  }
}
