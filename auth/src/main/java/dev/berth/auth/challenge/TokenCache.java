package dev.berth.auth.challenge;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bearer tokens per {@link TokenRequest} (realm, service, scopes, credential identity), kept until
 * shortly before they expire (see {@link BearerToken#refreshAt}). Concurrent requests for one key
 * share a single fetch (Caffeine's {@code AsyncCache.get} runs the loader at most once per key and
 * drops failed entries). Thread-safe.
 */
public final class TokenCache {
  private final AsyncCache<TokenRequest, BearerToken> cache;
  private final TokenEndpoint endpoint;
  private final Clock clock;
  private final AtomicLong fetches = new AtomicLong();

  /**
   * @param endpoint performs the HTTP exchange
   * @param clock wall clock for token lifetimes; the cache's own expiry reads it as its ticker
   */
  public TokenCache(TokenEndpoint endpoint, Clock clock) {
    this.endpoint = endpoint;
    this.clock = clock;
    Ticker ticker = () -> TimeUnit.MILLISECONDS.toNanos(clock.millis());
    this.cache =
        Caffeine.newBuilder()
            .maximumSize(10_000)
            .ticker(ticker)
            .expireAfter(new UntilRefresh())
            .buildAsync();
  }

  /** A valid token for {@code request}: cached, or fetched once for all concurrent callers. */
  public CompletableFuture<BearerToken> get(TokenRequest request) {
    return cache.get(
        request,
        (key, executor) -> {
          fetches.incrementAndGet();
          return endpoint.fetch(key).toCompletableFuture();
        });
  }

  /** Drops the token for {@code request}, e.g. after the upstream rejected it with a 401. */
  public void invalidate(TokenRequest request) {
    cache.synchronous().invalidate(request);
  }

  /** Token fetches started so far. */
  public long fetchCount() {
    return fetches.get();
  }

  private final class UntilRefresh implements Expiry<TokenRequest, BearerToken> {
    @Override
    public long expireAfterCreate(TokenRequest key, BearerToken token, long currentTime) {
      Instant now = clock.instant();
      Duration ttl = Duration.between(now, token.refreshAt(now));
      return ttl.isNegative() ? 0 : ttl.toNanos();
    }

    @Override
    public long expireAfterUpdate(
        TokenRequest key, BearerToken token, long currentTime, long currentDuration) {
      return expireAfterCreate(key, token, currentTime);
    }

    @Override
    public long expireAfterRead(
        TokenRequest key, BearerToken token, long currentTime, long currentDuration) {
      return currentDuration;
    }
  }
}
