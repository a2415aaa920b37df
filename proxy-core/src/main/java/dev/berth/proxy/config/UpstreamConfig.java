package dev.berth.proxy.config;

import dev.berth.proxy.policy.PullPolicy;
import dev.berth.proxy.policy.RepositoryPolicy;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One upstream registry.
 *
 * @param name the registry host[:port] clients name it by (in {@code ns=} or a leading path
 *     component), e.g. {@code docker.io}
 * @param url where berth reaches it, http or https, e.g. {@code https://registry-1.docker.io}
 * @param isDefault serves requests that name no upstream
 * @param policy the pull policy for repositories no entry of {@code policies} matches
 * @param policies per-repository overrides; the first matching glob wins
 * @param maxStale how long past a failed revalidation a cached tag may still be served
 * @param tokenRealms hosts besides the upstream's own domain that may receive its credentials as a
 *     bearer-token realm (lowercase)
 * @param connectTimeout TCP and TLS connect
 * @param readTimeout the wait for the first byte of an answer, and the longest gap between bytes
 * @param requestTimeout a whole exchange other than a blob body (manifests, tags, checks)
 * @param transferTimeout a whole blob body
 * @param maxBlobSize the largest blob body accepted; a longer one is cut and not cached
 * @param parent another berth (the cluster tier) asked first for everything of this upstream, with
 *     {@code ns=} naming it; the registry itself is asked when the parent is unreachable
 */
public record UpstreamConfig(
    String name,
    URI url,
    boolean isDefault,
    PullPolicy policy,
    List<RepositoryPolicy> policies,
    Duration maxStale,
    java.util.Set<String> tokenRealms,
    Duration connectTimeout,
    Duration readTimeout,
    Duration requestTimeout,
    Duration transferTimeout,
    long maxBlobSize,
    Optional<URI> parent) {
  /** Short on purpose: containerd falls back to the next host when the mirror fails quickly. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

  public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);
  public static final Duration DEFAULT_MAX_STALE = Duration.ofHours(24);
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofMinutes(1);

  /** 1 GiB at 300 KB/s: a slow link still finishes a large layer; an endless trickle does not. */
  public static final Duration DEFAULT_TRANSFER_TIMEOUT = Duration.ofHours(1);

  /** Far above real layers (the largest common ones, CUDA and model images, are a few GiB). */
  public static final long DEFAULT_MAX_BLOB_SIZE = 64L << 30;

  public UpstreamConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(policy, "policy");
    policies = List.copyOf(policies);
    Objects.requireNonNull(maxStale, "maxStale");
    if (maxStale.isNegative()) {
      throw new IllegalArgumentException("maxStale must not be negative, was " + maxStale);
    }
    tokenRealms = java.util.Set.copyOf(tokenRealms);
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(readTimeout, "readTimeout");
    for (Duration t :
        new Duration[] {connectTimeout, readTimeout, requestTimeout, transferTimeout}) {
      if (t.isNegative() || t.isZero()) {
        throw new IllegalArgumentException("timeouts must be positive");
      }
    }
    Objects.requireNonNull(parent, "parent");
    if (maxBlobSize <= 0) {
      throw new IllegalArgumentException("maxBlobSize must be positive, was " + maxBlobSize);
    }
  }

  /** An upstream as {@code --upstream NAME=URL} declares it: policy always, no overrides. */
  public static UpstreamConfig of(String name, URI url) {
    return new UpstreamConfig(
        name,
        url,
        false,
        PullPolicy.Always.INSTANCE,
        List.of(),
        DEFAULT_MAX_STALE,
        java.util.Set.of(),
        DEFAULT_CONNECT_TIMEOUT,
        DEFAULT_READ_TIMEOUT,
        DEFAULT_REQUEST_TIMEOUT,
        DEFAULT_TRANSFER_TIMEOUT,
        DEFAULT_MAX_BLOB_SIZE,
        Optional.empty());
  }

  /** The same upstream reached through {@code newParent} first. */
  public UpstreamConfig withParent(Optional<URI> newParent) {
    return new UpstreamConfig(
        name,
        url,
        isDefault,
        policy,
        policies,
        maxStale,
        tokenRealms,
        connectTimeout,
        readTimeout,
        requestTimeout,
        transferTimeout,
        maxBlobSize,
        newParent);
  }

  public UpstreamConfig withDefault(boolean newIsDefault) {
    return new UpstreamConfig(
        name,
        url,
        newIsDefault,
        policy,
        policies,
        maxStale,
        tokenRealms,
        connectTimeout,
        readTimeout,
        requestTimeout,
        transferTimeout,
        maxBlobSize,
        parent);
  }
}
