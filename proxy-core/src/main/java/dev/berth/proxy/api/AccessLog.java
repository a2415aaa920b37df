package dev.berth.proxy.api;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.proxy.SuppressForbidden;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One JSON line per registry request on the {@code berth.access} logger: time, client, method,
 * route, upstream, repository, reference, status, bytes, duration, cache outcome. Never a header
 * value, query string or credential: the repository and reference come from the parsed path, the
 * upstream from the routing decision.
 */
final class AccessLog {
  static final String REPOSITORY = "berth.repository";
  static final String REFERENCE = "berth.reference";

  private static final Logger log = LoggerFactory.getLogger("berth.access");

  private AccessLog() {}

  static boolean enabled() {
    return log.isInfoEnabled();
  }

  @SuppressForbidden(reason = "a log line carries the wall-clock time it was written")
  static void record(RoutingContext context, String route, long durationNanos) {
    HttpServerResponse response = context.response();
    ObjectNode line = JsonNodeFactory.instance.objectNode();
    line.put("time", Instant.now().toString());
    SocketAddress client = context.request().remoteAddress();
    line.put("client", client != null ? client.hostAddress() : null);
    line.put("method", context.request().method().name());
    line.put("route", route);
    line.put("upstream", response.headers().get("OCI-Namespace"));
    line.put("repository", context.<String>get(REPOSITORY));
    line.put("reference", context.<String>get(REFERENCE));
    line.put("status", response.getStatusCode());
    line.put("bytes", response.bytesWritten());
    line.put("duration_ms", Math.round(durationNanos / 1e4) / 100.0);
    line.put("cache", response.headers().get(CacheHeader.NAME));
    log.info(line.toString());
  }
}
