package dev.berth.proxy.pull;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether berth stores what it fetches right now. A full or read-only disk pauses cache writes:
 * hits keep serving from storage, blob misses stream from the upstream straight to the client
 * ({@link UncachedBlob}), and fetched manifests are served from memory. Any storage call that fails
 * with a full disk pauses writes ({@link StorageAccess}); the disk space monitor resumes them once
 * storage takes writes again. Thread-safe.
 */
public final class CacheWrites {
  private static final Logger log = LoggerFactory.getLogger(CacheWrites.class);

  private final AtomicReference<@Nullable String> pausedBecause = new AtomicReference<>();

  /** Bytes that may still be written before the free-space floor, as last measured. */
  private volatile long room = Long.MAX_VALUE;

  public boolean accepting() {
    return pausedBecause.get() == null;
  }

  /** Why writes are paused, or empty while they are accepted. */
  public Optional<String> pausedReason() {
    return Optional.ofNullable(pausedBecause.get());
  }

  /** Pauses writes (or updates why they are paused); logs only the change of state. */
  public void pause(String reason) {
    if (pausedBecause.getAndSet(reason) == null) {
      log.warn(
          "cache writes paused: {}; serving cached content and streaming misses uncached until"
              + " storage takes writes again",
          reason);
    }
  }

  /**
   * Bytes that may be written before the filesystem reaches {@code storage.min-free}, at the last
   * check; {@code Long.MAX_VALUE} before the first. A blob declared larger is streamed uncached,
   * and no download writes more than this (issue 13, defect 4).
   */
  public long room() {
    return room;
  }

  /** Records the room measured by the disk space monitor. */
  public void room(long bytes) {
    room = Math.max(0, bytes);
  }

  public void resume() {
    String reason = pausedBecause.getAndSet(null);
    if (reason != null) {
      log.info("cache writes resumed: storage takes writes again (they were paused: {})", reason);
    }
  }
}
