package dev.berth.proxy.server;

import dev.berth.proxy.SuppressForbidden;
import dev.berth.proxy.admin.AdminRoutes;
import dev.berth.proxy.admin.AdminToken;
import dev.berth.proxy.admin.AdminTokenException;
import dev.berth.proxy.admin.AdminTokenFile;
import dev.berth.proxy.admin.CacheOperations;
import dev.berth.proxy.admin.CacheRoutes;
import dev.berth.proxy.api.PullRoutes;
import dev.berth.proxy.api.RegistryApi;
import dev.berth.proxy.config.BerthConfig;
import dev.berth.proxy.config.HostPort;
import dev.berth.proxy.config.LimitsConfig;
import dev.berth.proxy.config.StorageLimits;
import dev.berth.proxy.config.TlsConfig;
import dev.berth.proxy.metrics.PrometheusMetrics;
import dev.berth.proxy.metrics.ProxyMetrics;
import dev.berth.proxy.pull.CacheWrites;
import dev.berth.proxy.pull.StorageAccess;
import dev.berth.proxy.retention.CacheKeeper;
import dev.berth.proxy.text.Messages;
import dev.berth.storage.Storage;
import dev.berth.storage.StorageException;
import dev.berth.storage.StorageHealth;
import dev.berth.storage.StorageOptions;
import dev.berth.storage.local.LocalStorage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

  private final StorageGate storage;
  private final StorageAccess storageAccess;
  private final PrometheusMetrics metrics;
  private final Vertx vertx;
  private final List<HttpServer> registryServers;
  private final HttpServer adminServer;
  private final AtomicBoolean closing = new AtomicBoolean();
  private final CountDownLatch closed = new CountDownLatch(1);

  private BerthServer(
      StorageGate storage,
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
  @SuppressForbidden(reason = "the composition root of a real server picks the system clock")
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
    StorageGate opened = null;
    StorageAccess access = null;
    List<HttpServer> registryServers = new ArrayList<>();
    try {
      Storage local = openStorage(config, clock);
      Storage stores;
      try {
        stores = ObjectStorageWiring.open(config, local, clock);
      } catch (RuntimeException e) {
        local.close();
        throw e;
      }
      StorageGate storage = new StorageGate(stores);
      opened = storage;
      // Percentages resolve against the filesystem the data directory is on, once, now.
      StorageLimits limits = config.storage().resolveOn(stores.path());
      log.info("storage {}: {}", stores.path(), limits.describe(config.storage()));
      ProxyMetrics.bindStorage(
          metrics.registry(), stores.blobs(), stores.manifests(), limits.maxSize());
      CacheWrites writes = new CacheWrites();
      access =
          new StorageAccess(
              stores.blobs(),
              stores.manifests(),
              stores.tags(),
              stores.links(),
              stores.verdicts(),
              vertx.createSharedWorkerExecutor("berth-storage", PullWiring.STORAGE_WORKERS),
              writes);
      ProxyMetrics proxyMetrics = new ProxyMetrics(metrics.registry());
      ServerMeters.bindEngineMeters(proxyMetrics, storage);
      PeriodicJobs.watchDiskSpace(
          vertx, limits.minFree(), stores.path(), storage, writes, proxyMetrics);
      PullRoutes pulls = PullWiring.pullRoutes(vertx, config, access, proxyMetrics, clock);
      PeriodicJobs.forgetOldVerdicts(vertx, config, access, clock);
      CacheKeeper keeper =
          CacheKeeper.create(
              config.storage(), limits, stores, pulls.upstreams(), pulls.removals(), proxyMetrics);
      PeriodicJobs.keepCacheUnderCap(vertx, limits, storage, keeper);
      ServerMeters.bindConnectionMeters(proxyMetrics, connections);
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
      config.tls().ifPresent(tls -> PeriodicJobs.watchTls(vertx, tls, registryServers));
      Router adminRouter =
          AdminRoutes.router(
              vertx,
              () -> storage.call(Storage::health, CLOSED),
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
          stores.path().toAbsolutePath().normalize(),
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

  /** Admin cache operations, each holding storage open while it runs. */
  private static CacheOperations gated(StorageGate storage, CacheKeeper keeper) {
    return new CacheOperations() {
      @Override
      public <T> T withKeeper(java.util.function.Function<CacheKeeper, T> work) {
        return storage.callOpen(s -> work.apply(keeper));
      }
    };
  }

  /** Event loops and registry listeners: one per core, the request path never blocks them. */
  private static final int EVENT_LOOPS = Runtime.getRuntime().availableProcessors();

  private static VertxOptions vertxOptions() {
    return new VertxOptions().setEventLoopPoolSize(EVENT_LOOPS);
  }

  private static Storage openStorage(BerthConfig config, Clock clock) {
    try {
      return LocalStorage.open(
          config.storage().path(),
          StorageOptions.defaults().withChunkSize(config.storage().chunkSize()).withClock(clock));
    } catch (StorageException e) {
      throw new ServerStartException(Messages.of(e), e);
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
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
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
