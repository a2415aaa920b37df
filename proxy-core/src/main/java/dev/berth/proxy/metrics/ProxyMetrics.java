package dev.berth.proxy.metrics;

import dev.berth.storage.BlobStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Every meter berth defines, named once. Names are Micrometer's dotted form with a base unit; the
 * Prometheus registry renders {@code berth.storage.bytes} (unit bytes) as {@code
 * berth_storage_bytes}, and counters get {@code _total}. Labels have bounded values only: no
 * digests or repository names.
 *
 * <p>The names stay here; the meters of storage ({@link StorageMeters}), of access decisions
 * ({@link AccessMeters}) and of upstream rate limits ({@link RateLimitGauges}) are registered by
 * their own classes.
 */
public final class ProxyMetrics implements dev.berth.proxy.upstream.UpstreamObserver {
  /** Bytes of committed blobs in storage. Prometheus: {@code berth_storage_bytes}. */
  public static final String STORAGE_BYTES = "berth.storage.bytes";

  /**
   * Bytes that blob downloads in progress have stored so far (counted against {@code
   * storage.max-size}). Prometheus: {@code berth_storage_writing_bytes}.
   */
  public static final String STORAGE_WRITING = "berth.storage.writing";

  /** Number of committed blobs in storage. Prometheus: {@code berth_storage_blobs}. */
  public static final String STORAGE_BLOBS = "berth.storage.blobs";

  /** Number of stored manifests. Prometheus: {@code berth_storage_manifests}. */
  public static final String STORAGE_MANIFESTS = "berth.storage.manifests";

  /** Bytes of stored manifests. Prometheus: {@code berth_storage_manifest_bytes}. */
  public static final String STORAGE_MANIFEST_BYTES = "berth.storage.manifest";

  /**
   * The configured {@code storage.max-size} (absent without a cap): {@code
   * berth_storage_max_bytes}.
   */
  public static final String STORAGE_MAX = "berth.storage.max";

  /**
   * Blobs and manifests removed from the cache, by kind and reason ({@code size}: LRU eviction
   * above {@code storage.max-size}; {@code purge}: an operator's purge). {@code
   * berth_evictions_total}.
   */
  public static final String EVICTIONS = "berth.evictions";

  /** Their bytes, by reason: {@code berth_evicted_bytes_total}. */
  public static final String EVICTED = "berth.evicted";

  /** Blobs eviction left because a reader had them open: {@code berth_eviction_in_use_total}. */
  public static final String EVICTION_IN_USE = "berth.eviction.in.use";

  /** Pinned image references (config and run time): {@code berth_pins}. */
  public static final String PINS = "berth.pins";

  /**
   * Requests answered, by kind ({@code manifest}, {@code blob}, {@code tag}: a tag answered from
   * its cached resolution is a hit, one resolved upstream a miss) and result. {@code
   * berth_cache_requests_total}.
   */
  public static final String CACHE_REQUESTS = "berth.cache.requests";

  /** Body bytes sent to clients, by source. {@code berth_served_bytes_total}. */
  public static final String SERVED_BYTES = "berth.served.bytes";

  /** HTTP requests on the registry API. {@code berth_http_requests_seconds}. */
  public static final String HTTP_REQUESTS = "berth.http.requests";

  /**
   * Requests that joined an upstream call already in flight. {@code
   * berth_coalesced_requests_total}.
   */
  public static final String COALESCED = "berth.coalesced.requests";

  /** Upstream blob downloads started. {@code berth_upstream_downloads_total}. */
  public static final String DOWNLOADS = "berth.upstream.downloads";

  /** Upstream blob downloads running now. {@code berth_upstream_downloads_inflight}. */
  public static final String DOWNLOADS_IN_FLIGHT = "berth.upstream.downloads.inflight";

  /**
   * HTTP exchanges with upstreams by upstream, method and status. {@code
   * berth_upstream_requests_seconds}.
   */
  public static final String UPSTREAM_REQUESTS = "berth.upstream.requests";

  /** Failed reloads of node credential files. {@code berth_credentials_reload_failures_total}. */
  public static final String CREDENTIAL_RELOAD_FAILURES = "berth.credentials.reload.failures";

  /** Registry keys in the node keyring. {@code berth_credentials_keys}. */
  public static final String CREDENTIAL_KEYS = "berth.credentials.keys";

  /**
   * Tenancy decisions by basis ({@code public}, {@code credential}, {@code anonymous}) and result.
   * {@code berth_access_decisions_total}.
   */
  public static final String ACCESS_DECISIONS = "berth.access.decisions";

  public static final String STALE_VERDICTS = "berth.access.stale.verdicts";
  public static final String CREDENTIAL_PLUGIN_RUNS = "berth.credential.plugin.runs";

  /**
   * Manifests served from a tag resolution that could not be revalidated. {@code
   * berth_stale_serves_total}.
   */
  public static final String STALE_SERVES = "berth.stale.serves";

