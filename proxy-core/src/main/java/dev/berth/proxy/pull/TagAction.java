package dev.berth.proxy.pull;

import dev.berth.proxy.image.Reference;
import dev.berth.proxy.policy.PullPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What a tag request needs under a {@link PullPolicy} (docs/design.md item 4): serve the cached
 * resolution, resolve the tag at the upstream, or answer only from cache.
 */
public enum TagAction {
  /** The cached tag → digest resolution is good enough. */
  USE_CACHED,
  /** Ask the upstream (a {@code HEAD}) which digest the tag points to now. */
  RESOLVE_UPSTREAM,
  /** Never ask the upstream; a tag not cached is a 404. */
  CACHE_ONLY;

  /**
   * Decides for one request.
   *
   * @param resolvedAt when the cached resolution was made, empty when the tag is not cached
   * @param now the injected clock's time
   */
  public static TagAction decide(
      PullPolicy policy, Reference.Tag tag, Optional<Instant> resolvedAt, Instant now) {
    if (policy instanceof PullPolicy.KubernetesDefault) {
      policy =
          tag.equals(Reference.Tag.LATEST)
              ? PullPolicy.Always.INSTANCE
              : PullPolicy.IfNotPresent.INSTANCE;
    }
    if (policy instanceof PullPolicy.Always) {
      return RESOLVE_UPSTREAM;
    }
    if (policy instanceof PullPolicy.Never) {
      return CACHE_ONLY;
    }
    if (resolvedAt.isEmpty()) {
      return RESOLVE_UPSTREAM;
    }
    if (policy instanceof PullPolicy.Ttl ttl) {
      Duration age = Duration.between(resolvedAt.get(), now);
      return age.compareTo(ttl.maxAge()) < 0 ? USE_CACHED : RESOLVE_UPSTREAM;
    }
    return USE_CACHED; // IfNotPresent with a cached resolution
  }
}
