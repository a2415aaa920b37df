package dev.berth.proxy.pull;

import io.vertx.core.Future;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Runs at most one operation per key at a time; callers that arrive while it runs share its result.
 * The entry is removed when the operation completes, successfully or not, so a failure is never
 * cached (the Caffeine {@code AsyncCache.get} contract, for Vert.x futures).
 */
public final class SingleFlight<K, V> {
  private final Map<K, Future<V>> inFlight = new ConcurrentHashMap<>();
  private final AtomicLong coalesced = new AtomicLong();

  public Future<V> run(K key, Supplier<Future<V>> operation) {
    boolean[] started = {false};
    Future<V> future =
        inFlight.computeIfAbsent(
            key,
            k -> {
              started[0] = true;
              return operation.get();
            });
    if (started[0]) {
      future.onComplete(ignored -> inFlight.remove(key, future));
    } else {
      coalesced.incrementAndGet();
    }
    return future;
  }

  /** Callers that joined an operation already running. */
  public long coalescedCount() {
    return coalesced.get();
  }

  public int inFlightCount() {
    return inFlight.size();
  }
}