  /** Upstreams and repositories inside a back-off window. {@code berth_upstream_backoff_closed}. */
  public static final String BACKOFF_CLOSED = "berth.upstream.backoff.closed";

  /**
   * Docker Hub pulls left in the window, per upstream. {@code berth_upstream_ratelimit_remaining}.
   */
  public static final String RATELIMIT_REMAINING = "berth.upstream.ratelimit.remaining";

  /** Docker Hub pulls allowed per window, per upstream. {@code berth_upstream_ratelimit_limit}. */
  public static final String RATELIMIT_LIMIT = "berth.upstream.ratelimit.limit";

  /** Bearer tokens fetched from token servers. {@code berth_upstream_token_fetches_total}. */
  public static final String TOKEN_FETCHES = "berth.upstream.token.fetches";

  /**
   * 1 while berth stores what it fetches, 0 while cache writes are paused (full disk; hits still
   * serve, misses stream through). {@code berth_storage_writable}.
   */
  public static final String STORAGE_WRITABLE = "berth.storage.writable";

  /**
   * Bytes available on the data directory's filesystem at the last check. {@code
   * berth_storage_free_bytes}.
   */
  public static final String STORAGE_FREE = "berth.storage.free";

  /**
   * Blob misses streamed from the upstream without caching, while cache writes were paused. {@code
   * berth_uncached_blobs_total}.
   */
  public static final String UNCACHED_BLOBS = "berth.uncached.blobs";

  /**
   * Memory live downloads hold for their clients: {@code berth_fanout_memory_bytes} (issue 14; at
   * most near {@code limits.fan-out-memory}).
   */
  public static final String FANOUT_MEMORY = "berth.fanout.memory";

  /**
   * Direct memory Netty's pooled allocator holds (the fan-out window's blocks, socket buffers):
   * {@code berth_netty_direct_memory_bytes}. With the launcher's options Netty allocates it outside
   * the JDK's count, so {@code jvm_buffer_memory_used_bytes} does not show it.
   */
  public static final String NETTY_DIRECT_MEMORY = "berth.netty.direct.memory";

  /** Clients of a live download served from its memory: {@code berth_fanout_clients_total}. */
  public static final String FANOUT_CLIENTS = "berth.fanout.clients";

  /**
   * Clients of a live download that fell a window behind and continued from storage: {@code
   * berth_fanout_fallbacks_total}.
   */
  public static final String FANOUT_FALLBACKS = "berth.fanout.fallbacks";

  /**
   * Client connections closed at once because {@code limits.max-connections} were open. {@code
   * berth_connections_rejected_total}.
   */
  public static final String CONNECTIONS_REJECTED = "berth.connections.rejected";

  /**
   * Client connections closed for sending no whole request head within {@code
   * limits.header-timeout}. {@code berth_connections_header_timeouts_total}.
   */
  public static final String CONNECTIONS_HEADER_TIMEOUTS = "berth.connections.header.timeouts";

  /**
   * Open client connections on the registry listener, from the TCP accept on. {@code
   * berth_connections_open}.
   */
  public static final String CONNECTIONS_OPEN = "berth.connections.open";

  /**
   * Requests to the admin API refused for want of the admin token, by reason ({@code missing}: no
   * bearer token; {@code invalid}: another one). {@code berth_admin_unauthorized_total}.
   */
  public static final String ADMIN_UNAUTHORIZED = "berth.admin.unauthorized";

  private final MeterRegistry registry;
  private final Counter tagHit;
  private final Counter tagMiss;
  private final Counter manifestHit;
  private final Counter manifestMiss;
  private final Counter blobHit;
  private final Counter blobMiss;
  private final Counter bytesFromCache;
  private final Counter bytesFromUpstream;
  private final Counter adminMissingToken;
  private final Counter adminInvalidToken;
  private final AccessMeters access;
  private final RateLimitGauges rateLimits;

