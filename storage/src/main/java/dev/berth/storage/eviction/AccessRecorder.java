package dev.berth.storage.eviction;

import dev.berth.storage.Digest;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * Remembers the last access time of each digest in memory so that reads never write to disk; the
 * store drains it in batches. Thread-safe; {@link #record} is a single map update.
 */
public final class AccessRecorder {
  private final Clock clock;
  private volatile ConcurrentHashMap<Digest, Long> pending = new ConcurrentHashMap<>();

  public AccessRecorder(Clock clock) {
    this.clock = clock;
  }

  /** Notes that {@code digest} was read now. */
  public void record(Digest digest) {
    pending.merge(digest, clock.millis(), Math::max);
  }

  /**
   * Takes every access recorded since the last drain. Accesses recorded concurrently with the drain
   * land in the next batch.
   */
  public Map<Digest, Long> drain() {
    ConcurrentHashMap<Digest, Long> taken = pending;
    pending = new ConcurrentHashMap<>();
    return taken;
  }

  /**
   * Drains as {@link #drain} does, handing each digest's last access time to {@code apply}: for
   * stores that keep access times in an index of their own.
   */
  public void drainInto(BiConsumer<Digest, Instant> apply) {
    drain().forEach((digest, millis) -> apply.accept(digest, Instant.ofEpochMilli(millis)));
  }

  /** Accesses waiting for the next drain. */
  public int pendingCount() {
    return pending.size();
  }
}
