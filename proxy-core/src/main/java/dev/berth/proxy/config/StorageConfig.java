package dev.berth.proxy.config;

import dev.berth.proxy.text.ByteSizes;
import dev.berth.storage.Storage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Where and how cached content is stored. Sizes may be percentages of the data directory's
 * filesystem; {@link #resolve} turns them into bytes when berth starts.
 *
 * @param path the RocksDB directory, created when missing
 * @param maxSize the size above which least recently used content is evicted (stored blobs and
 *     manifests plus downloads in progress); empty for no cap ({@code max-size: none})
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
    Optional<DiskSize> maxSize,
    int chunkSize,
    DiskSize minFree,
    Optional<DiskSize> lowWater,
    List<String> pins) {
  /**
   * A quarter of the filesystem. On a node the data directory usually shares its disk with the
   * kubelet (logs, emptyDir volumes) and with containerd, whose content store keeps a second copy
   * of every layer it pulls through berth and whose snapshots unpack them to about twice that; and
   * RocksDB's files take somewhat more than the bytes they store until compaction catches up. Half
   * the disk for berth would leave too little for the copies of the same images.
   */
  public static final DiskSize DEFAULT_MAX_SIZE = DiskSize.percent(25);

  /**
   * A fifth of the filesystem. The kubelet evicts pods below 10% available on the node filesystem
   * and below 15% on the image filesystem (its default {@code evictionHard}), and on a single-disk
   * node both are the disk berth writes to; its image garbage collection starts at 85% used. berth
   * stops caching before any of them.
   */
  public static final DiskSize DEFAULT_MIN_FREE = DiskSize.percent(20);

  public static final int DEFAULT_CHUNK_SIZE = Storage.DEFAULT_CHUNK_SIZE;
  public static final int MIN_CHUNK_SIZE = Storage.MIN_CHUNK_SIZE;
  public static final int MAX_CHUNK_SIZE = Storage.MAX_CHUNK_SIZE;

  public static final int DEFAULT_LOW_WATER_PERCENT = 90;

  /** The defaults for everything but the path and the chunk size. */
  public StorageConfig(Path path, int chunkSize) {
    this(
        path,
        Optional.of(DEFAULT_MAX_SIZE),
        chunkSize,
        DEFAULT_MIN_FREE,
        Optional.empty(),
        List.of());
  }

  public StorageConfig {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(maxSize, "maxSize");
    Objects.requireNonNull(minFree, "minFree");
    Objects.requireNonNull(lowWater, "lowWater");
    pins = List.copyOf(pins);
    if (lowWater.isPresent() && maxSize.isEmpty()) {
      throw new IllegalArgumentException("lowWater needs a maxSize, was " + lowWater);
    }
    if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
      throw new IllegalArgumentException(
          "chunkSize " + chunkSize + " is outside " + MIN_CHUNK_SIZE + ".." + MAX_CHUNK_SIZE);
    }
  }

  public StorageConfig withPath(Path newPath) {
    return new StorageConfig(newPath, maxSize, chunkSize, minFree, lowWater, pins);
  }

  public StorageConfig withMaxSize(Optional<DiskSize> newMaxSize) {
    return new StorageConfig(path, newMaxSize, chunkSize, minFree, Optional.empty(), pins);
  }

  /**
   * The byte values on a filesystem of {@code filesystemBytes} in total.
   *
   * @throws ConfigException naming the key when a value resolves to nothing usable: a cap of zero
   *     bytes, or a low-water mark not below the cap
   */
  public StorageLimits resolve(long filesystemBytes) {
    OptionalLong max = OptionalLong.empty();
    OptionalLong evictTo = OptionalLong.empty();
    if (maxSize.isPresent()) {
      long cap = maxSize.get().resolve(filesystemBytes);
      if (cap <= 0) {
        throw new ConfigException(
            "storage.max-size "
                + maxSize.get()
                + " is 0 bytes of a "
                + ByteSizes.format(filesystemBytes)
                + " filesystem; give a size such as 20GiB, or none for no cap");
      }
      long low = cap / 100 * DEFAULT_LOW_WATER_PERCENT;
      if (lowWater.isPresent()) {
        low = lowWater.get().resolve(filesystemBytes);
        if (low <= 0 || low >= cap) {
          throw new ConfigException(
              "storage.low-water "
                  + described(lowWater.get(), low)
                  + " must be above zero and below storage.max-size "
                  + described(maxSize.get(), cap)
                  + " (on a "
                  + ByteSizes.format(filesystemBytes)
                  + " filesystem)");
        }
      }
      max = OptionalLong.of(cap);
      evictTo = OptionalLong.of(low);
    }
    return new StorageLimits(filesystemBytes, max, evictTo, minFree.resolve(filesystemBytes));
  }

  /**
   * {@link #resolve} against the filesystem holding {@code dataDir} (which must exist). Blocking.
   *
   * @throws ConfigException when the filesystem's size cannot be read
   */
  public StorageLimits resolveOn(Path dataDir) {
    long total;
    try {
      total = Files.getFileStore(dataDir).getTotalSpace();
    } catch (IOException e) {
      throw new ConfigException(
          "storage: cannot read the size of the filesystem of " + dataDir + ": " + e, e);
    }
    return resolve(total);
  }

  private static String described(DiskSize size, long bytes) {
    return size.isPercent() ? size + " (" + ByteSizes.format(bytes) + ")" : size.toString();
  }
}
