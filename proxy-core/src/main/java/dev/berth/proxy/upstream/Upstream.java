package dev.berth.proxy.upstream;

import dev.berth.proxy.config.UpstreamConfig;
import dev.berth.proxy.pull.PolicyTable;
import java.net.URI;
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

  public Upstream(UpstreamConfig config) {
    this.config = config;
    this.policies = new PolicyTable(config.policy(), config.policies());
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
