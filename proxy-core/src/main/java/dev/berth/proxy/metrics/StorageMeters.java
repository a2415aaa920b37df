package dev.berth.proxy.metrics;

import static dev.berth.proxy.metrics.ProxyMetrics.EVICTED;
import static dev.berth.proxy.metrics.ProxyMetrics.EVICTIONS;
import static dev.berth.proxy.metrics.ProxyMetrics.EVICTION_IN_USE;
import static dev.berth.proxy.metrics.ProxyMetrics.STORAGE_BLOBS;
import static dev.berth.proxy.metrics.ProxyMetrics.STORAGE_BYTES;
import static dev.berth.proxy.metrics.ProxyMetrics.STORAGE_MANIFESTS;
import static dev.berth.proxy.metrics.ProxyMetrics.STORAGE_MANIFEST_BYTES;
import static dev.berth.proxy.metrics.ProxyMetrics.STORAGE_MAX;
import static dev.berth.proxy.metrics.ProxyMetrics.STORAGE_WRITING;

import dev.berth.storage.BlobStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The meters of storage: gauges of what it holds (blobs, manifests, bytes being written, the size
 * cap), read from the stores' in-memory totals at scrape time, and counters of what eviction and
 * purges removed from it.
 */
final class StorageMeters {
  private StorageMeters() {}

  static void bind(
      MeterRegistry registry,
      BlobStore blobs,
      dev.berth.storage.ManifestStore manifests,
      java.util.OptionalLong maxSize) {
    Gauge.builder(STORAGE_MANIFESTS, manifests, dev.berth.storage.ManifestStore::count)
        .description("Number of stored manifests")
        .strongReference(true)
        .register(registry);
    Gauge.builder(STORAGE_MANIFEST_BYTES, manifests, dev.berth.storage.ManifestStore::totalBytes)
        .description("Bytes of stored manifests")
        .baseUnit("bytes")
        .strongReference(true)
        .register(registry);
    if (maxSize.isPresent()) {
      long max = maxSize.getAsLong();
      Gauge.builder(STORAGE_MAX, () -> max)
          .description("storage.max-size: stored bytes above it are evicted, least recent first")
          .baseUnit("bytes")
          .strongReference(true)
          .register(registry);
    }
    bindBlobStorage(registry, blobs);
  }

  private static void bindBlobStorage(MeterRegistry registry, BlobStore blobs) {
    Gauge.builder(STORAGE_BYTES, blobs, BlobStore::totalBytes)
        .description("Bytes of committed blobs in storage")
        .baseUnit("bytes")
        .strongReference(true)
        .register(registry);
    Gauge.builder(STORAGE_WRITING, blobs, BlobStore::writingBytes)
        .description("Bytes stored by blob downloads not yet committed (counted against max-size)")
        .baseUnit("bytes")
        .strongReference(true)
        .register(registry);
    Gauge.builder(STORAGE_BLOBS, blobs, BlobStore::count)
        .description("Number of committed blobs in storage")
        .baseUnit("blobs")
        .strongReference(true)
        .register(registry);
  }

  static void removed(
      MeterRegistry registry, String reason, dev.berth.storage.eviction.CollectionReport report) {
    removal(registry, "blob", reason).increment((double) report.blobsRemoved());
    removal(registry, "manifest", reason).increment((double) report.manifestsRemoved());
    Counter.builder(EVICTED)
        .description("Bytes of blobs and manifests removed from the cache")
        .baseUnit("bytes")
        .tag("reason", reason)
        .register(registry)
        .increment((double) report.bytesRemoved());
    Counter.builder(EVICTION_IN_USE)
        .description("Blobs left in the cache by eviction or purge because a reader had them open")
        .register(registry)
        .increment(report.inUse().size());
  }

  private static Counter removal(MeterRegistry registry, String kind, String reason) {
    return Counter.builder(EVICTIONS)
        .description("Blobs and manifests removed from the cache, by kind and reason")
        .tag("kind", kind)
        .tag("reason", reason)
        .register(registry);
  }
}
