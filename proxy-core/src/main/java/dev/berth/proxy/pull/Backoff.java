package dev.berth.proxy.pull;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * ImagePullBackOff for upstream calls (docs/protocol.md §2.3, client-go {@code
 * flowcontrol.Backoff}): after a failure a key is closed for a window of 10 s, doubling on each
 * further failure up to 300 s; a success, or 600 s without failure, resets it. A {@code
 * Retry-After} longer than the window sets the window. Keys are an upstream, or an upstream and a
 * repository. Thread-safe; reads an injected clock.
 */
public final class Backoff {
  static final Duration INITIAL = Duration.ofSeconds(10);
  static final Duration MAX = Duration.ofMinutes(5); // the kubelet's MaxContainerBackOff, 300 s
  static final Duration EXPIRE = MAX.multipliedBy(2);

  private record Entry(Duration window, Instant lastFailure) {}

  private final Clock clock;
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();

  public Backoff(Clock clock) {
    this.clock = clock;
  }

  /** When {@code key} may be called again, or empty when it may be called now. */
  public Optional<Instant> closedUntil(String key) {
    Entry e = entries.get(key);
    if (e == null) {
      return Optional.empty();
    }
    Instant until = e.lastFailure().plus(e.window());
    return clock.instant().isBefore(until) ? Optional.of(until) : Optional.empty();
  }

  /**
   * The 503 for a call to {@code upstream} while the first of {@code keys} that is closed stays
   * closed, with a {@code Retry-After} of the time left; empty when all are open. The tag path and
   * the access check fail fast with it instead of asking an upstream that just failed.
   */
  public Optional<dev.berth.proxy.upstream.UpstreamException> refusal(
      String upstream, String... keys) {
    for (String key : keys) {
      Optional<Instant> closed = closedUntil(key);
      if (closed.isPresent()) {
        Duration wait = Duration.between(clock.instant(), closed.get());
        return Optional.of(
            new dev.berth.proxy.upstream.UpstreamException(
                dev.berth.proxy.upstream.UpstreamException.Kind.UNAVAILABLE,
                upstream,
                "upstream "
                    + upstream
                    + " failed recently; berth backs off and retries it after "
                    + closed.get()
                    + " (in "
                    + Math.max(1, wait.toSeconds())
                    + " s)",
                wait.isNegative() ? Duration.ZERO : wait.plusSeconds(1),
                null));
      }
    }
    return Optional.empty();
  }

  /** Records a failure of {@code key}; returns the new window. */
  public Duration failure(String key, Optional<Duration> retryAfter) {
    Instant now = clock.instant();
    Entry next =
        entries.compute(
            key,
            (k, e) -> {
              Duration window;
              if (e == null || Duration.between(e.lastFailure(), now).compareTo(EXPIRE) > 0) {
                window = INITIAL;
              } else {
                window = e.window().multipliedBy(2);
                if (window.compareTo(MAX) > 0) {
                  window = MAX;
                }
              }
              if (retryAfter.isPresent() && retryAfter.get().compareTo(window) > 0) {
                window = retryAfter.get();
              }
              return new Entry(window, now);
            });
    return next.window();
  }

  public void success(String key) {
    entries.remove(key);
  }

  /** Keys currently closed; for the back-off gauge. */
  public long closedCount() {
    Instant now = clock.instant();
    return entries.values().stream()
        .filter(e -> now.isBefore(e.lastFailure().plus(e.window())))
        .count();
  }
}
