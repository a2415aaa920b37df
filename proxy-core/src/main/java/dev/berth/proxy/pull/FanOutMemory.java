package dev.berth.proxy.pull;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory all live downloads may hold for their in-memory readers together ({@code
 * limits.fan-out-memory}). Bytes are counted when they arrive, not refused: a download over the cap
 * pauses its upstream until its writer caught up, and every window drops what only readers still
 * wanted (they fall back to storage). So the total stays near the cap, at most one window's pause
 * threshold above it per download.
 */
public final class FanOutMemory {
  private final long cap;
  private final AtomicLong used = new AtomicLong();
  private final AtomicLong peak = new AtomicLong();
  private final AtomicLong fallbacks = new AtomicLong();

  public FanOutMemory(long cap) {
    if (cap <= 0) {
      throw new IllegalArgumentException("fan-out memory cap must be positive: " + cap);
    }
    this.cap = cap;
  }

  void add(long bytes) {
    long now = used.addAndGet(bytes);
    peak.accumulateAndGet(now, Math::max);
  }

  void release(long bytes) {
    used.addAndGet(-bytes);
  }

  boolean over() {
    return used.get() > cap;
  }

  public long cap() {
    return cap;
  }

  void fellBack() {
    fallbacks.incrementAndGet();
  }

  /** Readers that fell a window behind and continued from storage. */
  public long fallbacks() {
    return fallbacks.get();
  }

  /** Bytes held by live downloads' windows now. */
  public long used() {
    return used.get();
  }

  /** The most ever held at once since start (the memory-cap tests read it). */
  public long peak() {
    return peak.get();
  }
}
