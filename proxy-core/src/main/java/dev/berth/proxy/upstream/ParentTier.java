package dev.berth.proxy.upstream;

import dev.berth.proxy.config.UpstreamConfig;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parent berths (the cluster tier) upstreams are reached through: whether one is usable now,
 * and what a request to it looks like. A request names the registry it means with {@code ns=}, as
 * containerd does for a mirror, so the parent routes it by its own upstream list; it carries the
 * client's credential or none, never the node's (the parent has its own keyring and tenancy).
 *
 * <p>A parent that does not answer (connect failure, timeout, 5xx) is left alone for {@link
 * #RETRY_AFTER}: requests in between go straight to the registry instead of each waiting for the
 * parent's connect timeout first.
 */
final class ParentTier {
  private static final Logger log = LoggerFactory.getLogger(ParentTier.class);

  /** How long requests skip a parent that failed to answer. */
  static final Duration RETRY_AFTER = Duration.ofSeconds(30);

  private final Clock clock;
  private final Map<URI, Instant> downUntil = new ConcurrentHashMap<>();

  ParentTier(Clock clock) {
    this.clock = clock;
  }

  /** The parent to ask for {@code upstream} now, or empty: none configured, or it is down. */
  Optional<URI> usable(Upstream upstream) {
    Optional<URI> parent = upstream.config().parent();
    if (parent.isEmpty()) {
      return parent;
    }
    return isUp(parent.get()) ? parent : Optional.empty();
  }

  /** Whether {@code other} (a parent or a peer replica) is not resting after a failure. */
  boolean isUp(URI other) {
    Instant until = downUntil.get(other);
    return until == null || !clock.instant().isBefore(until);
  }

  /**
   * {@code other} (the {@code role}: parent, owning replica) did not answer: it is skipped until
   * {@link #RETRY_AFTER} passed.
   */
  void failed(URI other, String role, Upstream upstream, UpstreamException why) {
    if (downUntil.put(other, clock.instant().plus(RETRY_AFTER)) == null) {
      log.warn(
          "{} {} did not answer for {} ({}); skipping it for {}",
          role,
          other,
          upstream.name(),
          why.getMessage(),
          RETRY_AFTER);
    }
  }

  /** It answered: it is used again. */
  void answered(URI other) {
    if (downUntil.remove(other) != null) {
      log.info("{} answers again", other);
    }
  }

  /**
   * {@code target} as the parent serves it: the parent's URL, and a name of its own ({@code
   * docker.io@tier:5000}) so that challenges, remembered credentials and metrics of the parent are
   * never mixed with the registry's.
   */
  static RoutedRepository via(RoutedRepository target, URI parent) {
    UpstreamConfig registry = target.upstream().config();
    UpstreamConfig asParent =
        new UpstreamConfig(
            registry.name() + "@" + parent.getAuthority(),
            parent,
            false,
            registry.policy(),
            registry.policies(),
            registry.maxStale(),
            java.util.Set.of(),
            registry.connectTimeout(),
            registry.readTimeout(),
            registry.requestTimeout(),
            registry.transferTimeout(),
            registry.maxBlobSize(),
            Optional.empty());
    return new RoutedRepository(new Upstream(asParent), target.repository());
  }

  /** The query parameter that names the registry to the parent. */
  static String nsParameter(Upstream registry) {
    return "ns=" + URLEncoder.encode(registry.name(), StandardCharsets.UTF_8);
  }
}
