package dev.berth.proxy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.proxy.upstream.UpstreamRouter;
import dev.berth.storage.StorageHealth;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A scrape answers while cache operations are stuck: one gc holds the cache for minutes, and every
 * purge or gc asked meanwhile waits for it on a worker thread (issue 13, defect 11).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ScrapeUnderCacheWorkTest {
  private static final AdminToken TOKEN = AdminToken.of("scrape-test-token-0123456789abcdef");

  /** More than Vert.x's default worker pool (20 threads), as an operator retrying a purge sends. */
  private static final int WAITING_OPERATIONS = 24;

  private final Vertx vertx = Vertx.vertx();
  private final CountDownLatch release = new CountDownLatch(1);
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @AfterEach
  void stop() {
    release.countDown();
    vertx.close().await();
  }

  @Test
  void metricsAndReadiness_answerWhileGcAndPurgesWait() throws Exception {
    AtomicInteger started = new AtomicInteger();
    CacheOperations stuck =
        new CacheOperations() {
          @Override
          public <T> T withKeeper(
              java.util.function.Function<dev.berth.proxy.retention.CacheKeeper, T> work) {
            started.incrementAndGet();
            try {
              release.await(); // a gc in progress, and the operations queued behind it
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("released");
          }
        };
    Router router =
        AdminRoutes.router(
            vertx,
            () -> new StorageHealth(true, "ok"),
            Optional::empty,
            () -> "berth_up 1\n",
            TOKEN,
            reason -> {});
    CacheRoutes.mount(router, vertx, stuck, new UpstreamRouter(List.of()));
    HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0).await();
    int port = server.actualPort();

    List<CompletableFuture<HttpResponse<String>>> gcs = new ArrayList<>();
    for (int i = 0; i < WAITING_OPERATIONS; i++) {
      gcs.add(
          http.sendAsync(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/admin/gc"))
                  .header("Authorization", TOKEN.authorizationHeader())
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (started.get() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertTrue(started.get() > 0, "a gc is running");
    Thread.sleep(300); // the rest are queued by now

    HttpResponse<String> metrics = get(port, "/metrics");
    assertEquals(200, metrics.statusCode());
    assertEquals("berth_up 1\n", metrics.body());
    assertEquals(200, get(port, "/readyz").statusCode());

    release.countDown();
    for (CompletableFuture<HttpResponse<String>> gc : gcs) {
      assertEquals(500, gc.get(20, TimeUnit.SECONDS).statusCode());
    }
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(3))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
