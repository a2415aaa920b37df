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
 * @param inlineUpTo blobs declared at most this large are stored as chunks inside the database;
 *     larger ones, and those of unknown size, as one file each, which a warm GET sends with {@code
 *     sendfile} (README, "Storage layout"); -1 stores every blob as a file
 */
public record StorageOptions(
    int chunkSize, Duration accessFlushInterval, Clock clock, long inlineUpTo) {
  public static final int DEFAULT_CHUNK_SIZE = Storage.DEFAULT_CHUNK_SIZE;
  public static final int MIN_CHUNK_SIZE = Storage.MIN_CHUNK_SIZE;
  public static final int MAX_CHUNK_SIZE = Storage.MAX_CHUNK_SIZE;

  /**
   * The default {@link #inlineUpTo}: an image's small layers and configs stay in the database,
   * written through its log with no flush or file per blob; large layers become files. Measured in
   * benchmarks/RESULTS.md (issue 14, fourth pass).
   */
  public static final long DEFAULT_INLINE_UP_TO = 4L << 20;

  public StorageOptions {
    Objects.requireNonNull(accessFlushInterval, "accessFlushInterval");
    Objects.requireNonNull(clock, "clock");
    if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
      throw new IllegalArgumentException(
          "chunkSize " + chunkSize + " outside [" + MIN_CHUNK_SIZE + ", " + MAX_CHUNK_SIZE + "]");
    }
    if (inlineUpTo < -1) {
      throw new IllegalArgumentException("inlineUpTo " + inlineUpTo + " below -1");
    }
  }

  public StorageOptions(int chunkSize, Duration accessFlushInterval, Clock clock) {
    this(chunkSize, accessFlushInterval, clock, DEFAULT_INLINE_UP_TO);
  }

  @SuppressForbidden(reason = "the default; BerthServer passes its own clock with withClock")
  public static StorageOptions defaults() {
    return new StorageOptions(DEFAULT_CHUNK_SIZE, Duration.ofSeconds(30), Clock.systemUTC());
  }

  public StorageOptions withChunkSize(int size) {
    return new StorageOptions(size, accessFlushInterval, clock, inlineUpTo);
  }

  public StorageOptions withClock(Clock newClock) {
    return new StorageOptions(chunkSize, accessFlushInterval, newClock, inlineUpTo);
  }

  /** Whether a blob of this declared size ({@code -1}: unknown) is stored inside the database. */
  public boolean storesInline(long declaredSize) {
    return declaredSize >= 0 && declaredSize <= inlineUpTo;
  }
}
