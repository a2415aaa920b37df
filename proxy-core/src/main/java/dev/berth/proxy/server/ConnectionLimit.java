package dev.berth.proxy.server;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Caps open client connections. A connection beyond the cap is not dropped silently: its first
 * request is answered 503 with {@code Connection: close} and a message naming the limit, so the
 * client (or containerd, which then tries its next host) knows why at once.
 */
final class ConnectionLimit {
  private final int max;
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicLong rejected = new AtomicLong();
  private final Set<HttpConnection> overLimit = ConcurrentHashMap.newKeySet();

  ConnectionLimit(int max) {
    this.max = max;
  }

  /** For {@code HttpServer.connectionHandler}. */
  void connected(HttpConnection connection) {
    int now = open.incrementAndGet();
    if (now > max) {
      overLimit.add(connection);
    }
    connection.closeHandler(
        v -> {
          open.decrementAndGet();
          overLimit.remove(connection);
        });
  }

  /** Wraps the request handler: requests on connections over the cap get the 503. */
  Handler<HttpServerRequest> guard(Handler<HttpServerRequest> next) {
    return request -> {
      if (overLimit.isEmpty() || !overLimit.contains(request.connection())) {
        next.handle(request);
        return;
      }
      rejected.incrementAndGet();
      request
          .response()
          .setStatusCode(503)
          .putHeader("Content-Type", "application/json")
          .putHeader("Connection", "close")
          .putHeader("Retry-After", "1")
          .end(
              "{\"errors\":[{\"code\":\"UNAVAILABLE\",\"message\":\"berth has its maximum of "
                  + max
                  + " client connections open (limits.max-connections); retry shortly\"}]}")
          .onComplete(v -> request.connection().close());
    };
  }

  int openCount() {
    return open.get();
  }

  long rejectedCount() {
    return rejected.get();
  }
}
