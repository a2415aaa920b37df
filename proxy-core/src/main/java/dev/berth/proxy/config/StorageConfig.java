package dev.berth.proxy.config;

import dev.berth.storage.rocksdb.StorageOptions;
import java.nio.file.Path;
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
 */
public record StorageConfig(Path path, OptionalLong maxSize, int chunkSize, long minFree) {
  /** Keeps the node's disk from filling to the last byte, which would hurt more than berth. */
  public static final long DEFAULT_MIN_FREE = 512L << 20;

  public static final int DEFAULT_CHUNK_SIZE = StorageOptions.DEFAULT_CHUNK_SIZE;
  public static final int MIN_CHUNK_SIZE = StorageOptions.MIN_CHUNK_SIZE;
  public static final int MAX_CHUNK_SIZE = StorageOptions.MAX_CHUNK_SIZE;

  public StorageConfig {
    Objects.requireNonNull(path, "path");
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
    return new StorageConfig(newPath, maxSize, chunkSize, minFree);
  }
}
