package dev.berth.storage;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Tuning of a node's local store.
 *
 * @param chunkSize bytes per stored chunk; the default 1 MiB was chosen by the JMH store benchmark
 *     (see benchmarks/RESULTS.md)
 * @param accessFlushInterval how often batched access times are written
 * @param clock time source for created and access times
 */
public record StorageOptions(int chunkSize, Duration accessFlushInterval, Clock clock) {
  public static final int DEFAULT_CHUNK_SIZE = Storage.DEFAULT_CHUNK_SIZE;
  public static final int MIN_CHUNK_SIZE = Storage.MIN_CHUNK_SIZE;
  public static final int MAX_CHUNK_SIZE = Storage.MAX_CHUNK_SIZE;

  public StorageOptions {
    Objects.requireNonNull(accessFlushInterval, "accessFlushInterval");
    Objects.requireNonNull(clock, "clock");
    if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
      throw new IllegalArgumentException(
          "chunkSize " + chunkSize + " outside [" + MIN_CHUNK_SIZE + ", " + MAX_CHUNK_SIZE + "]");
    }
  }

  @SuppressForbidden(reason = "the default; BerthServer passes its own clock with withClock")
  public static StorageOptions defaults() {
    return new StorageOptions(DEFAULT_CHUNK_SIZE, Duration.ofSeconds(30), Clock.systemUTC());
  }

  public StorageOptions withChunkSize(int size) {
    return new StorageOptions(size, accessFlushInterval, clock);
  }

  public StorageOptions withClock(Clock newClock) {
    return new StorageOptions(chunkSize, accessFlushInterval, newClock);
  }
}
