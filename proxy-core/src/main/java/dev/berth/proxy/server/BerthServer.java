package dev.berth.proxy.server;

import dev.berth.auth.credential.DockerConfigSource;
import dev.berth.auth.provider.CredentialProviderConfigException;
import dev.berth.auth.provider.CredentialProviders;
import dev.berth.proxy.access.AccessPolicy;
import dev.berth.proxy.access.NodeClients;
import dev.berth.proxy.admin.AdminRoutes;
import dev.berth.proxy.admin.AdminToken;
import dev.berth.proxy.admin.AdminTokenException;
import dev.berth.proxy.admin.AdminTokenFile;
import dev.berth.proxy.admin.CacheOperations;
import dev.berth.proxy.admin.CacheRoutes;
import dev.berth.proxy.api.PullRoutes;
import dev.berth.proxy.api.RegistryApi;
import dev.berth.proxy.cache.CacheKeeper;
import dev.berth.proxy.config.BerthConfig;
import dev.berth.proxy.config.HostPort;
import dev.berth.proxy.config.LimitsConfig;
import dev.berth.proxy.config.StorageLimits;
import dev.berth.proxy.config.TlsConfig;
import dev.berth.proxy.metrics.PrometheusMetrics;
import dev.berth.proxy.metrics.ProxyMetrics;
import dev.berth.proxy.pull.Backoff;
import dev.berth.proxy.pull.BlobService;
import dev.berth.proxy.pull.CacheWrites;
import dev.berth.proxy.pull.FanOutMemory;
import dev.berth.proxy.pull.ManifestService;
import dev.berth.proxy.pull.StorageAccess;
import dev.berth.proxy.upstream.NodePlugins;
import dev.berth.proxy.upstream.Upstream;
import dev.berth.proxy.upstream.UpstreamClient;
import dev.berth.proxy.upstream.UpstreamCredentials;
import dev.berth.proxy.upstream.UpstreamRouter;
import dev.berth.proxy.upstream.UpstreamTimeouts;
import dev.berth.storage.StorageException;
import dev.berth.storage.StorageHealth;
import dev.berth.storage.rocksdb.EngineStats;
import dev.berth.storage.rocksdb.RocksStorage;
import dev.berth.storage.rocksdb.StorageOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running berth: storage, Vert.x, the Prometheus registry, the registry API listener and the
 * admin listener.
 *
 * <p>{@link #start} opens storage (blocking) before binding any port, so that a bad data directory
 * fails before clients can connect, and returns once both listeners are bound. {@link #close}
 * undoes it in reverse: listeners (letting requests in flight finish within a grace period),
 * Vert.x, then storage, so no request can reach a closed store. Both block: call them from a plain
 * thread (main, a shutdown hook, a test), never from an event loop.
 */
public final class BerthServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BerthServer.class);
  private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(10);
  private static final Duration STEP_TIMEOUT = Duration.ofSeconds(30);
  private static final StorageHealth CLOSED = new StorageHealth(false, "storage closed");

  private final StorageGate<RocksStorage> storage;
  private final StorageAccess storageAccess;
  private final PrometheusMetrics metrics;
  private final Vertx vertx;
  private final List<HttpServer> registryServers;
  private final HttpServer adminServer;
  private final AtomicBoolean closing = new AtomicBoolean();
  private final CountDownLatch closed = new CountDownLatch(1);

  private BerthServer(
      StorageGate<RocksStorage> storage,
      StorageAccess storageAccess,
      PrometheusMetrics metrics,
      Vertx vertx,
      List<HttpServer> registryServers,
      HttpServer adminServer) {
    this.storage = storage;
    this.storageAccess = storageAccess;
    this.metrics = metrics;
    this.vertx = vertx;
    this.registryServers = registryServers;
    this.adminServer = adminServer;
  }

  /**
   * Opens storage and binds both listeners.
   *
   * @throws ServerStartException naming the data directory or the address that failed; whatever was
   *     opened before is closed again
   */
  public static BerthServer start(BerthConfig config) {
    return start(config, Clock.systemUTC());
  }

  /**
   * Opens storage and binds both listeners, with {@code clock} as the time every part of berth
   * reads (tag staleness, back-off, verdicts, access times, token expiry): tests move it by hand
   * instead of sleeping. Timers (periodic jobs, timeouts) still run on real time.
   *
   * @throws ServerStartException as {@link #start(BerthConfig)}
   */
  public static BerthServer start(BerthConfig config, Clock clock) {
    PrometheusMetrics metrics = PrometheusMetrics.create();
    ConnectionLimit connections =
        new ConnectionLimit(config.limits().maxConnections(), config.limits().headerTimeout());
    HostPort address = config.listen();
    // One listener per event loop on the same port: Vert.x spreads connections over them, so
    // every core serves requests (one listener alone would keep them all on one event loop).
    // For port 0, Vert.x shares one random port among listeners asking for the same negative
    // port.
    int sharedPort = address.port() == 0 ? -1 : address.port();
    ListenerHookTransport transport =
        ListenerHookTransport.preferNative(
            options -> options.getPort() == sharedPort && options.getHost().equals(address.host()),
            connections);
    Vertx vertx = Vertx.builder().with(vertxOptions()).withTransport(transport).build();
    StorageGate<RocksStorage> opened = null;
    StorageAccess access = null;
    List<HttpServer> registryServers = new ArrayList<>();
    try {
      RocksStorage rocks = openStorage(config, clock);
      StorageGate<RocksStorage> storage = new StorageGate<>(rocks);
      opened = storage;
      // Percentages resolve against the filesystem the data directory is on, once, now.
      StorageLimits limits = config.storage().resolveOn(rocks.path());
      log.info("storage {}: {}", rocks.path(), limits.describe(config.storage()));
      ProxyMetrics.bindStorage(
          metrics.registry(), rocks.blobs(), rocks.manifests(), limits.maxSize());
      CacheWrites writes = new CacheWrites();
      access =
          new StorageAccess(
              rocks.blobs(),
              rocks.manifests(),
              rocks.tags(),
              rocks.links(),
              rocks.verdicts(),
              vertx.createSharedWorkerExecutor("berth-storage", STORAGE_WORKERS),
              writes);
      ProxyMetrics proxyMetrics = new ProxyMetrics(metrics.registry());
      bindEngineMeters(proxyMetrics, storage);
      watchDiskSpace(vertx, limits.minFree(), rocks.path(), storage, writes, proxyMetrics);
      PullRoutes pulls = pullRoutes(vertx, config, access, proxyMetrics, clock);
      forgetOldVerdicts(vertx, config, access, clock);
      CacheKeeper keeper =
          CacheKeeper.create(
              config.storage(), limits, rocks, pulls.upstreams(), pulls.removals(), proxyMetrics);
      keepCacheUnderCap(vertx, limits, storage, keeper);
      bindConnectionMeters(proxyMetrics, connections);
      Router registryRouter =
          RegistryApi.router(
              vertx,
              pulls,
              proxyMetrics,
              config.tenancy() == dev.berth.proxy.config.Tenancy.VERIFY);
      for (int i = 0; i < EVENT_LOOPS; i++) {
        HttpServer server =
            listen(
                vertx,
                registryOptions(config.limits(), config.tls().orElse(null)),
                connections,
                registryRouter,
                address,
                sharedPort,
                "registry API");
        registryServers.add(server);
      }
      config.tls().ifPresent(tls -> watchTls(vertx, tls, registryServers));
      Router adminRouter =
          AdminRoutes.router(
              vertx,
              () -> storage.call(RocksStorage::health, CLOSED),
              writes::pausedReason,
              metrics::scrape,
              adminToken(config),
              proxyMetrics::adminUnauthorized);
      CacheRoutes.mount(adminRouter, vertx, gated(storage, keeper), pulls.upstreams());
      HttpServer adminServer =
          listen(
              vertx,
              new HttpServerOptions(),
              null,
              adminRouter,
              config.admin(),
              config.admin().port(),
              "admin endpoints");
      BerthServer server =
          new BerthServer(storage, access, metrics, vertx, registryServers, adminServer);
      Throwable nativeUnavailable = transport.nativeUnavailableCause();
      log.info(
          "berth listening on registry {}://{}, admin http://{}, data {} ({} event loops, {})",
          config.tls().isPresent() ? "https" : "http",
          new HostPort(config.listen().host(), server.registryPort()),
          new HostPort(config.admin().host(), server.adminPort()),
          rocks.path().toAbsolutePath().normalize(),
          EVENT_LOOPS,
          nativeUnavailable == null
              ? "native " + transport.name() + " transport"
              : "NIO transport: " + nativeUnavailable);
      HashingCliff.warning().ifPresent(log::warn);
      return server;
    } catch (RuntimeException e) {
      for (HttpServer server : registryServers) {
        awaitQuietly(server.close(), "closing the registry listener");
      }
      awaitQuietly(vertx.close(), "closing Vert.x");
      if (access != null) {
        access.close();
      }
      if (opened != null) {
        opened.close();
      }
      metrics.close();
      throw e;
    }
  }

  /**
   * The admin API's token, created on the first start so that the API is closed without any
   * configuration. After storage is open: the default file lives in the data directory, which
   * exists (0700) by then.
   */
  private static AdminToken adminToken(BerthConfig config) {
    try {
      return AdminTokenFile.loadOrCreate(config.adminTokenPath(), new SecureRandom());
    } catch (AdminTokenException e) {
      throw new ServerStartException("admin-token-file: " + e.getMessage(), e);
    }
  }

  /** Checks the cap every second on a worker of its own; one run at a time. */
  private static void keepCacheUnderCap(
      Vertx vertx, StorageLimits limits, StorageGate<RocksStorage> storage, CacheKeeper keeper) {
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
  private static final long VERDICT_SWEEP_MILLIS = Duration.ofHours(1).toMillis();

  /**
   * Removes access verdicts older than the longest {@code max-stale} now and every hour: they can
   * no longer stand in for anything, and would otherwise pile up with every repository name asked.
   */
  private static void forgetOldVerdicts(
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

  /** Admin cache operations, each holding storage open while it runs. */
  private static CacheOperations gated(StorageGate<RocksStorage> storage, CacheKeeper keeper) {
    return new CacheOperations() {
      @Override
      public <T> T withKeeper(java.util.function.Function<CacheKeeper, T> work) {
        Optional<T> result = storage.call(s -> Optional.ofNullable(work.apply(keeper)), null);
        if (result == null) {
          throw new StorageException("storage is closed: berth is shutting down");
        }
        return result.orElse(null);
      }
    };
  }

  /** Event loops and registry listeners: one per core, the request path never blocks them. */
  private static final int EVENT_LOOPS = Runtime.getRuntime().availableProcessors();

  private static VertxOptions vertxOptions() {
    return new VertxOptions().setEventLoopPoolSize(EVENT_LOOPS);
  }

  /** Blocking storage calls in flight at once; each holds at most one chunk. */
  private static final int STORAGE_WORKERS = 32;

  private static PullRoutes pullRoutes(
      Vertx vertx,
      BerthConfig config,
      StorageAccess storageAccess,
      ProxyMetrics proxyMetrics,
      Clock clock) {
    var http =
        vertx.createHttpClient(
            new HttpClientOptions().setKeepAlive(true).setDecompressionSupported(false),
            new PoolOptions().setHttp1MaxSize(64));
    UpstreamClient client =
        new UpstreamClient(http, UpstreamTimeouts.DEFAULTS, clock, proxyMetrics);
    DockerConfigSource nodeCredentials = nodeCredentials(vertx, config, clock, proxyMetrics);
    UpstreamCredentials credentials =
        new UpstreamCredentials(
            nodeCredentials::current,
            credentialPlugins(config, clock, proxyMetrics),
            vertx.createSharedWorkerExecutor("berth-credential-plugins", PLUGIN_WORKERS));
    UpstreamRouter router = new UpstreamRouter(Upstream.all(config.upstreams()));
    Backoff backoff = new Backoff(clock);
    AccessPolicy access =
        new AccessPolicy(
            config.tenancy(),
            client,
            credentials,
            storageAccess,
            backoff,
            config.credentials().checkTtl(),
            clock,
            storageAccess.verdicts().subjectKey(),
            proxyMetrics.accessObserver());
    ManifestService manifests =
        new ManifestService(
            client,
            storageAccess,
            clock,
            hit -> proxyMetrics.cacheRequest("tag", hit),
            backoff,
            proxyMetrics::staleServed,
            ManifestService.NEGATIVE_TTL);
    proxyMetrics.bindGauge(
        ProxyMetrics.BACKOFF_CLOSED,
        "Upstreams and repositories inside a back-off window",
        backoff::closedCount);
    BlobService blobs =
        new BlobService(
            client,
            storageAccess,
            config.limits().maxDownloads(),
            new FanOutMemory(config.limits().fanOutMemory()),
            config.limits().fanOutWindow());
    proxyMetrics.bindBytesGauge(
        ProxyMetrics.FANOUT_MEMORY,
        "Memory live downloads hold for their clients (limits.fan-out-memory caps it)",
        () -> blobs.fanOutMemory().used());
    proxyMetrics.bindCounter(
        ProxyMetrics.FANOUT_CLIENTS,
        "Clients of a live download served from its memory",
        blobs,
        BlobService::fanOutCount);
    proxyMetrics.bindCounter(
        ProxyMetrics.FANOUT_FALLBACKS,
        "Clients of a live download that fell a window behind and continued from storage",
        blobs,
        b -> b.fanOutMemory().fallbacks());
    proxyMetrics.bindCounter(
        ProxyMetrics.UNCACHED_BLOBS,
        "Blob misses streamed from the upstream uncached while cache writes were paused",
        blobs,
        BlobService::uncachedCount);
    proxyMetrics.bindCounter(
        ProxyMetrics.COALESCED,
        "Requests that joined an upstream call already in flight",
        blobs,
        b -> b.coalescedCount() + manifests.coalescedCount());
    proxyMetrics.bindCounter(
        ProxyMetrics.DOWNLOADS,
        "Upstream blob downloads started",
        blobs,
        BlobService::downloadsStarted);
    proxyMetrics.bindGauge(
        ProxyMetrics.DOWNLOADS_IN_FLIGHT,
        "Upstream blob downloads running now",
        blobs::inFlightCount);
    proxyMetrics.bindCounter(
        ProxyMetrics.TOKEN_FETCHES,
        "Bearer tokens fetched from token servers",
        client,
        UpstreamClient::tokenFetches);
    return new PullRoutes(
        router,
        access,
        nodeClients(config),
        credentials,
        client,
        manifests,
        blobs,
        storageAccess,
        proxyMetrics);
  }

  private static NodeClients nodeClients(BerthConfig config) {
    for (var range : config.credentials().nodeAddresses()) {
      if (range.isBlock()) {
        log.warn(
            "credentials.node-addresses: {} is a block of addresses; every client in it reads what"
                + " this node's credentials read without credentials. List the node's own"
                + " addresses only",
            range);
      }
    }
    return new NodeClients(
        config.credentials().nodeIdentity(), config.credentials().nodeAddresses());
  }

  /** Credential provider plugins run at once; each may take up to its one-minute timeout. */
  private static final int PLUGIN_WORKERS = 4;

  /**
   * The kubelet credential provider plugins of {@code credentials.provider-config}, or none.
   *
   * @throws ServerStartException naming the file and key of a bad plugin config or binary
   */
  private static NodePlugins credentialPlugins(
      BerthConfig config, Clock clock, ProxyMetrics proxyMetrics) {
    Optional<java.nio.file.Path> file = config.credentials().providerConfig();
    if (file.isEmpty()) {
      return NodePlugins.NONE;
    }
    CredentialProviders providers;
    try {
      providers =
          CredentialProviders.load(
              file.get(),
              config.credentials().providerBinDir().orElseThrow(),
              clock,
              new CredentialProviders.Listener() {
                @Override
                public void onFailure(
                    String provider, CredentialProviders.FailureReason reason, String message) {
                  // The message names the plugin and what went wrong, never its output.
                  log.warn("credential provider {} gave no credentials: {}", provider, message);
                  proxyMetrics.credentialPluginRun(provider, reason.label());
                }

                @Override
                public void onSuccess(String provider, Duration took) {
                  proxyMetrics.credentialPluginRun(provider, "ok");
                }

                @Override
                public void onWarning(String provider, String message) {
                  log.warn("credential provider {}: {}", provider, message);
                }
              });
    } catch (CredentialProviderConfigException e) {
      throw new ServerStartException("credentials.provider-config: " + e.getMessage(), e);
    }
    log.info("credential provider plugins: {} (from {})", providers.providerNames(), file.get());
    return new NodePlugins() {
      @Override
      public Optional<List<dev.berth.auth.credential.Credential>> cached(String image) {
        return providers.cached(image);
      }

      @Override
      public List<dev.berth.auth.credential.Credential> provide(String image) {
        return providers.provide(image);
      }
    };
  }

  /**
   * How often the node credential files are checked for changes (mounted secrets swap atomically).
   */
  private static final long CREDENTIAL_RELOAD_MILLIS = 2_000;

  private static DockerConfigSource nodeCredentials(
      Vertx vertx, BerthConfig config, Clock clock, ProxyMetrics proxyMetrics) {
    DockerConfigSource source =
        DockerConfigSource.load(
            config.credentials().dockerConfig(),
            clock,
            new DockerConfigSource.Listener() {
              @Override
              public void onReloaded(int keys) {
                log.info("node credentials loaded: {} registry keys", keys);
              }

              @Override
              public void onReloadFailed(java.nio.file.Path file, String message) {
                // The message names the file and key, never a secret; the last good keyring stays.
                log.warn("node credentials not reloaded, keeping the previous ones: {}", message);
              }

              @Override
              public void onWarning(java.nio.file.Path file, String message) {
                log.warn("node credentials {}: {}", file, message);
              }
            });
    proxyMetrics.bindCounter(
        ProxyMetrics.CREDENTIAL_RELOAD_FAILURES,
        "Failed reloads of node credential files (the previous keyring stays in use)",
        source,
        DockerConfigSource::reloadFailures);
    proxyMetrics.bindGauge(
        ProxyMetrics.CREDENTIAL_KEYS,
        "Registry keys in the node keyring",
        () -> source.current().keys().size());
    vertx.setPeriodic(
        CREDENTIAL_RELOAD_MILLIS, id -> vertx.executeBlocking(source::reloadIfChanged, false));
    return source;
  }

  private static RocksStorage openStorage(BerthConfig config, Clock clock) {
    try {
      return RocksStorage.open(
          config.storage().path(),
          StorageOptions.defaults().withChunkSize(config.storage().chunkSize()).withClock(clock));
    } catch (StorageException e) {
      throw new ServerStartException(e.getMessage(), e);
    }
  }

  /**
   * HTTP/1.1 and HTTP/2: over TLS chosen by ALPN, in plain text by an h2c upgrade or prior
   * knowledge.
   */
  private static HttpServerOptions registryOptions(LimitsConfig limits, @Nullable TlsConfig tls) {
    HttpServerOptions options =
        new HttpServerOptions()
            .setMaxHeaderSize(limits.maxHeaderSize())
            .setMaxInitialLineLength(Math.min(limits.maxHeaderSize(), 8192))
            .setIdleTimeout((int) limits.idleTimeout().toSeconds())
            .setIdleTimeoutUnit(TimeUnit.SECONDS)
            .setHttp2ClearTextEnabled(true);
    if (tls != null) {
      options.setSsl(true).setUseAlpn(true).setKeyCertOptions(TlsReloader.keyCert(tls));
    }
    return options;
  }

  /** How often the TLS certificate files are checked for changes. */
  private static final long TLS_CHECK_MILLIS = 2_000;

  private static void watchTls(Vertx vertx, TlsConfig tls, List<HttpServer> servers) {
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

  /**
   * RocksDB's stalls, flushes and compactions (issue 14: a cold download waits on them). Read at
   * scrape time through the gate, so a scrape never touches a closed store.
   */
  private static void bindEngineMeters(ProxyMetrics metrics, StorageGate<RocksStorage> storage) {
    java.util.function.Supplier<EngineStats> stats =
        () -> storage.call(RocksStorage::engineStats, EngineStats.CLOSED);
    metrics.bindGauge(
        "berth.rocksdb.write.stopped",
        "1 while RocksDB stops writes (too many memtables or level-0 files)",
        () -> stats.get().writeStopped() ? 1 : 0);
    metrics.bindGauge(
        "berth.rocksdb.delayed.write.rate.bytes.per.second",
        "Rate RocksDB throttles writes to, 0 when writes are not delayed",
        () -> stats.get().delayedWriteRate());
    metrics.bindGauge(
        "berth.rocksdb.flushes.running",
        "Memtable flushes running",
        () -> stats.get().runningFlushes());
    metrics.bindGauge(
        "berth.rocksdb.flushes.pending",
        "Column families with a memtable flush pending",
        () -> stats.get().pendingFlushes());
    metrics.bindGauge(
        "berth.rocksdb.compactions.running",
        "Compactions running",
        () -> stats.get().runningCompactions());
    metrics.bindBytesGauge(
        "berth.rocksdb.compaction.pending",
        "Bytes compaction estimates it must rewrite",
        () -> stats.get().pendingCompactionBytes());
    metrics.bindGauge(
        "berth.rocksdb.background.errors",
        "RocksDB background errors since start (a full disk stops flushes)",
        () -> stats.get().backgroundErrors());
    metrics.bindCounter(
        "berth.rocksdb.write.stall.seconds",
        "Time RocksDB kept writes stalled or delayed since start",
        stats,
        s -> s.get().stallMicros() / 1e6);
    metrics.bindCounter(
        "berth.rocksdb.flushed.bytes",
        "Bytes RocksDB's memtable flushes wrote since start (table and blob files)",
        stats,
        s -> s.get().flushedBytes());
  }

  private static void bindConnectionMeters(ProxyMetrics metrics, ConnectionLimit connections) {
    metrics.bindGauge(
        ProxyMetrics.CONNECTIONS_OPEN,
        "Open client connections on the registry listener",
        connections::openCount);
    metrics.bindCounter(
        ProxyMetrics.CONNECTIONS_REJECTED,
        "Client connections closed at accept because limits.max-connections were open",
        connections,
        ConnectionLimit::rejectedCount);
    metrics.bindCounter(
        ProxyMetrics.CONNECTIONS_HEADER_TIMEOUTS,
        "Client connections closed for sending no whole request head within"
            + " limits.header-timeout",
        connections,
        ConnectionLimit::timedOutCount);
  }

  /** How often free space is checked and, while cache writes are paused, a probe write tried. */
  private static final long DISK_CHECK_MILLIS = 2_000;

  /**
   * Checks once now (so a nearly full disk pauses caching before the first request) and then
   * periodically on a worker thread.
   */
  private static void watchDiskSpace(
      Vertx vertx,
      long minFree,
      Path dataDir,
      StorageGate<RocksStorage> storage,
      CacheWrites writes,
      ProxyMetrics metrics) {
    DiskSpaceMonitor monitor =
        new DiskSpaceMonitor(
            dataDir,
            minFree,
            writes,
            () -> usableSpace(dataDir),
            () -> storage.call(RocksStorage::writeProblem, Optional.of("storage closed")));
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

  private static long usableSpace(Path dir) {
    try {
      return Files.getFileStore(dir).getUsableSpace();
    } catch (IOException e) {
      return -1; // the monitor pauses writes: an unreadable filesystem cannot be trusted with them
    }
  }

  private static HttpServer listen(
      Vertx vertx,
      HttpServerOptions options,
      @Nullable ConnectionLimit connections,
      Router router,
      HostPort address,
      int port,
      String what) {
    // The address goes into the options: the transport picks the registry listener by them.
    HttpServer server = vertx.createHttpServer(options.setHost(address.host()).setPort(port));
    Future<HttpServer> bound =
        server.requestHandler(connections != null ? connections.guard(router) : router).listen();
    try {
      return await(bound);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new ServerStartException(
          "cannot listen on " + address + " for the " + what + ": " + cause.getMessage(), cause);
    }
  }

  /** The bound port of the registry API (the configured one, or the one the system chose for 0). */
  public int registryPort() {
    return registryServers.get(0).actualPort();
  }

  /** The bound port of the admin endpoints. */
  public int adminPort() {
    return adminServer.actualPort();
  }

  /** Blocks until {@link #close} has finished. */
  public void awaitClosed() throws InterruptedException {
    closed.await();
  }

  /**
   * Stops accepting requests, lets those in flight finish for a grace period, then closes Vert.x,
   * storage and metrics. Idempotent; a second caller waits for the first to finish.
   */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      awaitClosedUninterruptibly();
      return;
    }
    try {
      for (HttpServer server : registryServers) {
        awaitQuietly(shutdown(server), "closing the registry listener");
      }
      awaitQuietly(shutdown(adminServer), "closing the admin listener");
      awaitQuietly(vertx.close(), "closing Vert.x");
      storageAccess.close();
      storage.close();
      metrics.close();
    } finally {
      closed.countDown();
    }
  }

  /** For tests: closes storage under a running server, as a failed disk would look. */
  void closeStorage() {
    storage.close();
  }

  private static Future<Void> shutdown(HttpServer server) {
    return server.shutdown(SHUTDOWN_GRACE.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void awaitClosedUninterruptibly() {
    boolean interrupted = false;
    while (closed.getCount() > 0) {
      try {
        closed.await();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private static <T> T await(Future<T> future) throws ExecutionException, TimeoutException {
    try {
      return future
          .toCompletionStage()
          .toCompletableFuture()
          .get(STEP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ExecutionException(e);
    }
  }

  private static void awaitQuietly(Future<?> future, String what) {
    try {
      await(future);
    } catch (ExecutionException | TimeoutException e) {
      // Shutting down goes on regardless: a stuck listener must not keep storage open.
      log.warn("{} failed: {}", what, e instanceof ExecutionException ? e.getCause() : e);
    }
  }
}
