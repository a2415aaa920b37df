package dev.berth.proxy.pull;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory all live downloads may hold for their in-memory readers together ({@code
 * limits.fan-out-memory}). Bytes are counted when they arrive, not refused. Over the cap every
 * window drops what only readers still want (they fall back to storage), a stalled client's window
 * included; and while the bytes no writer has stored yet are over the cap, downloads pause until
 * their writers caught up. So the total stays near the cap, at most one window's pause threshold
 * above it per download.
 */
public final class FanOutMemory {
  private final long cap;
  private final AtomicLong used = new AtomicLong();
  private final AtomicLong peak = new AtomicLong();
  private final AtomicLong fallbacks = new AtomicLong();
  private final AtomicLong unstored = new AtomicLong();
  private final Set<FanOutWindow> windows = ConcurrentHashMap.newKeySet();

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

  /** Bytes received by live downloads that their writers have not stored yet changed by delta. */
  void unstored(long delta) {
    unstored.addAndGet(delta);
  }

  /** Whether what writers still have to store alone is over the cap: downloads wait for them. */
  boolean writersOver() {
    return unstored.get() > cap;
  }

  void register(FanOutWindow window) {
    windows.add(window);
  }

  void unregister(FanOutWindow window) {
    windows.remove(window);
  }

  /**
   * Over the cap: every window drops the blocks only its readers still want. Called with no
   * window's lock held (each window takes its own).
   */
  void shed() {
    if (over()) {
      for (FanOutWindow w : windows) {
        w.shed();
      }
    }
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
