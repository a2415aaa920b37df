package dev.berth.proxy.server;

import dev.berth.proxy.config.BerthConfig;
import dev.berth.proxy.config.StorageLimits;
import dev.berth.proxy.config.TlsConfig;
import dev.berth.proxy.metrics.ProxyMetrics;
import dev.berth.proxy.pull.CacheWrites;
import dev.berth.proxy.pull.StorageAccess;
import dev.berth.proxy.retention.CacheKeeper;
import dev.berth.storage.Storage;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every periodic job of a running berth in one place: the cache cap, old access verdicts, free disk
 * space, TLS certificate changes. Each runs off the event loop, one run at a time.
 */
final class PeriodicJobs {
  private static final Logger log = LoggerFactory.getLogger(PeriodicJobs.class);

  private PeriodicJobs() {}

  /** Checks the cap every second on a worker of its own; one run at a time. */
  static void keepCacheUnderCap(
      Vertx vertx, StorageLimits limits, StorageGate storage, CacheKeeper keeper) {
    if (limits.maxSize().isEmpty()) {
      return;
    }
    WorkerExecutor evictor = vertx.createSharedWorkerExecutor("berth-eviction", 1);
    AtomicBoolean running = new AtomicBoolean();
    vertx.setPeriodic(
        CacheKeeper.CHECK_EVERY.toMillis(),
        id -> {
          if (!running.compareAndSet(false, true)) {
            return; // the last run is still going
          }
          evictor
              .executeBlocking(
                  () -> storage.call(s -> keeper.evictIfOverCap(), Optional.empty()), false)
              .onComplete(
                  ar -> {
                    running.set(false);
                    if (ar.failed()) {
                      // A full disk or a closing store: the next round tries again.
                      log.warn("eviction failed: {}", ar.cause().toString());
                    }
                  });
        });
  }

  /** How often access verdicts past every upstream's max-stale are removed. */
  static final long VERDICT_SWEEP_MILLIS = Duration.ofHours(1).toMillis();

  /**
   * Removes access verdicts older than the longest {@code max-stale} now and every hour: they can
   * no longer stand in for anything, and would otherwise pile up with every repository name asked.
   */
  static void forgetOldVerdicts(
      Vertx vertx, BerthConfig config, StorageAccess storage, Clock clock) {
    Duration longest =
        config.upstreams().stream()
            .map(dev.berth.proxy.config.UpstreamConfig::maxStale)
            .max(Duration::compareTo)
            .orElse(Duration.ZERO);
    Runnable sweep =
        () ->
            storage
                .run(() -> storage.verdicts().deleteCheckedBefore(clock.instant().minus(longest)))
                .onSuccess(n -> log.debug("removed {} access verdicts past max-stale", n))
                .onFailure(e -> log.warn("removing old access verdicts failed: {}", e.toString()));
    sweep.run();
    vertx.setPeriodic(VERDICT_SWEEP_MILLIS, id -> sweep.run());
  }

  /** How often the cluster tier's peers are resolved again (a replica joins, leaves, restarts). */
  static final long PEER_REFRESH_MILLIS = 10_000;

  /** Resolves the peers now (blocking: at start) and every {@link #PEER_REFRESH_MILLIS} after. */
  static void refreshPeers(Vertx vertx, dev.berth.proxy.upstream.PeerRing peers) {
    if (!peers.enabled()) {
      return;
    }
    peers.refresh();
    vertx.setPeriodic(
        PEER_REFRESH_MILLIS,
        id ->
            vertx
                .executeBlocking(
                    () -> {
                      peers.refresh();
                      return null;
                    },
                    false)
                .onFailure(e -> log.warn("resolving cluster.peers failed: {}", e.toString())));
  }

  /** How often the TLS certificate files are checked for changes. */
  static final long TLS_CHECK_MILLIS = 2_000;

  static void watchTls(Vertx vertx, TlsConfig tls, List<HttpServer> servers) {
    TlsReloader reloader = new TlsReloader(tls, servers);
    vertx.setPeriodic(
        TLS_CHECK_MILLIS,
        id ->
            vertx.executeBlocking(
                () -> {
                  reloader.reloadIfChanged();
                  return null;
                },
                false));
  }

  /** How often free space is checked and, while cache writes are paused, a probe write tried. */
  static final long DISK_CHECK_MILLIS = 2_000;

  /**
   * Checks once now (so a nearly full disk pauses caching before the first request) and then
   * periodically on a worker thread.
   */
  static void watchDiskSpace(
      Vertx vertx,
      long minFree,
      Path dataDir,
      StorageGate storage,
      CacheWrites writes,
      ProxyMetrics metrics) {
    DiskSpaceMonitor monitor =
        new DiskSpaceMonitor(
            dataDir,
            minFree,
            writes,
            () -> usableSpace(dataDir),
            () -> storage.call(Storage::writeProblem, Optional.of("storage closed")));
    monitor.check();
    metrics.bindGauge(
        ProxyMetrics.STORAGE_WRITABLE,
        "1 while berth caches what it fetches, 0 while cache writes are paused (full disk)",
        () -> writes.accepting() ? 1 : 0);
    metrics.bindBytesGauge(
        ProxyMetrics.STORAGE_FREE,
        "Bytes available on the data directory's filesystem",
        monitor::lastUsableBytes);
    vertx.setPeriodic(
        DISK_CHECK_MILLIS,
        id ->
            vertx.executeBlocking(
                () -> {
                  monitor.check();
                  return null;
                },
                false));
  }

  static long usableSpace(Path dir) {
    try {
      return Files.getFileStore(dir).getUsableSpace();
    } catch (IOException e) {
      return -1; // the monitor pauses writes: an unreadable filesystem cannot be trusted with them
    }
  }
}
