package dev.berth.proxy.admin;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.proxy.metrics.PrometheusMetrics;
import dev.berth.storage.StorageHealth;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * {@code GET /healthz} (the process answers), {@code GET /readyz} (storage can serve) and {@code
 * GET /metrics} (Prometheus), open to anyone who reaches the listener; every other path on it needs
 * the admin token ({@link AdminAuth}). Readiness asks RocksDB and the scrape walks every meter, so
 * both run on a worker thread, never on the event loop.
 */
public final class AdminRoutes {
  private final Vertx vertx;
  private final Callable<StorageHealth> storageHealth;
  private final Supplier<Optional<String>> cacheWritesPaused;
  private final Callable<String> scrape;

  /**
   * Scrapes run on a worker of their own: on Vert.x's shared pool they would queue behind admin
   * cache operations (a gc runs for minutes, and purges wait for it there) and time out.
   */
  private final WorkerExecutor scraper;

  private AdminRoutes(
      Vertx vertx,
      Callable<StorageHealth> storageHealth,
      Supplier<Optional<String>> cacheWritesPaused,
      Callable<String> scrape) {
    this.vertx = vertx;
    this.storageHealth = storageHealth;
    this.cacheWritesPaused = cacheWritesPaused;
    this.scrape = scrape;
    this.scraper = vertx.createSharedWorkerExecutor("berth-metrics", 1);
  }

  /**
   * The router to put behind the admin listener.
   *
   * @param storageHealth a blocking call (run on a worker) reporting whether storage can serve
   * @param cacheWritesPaused why berth does not cache right now (a full disk), empty while it does;
   *     berth stays ready then, since it still serves hits and streams misses through
   * @param scrape produces the Prometheus text format ({@code text/plain; version=0.0.4})
   * @param token what every path but the three above needs, as {@code Authorization: Bearer}; it
   *     guards the routes mounted on the returned router later too
   * @param refused told of each request refused for want of the token: {@code missing} or {@code
   *     invalid}
   */
  public static Router router(
      Vertx vertx,
      Callable<StorageHealth> storageHealth,
      Supplier<Optional<String>> cacheWritesPaused,
      Callable<String> scrape,
      AdminToken token,
      Consumer<String> refused) {
    AdminRoutes routes = new AdminRoutes(vertx, storageHealth, cacheWritesPaused, scrape);
    Router router = Router.router(vertx);
    router.route().handler(new AdminAuth(token, refused));
    router.get("/healthz").handler(AdminRoutes::healthz);
    router.get("/readyz").handler(routes::readyz);
    router.get("/metrics").handler(routes::metrics);
    return router;
  }

  private static void healthz(RoutingContext context) {
    context.response().putHeader("Content-Type", "text/plain; charset=utf-8").end("ok");
  }

  private void readyz(RoutingContext context) {
    vertx
        .executeBlocking(storageHealth, false)
        .recover(
            failure ->
                Future.succeededFuture(new StorageHealth(false, "health check failed: " + failure)))
        .onSuccess(
            health ->
                context
                    .response()
                    .setStatusCode(health.ready() ? 200 : 503)
                    .putHeader("Content-Type", "application/json")
                    .end(readiness(health, cacheWritesPaused.get())));
  }

  private void metrics(RoutingContext context) {
    scraper
        .executeBlocking(scrape, false)
        .onSuccess(
            text ->
                context
                    .response()
                    .putHeader("Content-Type", PrometheusMetrics.CONTENT_TYPE)
                    .end(text))
        .onFailure(context::fail);
  }

  private static String readiness(StorageHealth health, Optional<String> cacheWritesPaused) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("ready", health.ready());
    body.put("storage", health.detail());
    body.put(
        "cache_writes",
        cacheWritesPaused
            .map(reason -> "paused (hits serve, misses stream through uncached): " + reason)
            .orElse("accepting"));
    return body.toString();
  }
}
