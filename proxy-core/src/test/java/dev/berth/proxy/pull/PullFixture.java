package dev.berth.proxy.pull;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.berth.proxy.config.UpstreamConfig;
import dev.berth.proxy.image.RepositoryName;
import dev.berth.proxy.policy.PullPolicy;
import dev.berth.proxy.upstream.RoutedRepository;
import dev.berth.proxy.upstream.Upstream;
import dev.berth.proxy.upstream.UpstreamClient;
import dev.berth.proxy.upstream.UpstreamObserver;
import dev.berth.proxy.upstream.UpstreamTimeouts;
import dev.berth.storage.memory.MemoryStorage;
import dev.berth.storage.testing.MutableClock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * What the pull services stand on in a unit test: in-memory storage and a clock the test moves (no
 * sleeping for time to pass), a WireMock registry as the upstream, and a real Vert.x {@link
 * UpstreamClient} to it.
 */
final class PullFixture implements AutoCloseable {
  final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
  final MemoryStorage storage = new MemoryStorage(clock, 64 << 10);
  final WireMockServer upstream = new WireMockServer(options().dynamicPort());
  final Vertx vertx = Vertx.vertx();
  final CacheWrites writes = new CacheWrites();
  final StorageAccess access;
  final UpstreamClient client;
  final Backoff backoff = new Backoff(clock);

  PullFixture() {
    upstream.start();
    access =
        new StorageAccess(
            storage.blobs(),
            storage.manifests(),
            storage.tags(),
            storage.links(),
            storage.verdicts(),
            vertx.createSharedWorkerExecutor("test-storage", 4),
            writes);
    client =
        new UpstreamClient(
            vertx.createHttpClient(new HttpClientOptions()),
            UpstreamTimeouts.DEFAULTS,
            clock,
            UpstreamObserver.NONE);
  }

  /** A repository of the WireMock upstream, named {@code registry.test}, with {@code policy}. */
  RoutedRepository repo(String name, PullPolicy policy, Duration maxStale) {
    UpstreamConfig config =
        new UpstreamConfig(
            "registry.test",
            URI.create("http://127.0.0.1:" + upstream.port()),
            true,
            policy,
            List.of(),
            maxStale,
            Set.of(),
            UpstreamConfig.DEFAULT_CONNECT_TIMEOUT,
            UpstreamConfig.DEFAULT_READ_TIMEOUT,
            UpstreamConfig.DEFAULT_REQUEST_TIMEOUT,
            UpstreamConfig.DEFAULT_TRANSFER_TIMEOUT,
            UpstreamConfig.DEFAULT_MAX_BLOB_SIZE,
            java.util.Optional.empty());
    return new RoutedRepository(new Upstream(config), new RepositoryName(name));
  }

  RoutedRepository repo(String name) {
    return repo(name, PullPolicy.Always.INSTANCE, UpstreamConfig.DEFAULT_MAX_STALE);
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** The failure {@code future} ends with; an assertion error when it succeeds. */
  static Throwable failure(Future<?> future) throws Exception {
    try {
      Object value = await(future);
      throw new AssertionError("expected a failure, got " + value);
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }

  /**
   * Waits until {@code condition} holds: for work a finished client does not wait for (a download
   * publishes its blob after the client's last byte). Fails after ten seconds.
   */
  static void eventually(java.util.function.BooleanSupplier condition, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("never happened: " + what);
      }
      Thread.sleep(1);
    }
  }

  @Override
  public void close() throws Exception {
    access.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    upstream.stop();
    storage.close();
  }
}