  public ProxyMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.tagHit = cache("tag", "hit");
    this.tagMiss = cache("tag", "miss");
    this.manifestHit = cache("manifest", "hit");
    this.manifestMiss = cache("manifest", "miss");
    this.blobHit = cache("blob", "hit");
    this.blobMiss = cache("blob", "miss");
    this.bytesFromCache = served("cache");
    this.bytesFromUpstream = served("upstream");
    this.adminMissingToken = adminCounter("missing");
    this.adminInvalidToken = adminCounter("invalid");
    this.access = new AccessMeters(registry);
    this.rateLimits = new RateLimitGauges(registry);
    // Zero from the start, so dashboards and alerts see the series before the first eviction.
    removed("size", dev.berth.storage.eviction.CollectionReport.NOTHING);
    removed("purge", dev.berth.storage.eviction.CollectionReport.NOTHING);
  }

  private Counter cache(String kind, String result) {
    return Counter.builder(CACHE_REQUESTS)
        .description("Manifest and blob requests by cache result")
        .tag("kind", kind)
        .tag("result", result)
        .register(registry);
  }

  private Counter served(String source) {
    return Counter.builder(SERVED_BYTES)
        .description(
            "Body bytes sent to clients, from the cache or while downloading from upstream")
        .baseUnit("bytes")
        .tag("source", source)
        .register(registry);
  }

  private Counter adminCounter(String reason) {
    return Counter.builder(ADMIN_UNAUTHORIZED)
        .description("Admin API requests refused for want of the admin token")
        .tag("reason", reason)
        .register(registry);
  }

  /** An admin API request refused: {@code missing} or {@code invalid} token. */
  public void adminUnauthorized(String reason) {
    (reason.equals("missing") ? adminMissingToken : adminInvalidToken).increment();
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** A manifest or blob answered from cache ({@code hit}) or fetched for it ({@code miss}). */
  public void cacheRequest(String kind, boolean hit) {
    if (kind.equals("manifest")) {
      (hit ? manifestHit : manifestMiss).increment();
    } else if (kind.equals("tag")) {
      (hit ? tagHit : tagMiss).increment();
    } else {
      (hit ? blobHit : blobMiss).increment();
    }
  }

  public void servedBytes(boolean fromCache, long bytes) {
    (fromCache ? bytesFromCache : bytesFromUpstream).increment((double) bytes);
  }

  /** One registry API request: route (manifest, blob, tags, referrers, version, other). */
  public void httpRequest(String route, String method, int status, Duration duration) {
    Timer.builder(HTTP_REQUESTS)
        .description("Registry API requests")
        .tag("route", route)
        .tag("method", method)
        .tag("status", Integer.toString(status))
        .serviceLevelObjectives(LATENCY_BUCKETS)
        .register(registry)
        .record(duration);
  }

  /**
   * Histogram buckets of request latency ({@code _bucket} series, for {@code histogram_quantile}):
   * few and fixed, so the series stay bounded (routes × methods × statuses × 10), from a cached
   * manifest (sub-millisecond) to a cold layer (seconds).
   */
  private static final Duration[] LATENCY_BUCKETS = {
    Duration.ofMillis(1),
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofSeconds(5),
    Duration.ofSeconds(30),
    Duration.ofSeconds(120)
  };

  @Override
  public void exchanged(String upstream, String method, String outcome, Duration duration) {
    Timer.builder(UPSTREAM_REQUESTS)
        .description("HTTP exchanges with upstream registries")
        .tag("upstream", upstream)
        .tag("method", method)
        .tag("outcome", outcome)
        .serviceLevelObjectives(LATENCY_BUCKETS)
        .register(registry)
        .record(duration);
  }

  public void staleServed() {
    Counter.builder(STALE_SERVES)
        .description("Manifests served from a tag resolution that could not be revalidated")
        .register(registry)
        .increment();
  }

  /**
   * Access decisions and stale verdicts, as {@link dev.berth.proxy.access.AccessPolicy} reports
   * them.
   */
  public dev.berth.proxy.access.AccessPolicy.Observer accessObserver() {
    return access;
  }

  /** One credential provider plugin run: see {@link AccessMeters#credentialPluginRun}. */
  public void credentialPluginRun(String provider, String outcome) {
    access.credentialPluginRun(provider, outcome);
  }

  /** One tenancy decision: see {@link AccessMeters#decision}. */
  public void accessDecision(String basis, boolean allowed) {
    access.decision(basis, allowed);
  }

  @Override
  public void rateLimit(String upstream, long limit, long remaining) {
    rateLimits.set(upstream, limit, remaining);
  }

  /**
   * Counts what one eviction run or purge removed ({@code reason}: {@code size} or {@code purge}).
   */
  public void removed(String reason, dev.berth.storage.eviction.CollectionReport report) {
    StorageMeters.removed(registry, reason, report);
  }

  /** Counters kept by the pull services, read at scrape time. */
  public <T> void bindCounter(
      String name, String description, T source, ToDoubleFunction<T> value) {
    FunctionCounter.builder(name, source, value).description(description).register(registry);
  }

  public void bindGauge(String name, String description, Supplier<Number> value) {
    Gauge.builder(name, value).description(description).strongReference(true).register(registry);
  }

  /** A gauge in bytes: Prometheus shows it with a {@code _bytes} suffix. */
  public void bindBytesGauge(String name, String description, Supplier<Number> value) {
    Gauge.builder(name, value)
        .description(description)
        .baseUnit("bytes")
        .strongReference(true)
        .register(registry);
  }

  /**
   * Registers the storage gauges. They read the store's in-memory totals, which is safe from the
   * scraping thread, whichever it is.
   */
  public static void bindStorage(
      MeterRegistry registry,
      BlobStore blobs,
      dev.berth.storage.ManifestStore manifests,
      java.util.OptionalLong maxSize) {
    StorageMeters.bind(registry, blobs, manifests, maxSize);
  }
}
