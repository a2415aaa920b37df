package dev.berth.proxy.config;

import dev.berth.proxy.text.ByteSizes;
import java.util.OptionalLong;

/**
 * The byte values of {@code storage.max-size}, {@code low-water} and {@code min-free}, resolved
 * against the data directory's filesystem when berth starts (see {@link StorageConfig#resolve}).
 *
 * @param filesystemBytes the total size of the data directory's filesystem
 * @param maxSize stored bytes (plus downloads in progress) above which content is evicted; empty
 *     for no cap
 * @param evictTo what eviction brings them down to; present exactly when {@code maxSize} is
 * @param minFree free space below which cache writes pause
 */
public record StorageLimits(
    long filesystemBytes, OptionalLong maxSize, OptionalLong evictTo, long minFree) {

  /** For the start-up log: {@code max-size 25% = 63.0 GiB (evicts down to 56.7 GiB), ...}. */
  public String describe(StorageConfig config) {
    String max =
        maxSize.isEmpty()
            ? "max-size none (no cap)"
            : "max-size "
                + shown(config.maxSize().orElseThrow(), maxSize.getAsLong())
                + " (evicts down to "
                + ByteSizes.format(evictTo.orElseThrow())
                + ")";
    return max
        + ", min-free "
        + shown(config.minFree(), minFree)
        + ", of a "
        + ByteSizes.format(filesystemBytes)
        + " filesystem";
  }

  private static String shown(DiskSize size, long bytes) {
    return size.isPercent() ? size + " = " + ByteSizes.format(bytes) : ByteSizes.format(bytes);
  }
}
