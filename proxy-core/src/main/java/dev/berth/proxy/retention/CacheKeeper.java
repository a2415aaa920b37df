package dev.berth.proxy.retention;

import dev.berth.proxy.config.ConfigException;
import dev.berth.proxy.config.StorageConfig;
import dev.berth.proxy.config.StorageLimits;
import dev.berth.proxy.image.InvalidReferenceException;
import dev.berth.proxy.image.ManifestReferences;
import dev.berth.proxy.metrics.ProxyMetrics;
import dev.berth.proxy.text.ByteSizes;
import dev.berth.proxy.upstream.UnknownUpstreamException;
import dev.berth.proxy.upstream.UpstreamRouter;
import dev.berth.storage.Pin;
import dev.berth.storage.PinStore;
import dev.berth.storage.Storage;
import dev.berth.storage.eviction.CacheCollector;
import dev.berth.storage.eviction.CacheInventory;
import dev.berth.storage.eviction.CollectionReport;
import dev.berth.storage.eviction.PurgeTarget;
import dev.berth.storage.eviction.RemovalListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the cache within {@code storage.max-size}: the server calls {@link #evictIfOverCap} every
 * {@link #CHECK_EVERY} on a worker of its own, and above the cap it evicts least recently used
 * content down to the low-water mark. Serving never waits for it. Also the one place purges, pins,
 * the listing and {@code gc} go through, so that each is counted in the metrics. Blocking methods:
 * call them from a worker or the CLI, never from an event loop.
 */
public final class CacheKeeper {
  private static final Logger log = LoggerFactory.getLogger(CacheKeeper.class);

  /** How often the server compares stored bytes with the cap: two counter reads. */
  public static final Duration CHECK_EVERY = Duration.ofSeconds(1);

  private final CacheCollector collector;
  private final Storage storage;
  private final OptionalLong maxSize;
  private final OptionalLong evictTo;
  private final @Nullable ProxyMetrics metrics;

  /**
   * The number of pins, counted when pins change. The gauge reads this instead of the pin store: a
   * scrape must not read RocksDB (it would compete with a purge or gc for it, and outlive a closing
   * store).
   */
  private final AtomicInteger pinCount = new AtomicInteger();

  public CacheKeeper(
      CacheCollector collector,
      Storage storage,
      OptionalLong maxSize,
      OptionalLong evictTo,
      @Nullable ProxyMetrics metrics) {
    this.collector = collector;
    this.storage = storage;
    this.maxSize = maxSize;
    this.evictTo = evictTo;
    this.metrics = metrics;
    if (metrics != null) {
      pinCount.set(pins().size());
      metrics.bindGauge(ProxyMetrics.PINS, "Pinned image references", pinCount::get);
    }
  }

  /**
   * The keeper of one opened cache: the cap of {@code limits}, pins from the config file (each
   * checked against the upstreams) and from the store, removals reported to {@code removals}.
   *
   * @param metrics where removals are counted; null for the CLI
   * @throws ConfigException naming {@code storage.pins[i]} when a pin names no configured upstream
   */
  public static CacheKeeper create(
      StorageConfig config,
      StorageLimits limits,
      Storage rocks,
      UpstreamRouter upstreams,
      RemovalListener removals,
      @Nullable ProxyMetrics metrics) {
    List<Pin> pins = new ArrayList<>();
    List<String> references = config.pins();
    for (int i = 0; i < references.size(); i++) {
      try {
        pins.add(PinReferences.toPin(references.get(i), upstreams));
      } catch (UnknownUpstreamException | InvalidReferenceException e) {
        throw new ConfigException(
            "storage.pins[" + i + "]: " + references.get(i) + ": " + e.getMessage());
      }
    }
    CacheCollector collector =
        new CacheCollector(
            rocks.blobs(),
            rocks.manifests(),
            rocks.tags(),
            rocks.links(),
            rocks.pins(),
            pins,
            ManifestReferences::of,
            removals);
    return new CacheKeeper(collector, rocks, limits.maxSize(), limits.evictTo(), metrics);
  }

  /**
   * Evicts down to the low-water mark when stored bytes plus the chunks of downloads in progress
   * exceed the cap; empty when they do not.
   */
  public Optional<CollectionReport> evictIfOverCap() {
    if (maxSize.isEmpty()) {
      return Optional.empty();
    }
    collector.refresh();
    if (collector.cappedBytes() <= maxSize.getAsLong()) {
      return Optional.empty();
    }
    long before = collector.cappedBytes();
    CollectionReport report = collector.evictTo(evictTo.orElseThrow());
    if (metrics != null) {
      metrics.removed("size", report);
    }
    log.info(
        "evicted {} blobs and {} manifests ({}): stored and downloading {} -> {} (max-size {}){}",
        report.blobsRemoved(),
        report.manifestsRemoved(),
        ByteSizes.format(report.bytesRemoved()),
        ByteSizes.format(before),
        ByteSizes.format(collector.cappedBytes()),
        ByteSizes.format(maxSize.getAsLong()),
        report.inUse().isEmpty() ? "" : "; " + report.inUse().size() + " in use, kept");
    return Optional.of(report);
  }

  /** What {@link #gc} did. */
  public record GcSummary(
      Optional<CollectionReport> eviction,
      CollectionReport orphans,
      long diskBytesBefore,
      long diskBytesAfter,
      long storedBytes) {}

  /**
   * Eviction above the cap, removal of orphaned links, and a compaction so that freed space goes
   * back to the file system now. I/O heavy: minutes on a large cache.
   */
  public GcSummary gc() {
    long diskBefore = storage.diskBytes();
    Optional<CollectionReport> eviction = evictIfOverCap();
    CollectionReport orphans = collector.removeOrphanLinks();
    storage.compact();
    return new GcSummary(
        eviction, orphans, diskBefore, storage.diskBytes(), collector.storedBytes());
  }

  /** Removes what the target names; empty when the cache holds nothing by that name. */
  public Optional<CollectionReport> purge(PurgeTarget target) {
    Optional<CollectionReport> report = collector.purge(target);
    if (metrics != null) {
      report.ifPresent(r -> metrics.removed("purge", r));
    }
    report.ifPresent(
        r ->
            log.info(
                "purged {}: {} blobs, {} manifests, {} tags ({})",
                target,
                r.blobsRemoved(),
                r.manifestsRemoved(),
                r.tagsRemoved(),
                ByteSizes.format(r.bytesRemoved())));
    return report;
  }

  public CacheInventory inventory() {
    return collector.inventory();
  }

  public List<Pin> pins() {
    return collector.pins();
  }

  /** Pins at run time; stored with the cache, so it lasts across restarts. */
  public void pin(Pin pin) {
    storedPins().pin(pin);
    pinCount.set(pins().size());
  }

  /** Removes a run-time pin; config file pins stay until the file changes. */
  public boolean unpin(Pin pin) {
    boolean removed = storedPins().unpin(pin);
    pinCount.set(pins().size());
    return removed;
  }

  private PinStore storedPins() {
    return storage.pins();
  }
}
