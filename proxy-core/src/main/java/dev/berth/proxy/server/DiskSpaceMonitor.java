package dev.berth.proxy.server;

import dev.berth.proxy.pull.CacheWrites;
import dev.berth.proxy.text.ByteSizes;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Decides, every few seconds, whether berth may write to its cache. Writes pause when the data
 * directory's filesystem has less than {@code storage.min-free} available (so berth never fills a
 * node's disk to the last byte), and resume once there is room again and storage takes a probe
 * write: after a real ENOSPC RocksDB refuses writes until it has recovered by itself, and the probe
 * tells when. Writes paused because a request met a full disk resume the same way.
 */
final class DiskSpaceMonitor {
  private final Path dataDir;
  private final long minFree;
  private final CacheWrites writes;
  private final LongSupplier usableSpace;
  private final Supplier<Optional<String>> writeProblem;
  private volatile long lastUsable = -1;

  /**
   * @param usableSpace bytes available to berth on the data directory's filesystem, -1 when that
   *     cannot be read (blocking)
   * @param writeProblem tries a small write; empty when it worked, else why not (blocking)
   */
  DiskSpaceMonitor(
      Path dataDir,
      long minFree,
      CacheWrites writes,
      LongSupplier usableSpace,
      Supplier<Optional<String>> writeProblem) {
    this.dataDir = dataDir;
    this.minFree = minFree;
    this.writes = writes;
    this.usableSpace = usableSpace;
    this.writeProblem = writeProblem;
  }

  /** One check. Blocking: run it on a worker thread. */
  void check() {
    long usable = usableSpace.getAsLong();
    lastUsable = usable;
    writes.room(usable < 0 ? 0 : usable - minFree);
    if (usable < 0) {
      writes.pause("cannot read the free space of the filesystem of " + dataDir);
      return;
    }
    if (usable <= minFree) { // no room at all pauses too, whatever the floor
      writes.pause(
          "only "
              + ByteSizes.format(usable)
              + " free on the filesystem of "
              + dataDir
              + ", below storage.min-free "
              + ByteSizes.format(minFree));
      return;
    }
    if (!writes.accepting()) {
      Optional<String> problem = writeProblem.get();
      if (problem.isEmpty()) {
        writes.resume();
      } else {
        writes.pause("storage refuses writes: " + problem.get());
      }
    }
  }

  /** Bytes available at the last check, -1 before the first. */
  long lastUsableBytes() {
    return lastUsable;
  }
}
