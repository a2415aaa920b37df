package dev.berth.proxy.upstream;

import dev.berth.proxy.config.UpstreamConfig;
import dev.berth.proxy.policy.PolicyTable;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One configured registry at run time: its config plus what is derived from it once (the names it
 * answers to, its policy table).
 */
public final class Upstream {
  private static final Set<String> DOCKER_HUB_ALIASES =
      Set.of("docker.io", "index.docker.io", "registry-1.docker.io");

  private final UpstreamConfig config;
  private final PolicyTable policies;
  private final List<String> sameServer;

  /** An upstream alone: no other configured upstream shares its server. */
  public Upstream(UpstreamConfig config) {
    this(config, List.of(config.name()));
  }

  private Upstream(UpstreamConfig config, List<String> sameServer) {
    this.config = config;
    this.policies = new PolicyTable(config.policy(), config.policies());
    this.sameServer = List.copyOf(sameServer);
  }

  /** The configured upstreams, each knowing which others are the same server (same URL origin). */
  public static List<Upstream> all(List<UpstreamConfig> configs) {
    return configs.stream()
        .map(
            c ->
                new Upstream(
                    c,
                    configs.stream()
                        .filter(other -> sameOrigin(other.url(), c.url()))
                        .map(UpstreamConfig::name)
                        .toList()))
        .toList();
  }

  private static boolean sameOrigin(URI a, URI b) {
    return String.valueOf(a.getScheme()).equalsIgnoreCase(String.valueOf(b.getScheme()))
        && UpstreamClient.sameHost(a, b);
  }

  /**
   * The names of the configured upstreams on this one's server (its own included): content one of
   * them fetched, that server has served, so its {@code HEAD} may prove a link.
   */
  public List<String> sameServerNames() {
    return sameServer;
  }

  /** The name clients use for it ({@code docker.io}, {@code registry.internal:5000}). */
  public String name() {
    return config.name();
  }

  public URI url() {
    return config.url();
  }

  public boolean isDefault() {
    return config.isDefault();
  }

  public UpstreamConfig config() {
    return config;
  }

  public PolicyTable policies() {
    return policies;
  }

  /** Docker Hub gets {@code library/} for single-component names. */
  public boolean isDockerHub() {
    return DOCKER_HUB_ALIASES.contains(name().toLowerCase(Locale.ROOT));
  }

  /** Whether {@code host} (from {@code ns=} or a path) names this upstream. */
  boolean answersTo(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    return h.equals(name().toLowerCase(Locale.ROOT))
        || (isDockerHub() && DOCKER_HUB_ALIASES.contains(h));
  }

  @Override
  public String toString() {
    return name() + " (" + url() + ")";
  }
}
