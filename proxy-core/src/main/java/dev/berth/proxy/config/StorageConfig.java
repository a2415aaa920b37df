package dev.berth.proxy.config;

import dev.berth.storage.rocksdb.StorageOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * Where and how cached content is stored.
 *
 * @param path the RocksDB directory, created when missing
 * @param maxSize the size above which least recently used content is evicted; empty for no cap
 * @param chunkSize bytes per stored chunk, between 4 KiB and 64 MiB
 * @param minFree free space to leave on the data directory's filesystem: below it berth stops
 *     caching (hits still serve, misses stream through uncached) until space returns
 * @param lowWater what eviction brings stored bytes down to once they exceed {@code maxSize}; empty
 *     for {@link #DEFAULT_LOW_WATER_PERCENT} of it (evicting a little more than needed at once
 *     saves evicting again at every new blob)
 * @param pins image references never evicted, as written in the file (checked against the upstreams
 *     when the server starts)
 */
public record StorageConfig(
    Path path,
    OptionalLong maxSize,
    int chunkSize,
    long minFree,
    OptionalLong lowWater,
    List<String> pins) {
  /** Keeps the node's disk from filling to the last byte, which would hurt more than berth. */
  public static final long DEFAULT_MIN_FREE = 512L << 20;

  public static final int DEFAULT_CHUNK_SIZE = StorageOptions.DEFAULT_CHUNK_SIZE;
  public static final int MIN_CHUNK_SIZE = StorageOptions.MIN_CHUNK_SIZE;
  public static final int MAX_CHUNK_SIZE = StorageOptions.MAX_CHUNK_SIZE;

  public static final int DEFAULT_LOW_WATER_PERCENT = 90;

  /** No low-water mark of its own and no pins. */
  public StorageConfig(Path path, OptionalLong maxSize, int chunkSize, long minFree) {
    this(path, maxSize, chunkSize, minFree, OptionalLong.empty(), List.of());
  }

  public StorageConfig {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(lowWater, "lowWater");
    pins = List.copyOf(pins);
    if (lowWater.isPresent()
        && (maxSize.isEmpty() || lowWater.getAsLong() >= maxSize.getAsLong())) {
      throw new IllegalArgumentException("lowWater must be below maxSize, was " + lowWater);
    }
    Objects.requireNonNull(maxSize, "maxSize");
    if (maxSize.isPresent() && maxSize.getAsLong() <= 0) {
      throw new IllegalArgumentException("maxSize must be positive, was " + maxSize);
    }
    if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
      throw new IllegalArgumentException(
          "chunkSize " + chunkSize + " is outside " + MIN_CHUNK_SIZE + ".." + MAX_CHUNK_SIZE);
    }
    if (minFree < 0) {
      throw new IllegalArgumentException("minFree must not be negative, was " + minFree);
    }
  }

  public StorageConfig withPath(Path newPath) {
    return new StorageConfig(newPath, maxSize, chunkSize, minFree, lowWater, pins);
  }

  /** The stored size eviction brings the cache down to, when there is a cap. */
  public OptionalLong evictTo() {
    if (maxSize.isEmpty()) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(lowWater.orElse(maxSize.getAsLong() / 100 * DEFAULT_LOW_WATER_PERCENT));
  }
}
