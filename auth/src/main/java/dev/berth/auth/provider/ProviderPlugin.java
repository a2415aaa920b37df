package dev.berth.auth.provider;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.auth.credential.Credential;
import dev.berth.auth.credential.CredentialGlob;
import dev.berth.auth.credential.CredentialKeyring;
import dev.berth.auth.credential.RegistryPath;
import dev.berth.auth.provider.CredentialProviders.FailureReason;
import dev.berth.auth.provider.CredentialProviders.Listener;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One configured provider of {@link CredentialProviders}: whether it matches an image, its answer
 * cache, its back-off after failures, its last good answers, and the single flight of its runs (the
 * rules are on {@link CredentialProviders}).
 */
final class ProviderPlugin {
  /** The kubelet's {@code cachePurgeInterval}. */
  static final Duration CACHE_PURGE_INTERVAL = Duration.ofMinutes(15);

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A cache key of one kind. */
  private record CacheKey(PluginResponse.CacheKeyType type, String value) {}

  /** A cached answer. */
  private record Entry(Map<String, Credential> auth, Instant expiresAt) {}

  final CredentialProviderConfig.Provider provider;
  private final List<CredentialGlob> globs;
  private final Path binary;
  private final Clock clock;
  private final Listener listener;
  private final Duration timeout;
  private final Duration failureBackoff;
  private final ConcurrentHashMap<CacheKey, Entry> cache = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Instant> backoffUntil = new ConcurrentHashMap<>();

  /**
   * Each image's last successful answer, kept {@link CredentialProviders#LAST_GOOD_LIMIT} past its
   * run: it stands in when a later run fails, so a node whose plugin backend (ECR, the metadata
   * server) is down in the same outage as the registry still has credentials to check its kept
   * access verdicts with. A registry that is up refuses them if they expired, which is a definite
   * answer.
   */
  private final ConcurrentHashMap<String, Entry> lastGood = new ConcurrentHashMap<>();

  private final ConcurrentHashMap<String, CompletableFuture<Map<String, Credential>>> inFlight =
      new ConcurrentHashMap<>();
  private volatile Instant lastPurge;

  ProviderPlugin(
      CredentialProviderConfig.Provider provider,
      Path binary,
      Clock clock,
      Listener listener,
      Duration timeout,
      Duration failureBackoff) {
    this.provider = provider;
    this.globs = provider.matchImages().stream().map(CredentialGlob::parse).toList();
    this.binary = binary;
    this.clock = clock;
    this.listener = listener;
    this.timeout = timeout;
    this.failureBackoff = failureBackoff;
    this.lastPurge = clock.instant();
  }

  /** {@code isImageAllowed}; a provider that needs a service account never matches. */
  boolean matches(Optional<RegistryPath> target) {
    if (target.isEmpty() || !provider.runsWithoutServiceAccount()) {
      return false;
    }
    for (CredentialGlob glob : globs) {
      if (glob.matches(target.get())) {
        return true;
      }
    }
    return false;
  }

  /** {@code getCachedCredentials}: image, then registry, then global; or an empty back-off. */
  Optional<Map<String, Credential>> cachedAnswer(String image, Instant now) {
    for (CacheKey key :
        List.of(
            new CacheKey(PluginResponse.CacheKeyType.IMAGE, image),
            new CacheKey(PluginResponse.CacheKeyType.REGISTRY, registryOf(image)),
            new CacheKey(PluginResponse.CacheKeyType.GLOBAL, ""))) {
      Entry entry = cache.get(key);
      if (entry != null) {
        if (!now.isAfter(entry.expiresAt())) {
          return Optional.of(entry.auth());
        }
        cache.remove(key, entry);
      }
    }
    Instant until = backoffUntil.get(image);
    if (until != null) {
      if (now.isBefore(until)) {
        return Optional.of(lastGoodAnswer(image, now));
      }
      backoffUntil.remove(image, until);
    }
    return Optional.empty();
  }

