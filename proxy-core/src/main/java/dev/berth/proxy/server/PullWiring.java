package dev.berth.proxy.server;

import dev.berth.auth.credential.DockerConfigSource;
import dev.berth.auth.provider.CredentialProviderConfigException;
import dev.berth.auth.provider.CredentialProviders;
import dev.berth.proxy.access.AccessPolicy;
import dev.berth.proxy.access.NodeClients;
import dev.berth.proxy.api.PullRoutes;
import dev.berth.proxy.config.BerthConfig;
import dev.berth.proxy.metrics.ProxyMetrics;
import dev.berth.proxy.pull.Backoff;
import dev.berth.proxy.pull.BlobService;
import dev.berth.proxy.pull.FanOutMemory;
import dev.berth.proxy.pull.ManifestService;
import dev.berth.proxy.pull.StorageAccess;
import dev.berth.proxy.upstream.NodePlugins;
import dev.berth.proxy.upstream.PeerRing;
import dev.berth.proxy.upstream.Upstream;
import dev.berth.proxy.upstream.UpstreamClient;
import dev.berth.proxy.upstream.UpstreamCredentials;
import dev.berth.proxy.upstream.UpstreamRouter;
import dev.berth.proxy.upstream.UpstreamTimeouts;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pull side of the object graph: the upstream client, node credentials and plugins, the access
 * policy and the pull services behind the registry routes.
 */
final class PullWiring {
  private static final Logger log = LoggerFactory.getLogger(PullWiring.class);

  private PullWiring() {}

  /** Blocking storage calls in flight at once; each holds at most one chunk. */
  static final int STORAGE_WORKERS = 32;

  static PullRoutes pullRoutes(
      Vertx vertx,
      BerthConfig config,
      StorageAccess storageAccess,
      ProxyMetrics proxyMetrics,
      Clock clock) {
    var http =
        vertx.createHttpClient(
            new HttpClientOptions().setKeepAlive(true).setDecompressionSupported(false),
            new PoolOptions().setHttp1MaxSize(64));
    PeerRing peers = peerRing(config);
    PeriodicJobs.refreshPeers(vertx, peers);
    UpstreamClient client =
        new UpstreamClient(
            http, UpstreamTimeouts.DEFAULTS, clock, proxyMetrics, System::nanoTime, null, peers);
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
        proxyMetrics,
        peers);
  }

  /**
   * The cluster tier's replicas from {@code cluster.peers}, or none.
   *
   * @throws ServerStartException naming {@code cluster.peer-token-file} when it cannot be read
   */
  static PeerRing peerRing(BerthConfig config) {
    var cluster = config.cluster();
    if (cluster.peers().isEmpty()) {
      return PeerRing.NONE;
    }
    java.nio.file.Path file = cluster.peerTokenFile().orElseThrow();
    String token;
    try {
      token = java.nio.file.Files.readString(file).strip();
    } catch (java.io.IOException e) {
      throw new ServerStartException(
          "cluster.peer-token-file: cannot read " + file + ": " + e.getMessage(), e);
    }
    if (token.length() < 16) {
      throw new ServerStartException(
          "cluster.peer-token-file: "
              + file
              + " holds "
              + (token.isEmpty() ? "nothing" : "fewer than 16 characters")
              + "; put the tier's shared secret there (e.g. openssl rand -hex 32)");
    }
    return new PeerRing(
        cluster.peers(),
        config.listen().port(),
        token.getBytes(java.nio.charset.StandardCharsets.UTF_8),
        config.tls().isPresent());
  }

  static NodeClients nodeClients(BerthConfig config) {
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
  static final int PLUGIN_WORKERS = 4;

  /**
   * The kubelet credential provider plugins of {@code credentials.provider-config}, or none.
   *
   * @throws ServerStartException naming the file and key of a bad plugin config or binary
   */
  static NodePlugins credentialPlugins(BerthConfig config, Clock clock, ProxyMetrics proxyMetrics) {
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
  static final long CREDENTIAL_RELOAD_MILLIS = 2_000;

  static DockerConfigSource nodeCredentials(
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
}