  Map<String, Credential> provide(String image) {
    purgeIfDue();
    Optional<Map<String, Credential>> cached = cachedAnswer(image, clock.instant());
    if (cached.isPresent()) {
      return cached.get();
    }
    CompletableFuture<Map<String, Credential>> mine = new CompletableFuture<>();
    CompletableFuture<Map<String, Credential>> running = inFlight.putIfAbsent(image, mine);
    if (running != null) {
      return running.join();
    }
    Map<String, Credential> result = Map.of();
    try {
      // A run that ended between the lookup above and putIfAbsent may have cached its answer.
      cached = cachedAnswer(image, clock.instant());
      result = cached.isPresent() ? cached.get() : run(image);
      return result;
    } finally {
      mine.complete(result);
      inFlight.remove(image, mine);
    }
  }

  private Map<String, Credential> run(String image) {
    long started = System.nanoTime();
    PluginResponse response;
    try {
      byte[] stdout =
          PluginProcess.run(binary, provider.args(), provider.env(), request(image), timeout);
      response = PluginResponse.decode(stdout, provider.apiVersion());
    } catch (PluginProcess.Failure e) {
      return failed(image, e.reason(), Objects.requireNonNullElse(e.getMessage(), e.toString()));
    } catch (PluginResponse.InvalidException e) {
      return failed(
          image,
          FailureReason.INVALID_RESPONSE,
          Objects.requireNonNullElse(e.getMessage(), e.toString()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return failed(image, FailureReason.TIMEOUT, "interrupted while waiting; killed it");
    }
    listener.onSuccess(provider.name(), Duration.ofNanos(System.nanoTime() - started));
    backoffUntil.remove(image);
    CredentialKeyring.Builder check = CredentialKeyring.builder();
    response.auth().forEach(check::add);
    for (String warning : check.warnings()) {
      listener.onWarning(provider.name(), "auth: " + warning);
    }
    cache(image, response);
    if (!response.auth().isEmpty()) {
      lastGood.put(
          image,
          new Entry(response.auth(), clock.instant().plus(CredentialProviders.LAST_GOOD_LIMIT)));
    }
    return response.auth();
  }

  private Map<String, Credential> lastGoodAnswer(String image, Instant now) {
    Entry entry = lastGood.get(image);
    return entry == null || now.isAfter(entry.expiresAt()) ? Map.of() : entry.auth();
  }

  private void cache(String image, PluginResponse response) {
    Duration duration = response.cacheDuration().orElse(provider.defaultCacheDuration());
    if (duration.isZero() || duration.isNegative()) {
      return; // 0 means "do not cache"; a negative one would be expired on arrival
    }
    String value =
        switch (response.cacheKeyType()) {
          case IMAGE -> image;
          case REGISTRY -> registryOf(image);
          case GLOBAL -> "";
        };
    cache.put(
        new CacheKey(response.cacheKeyType(), value),
        new Entry(response.auth(), clock.instant().plus(duration)));
  }

  private Map<String, Credential> failed(String image, FailureReason reason, String message) {
    if (!failureBackoff.isZero()) {
      backoffUntil.put(image, clock.instant().plus(failureBackoff));
    }
    listener.onFailure(provider.name(), reason, message);
    return lastGoodAnswer(image, clock.instant());
  }

  private void purgeIfDue() {
    Instant now = clock.instant();
    if (!now.isAfter(lastPurge.plus(CACHE_PURGE_INTERVAL))) {
      return;
    }
    lastPurge = now;
    cache.entrySet().removeIf(e -> now.isAfter(e.getValue().expiresAt()));
    backoffUntil.entrySet().removeIf(e -> !now.isBefore(e.getValue()));
    lastGood.entrySet().removeIf(e -> now.isAfter(e.getValue().expiresAt()));
  }

  private byte[] request(String image) {
    Map<String, String> request = new LinkedHashMap<>();
    request.put("kind", "CredentialProviderRequest");
    request.put("apiVersion", provider.apiVersion());
    request.put("image", image);
    try {
      return (JSON.writeValueAsString(request) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a map of strings always serializes", e);
    }
  }

  /** The kubelet's {@code parseRegistry}: everything before the first {@code /}. */
  static String registryOf(String image) {
    int slash = image.indexOf('/');
    return slash < 0 ? image : image.substring(0, slash);
  }
}
