package dev.berth.proxy.api;

import dev.berth.proxy.metrics.ProxyMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The route table of the registry API: the version check {@code /v2/}, then every {@code
 * /v2/<name>/...} pull endpoint through {@link PullRoutes}. Anything else gets a 404 {@code
 * UNSUPPORTED} OCI error, which clients report cleanly, rather than vertx-web's plain-text 404.
 */
public final class RegistryApi {
  static final String API_VERSION_HEADER = "Docker-Distribution-API-Version";
  static final String API_VERSION = "registry/2.0";
  private static final String VERSION_BODY = "{}";
  private static final Logger log = LoggerFactory.getLogger(RegistryApi.class);

  private RegistryApi() {}

  /** The router to put behind the registry listener. */
  /**
   * @param challengeAnonymous {@code tenancy: verify}: the version check challenges clients that
   *     sent no credentials, as an authenticating registry does, because clients such as skopeo and
   *     podman learn from this probe alone whether to send credentials at all (anonymous clients
   *     carry on without)
   */
  public static Router router(
      Vertx vertx, PullRoutes pulls, ProxyMetrics metrics, boolean challengeAnonymous) {
    Router router = Router.router(vertx);
    router.route().handler(context -> measure(context, metrics));
    router.route().handler(RegistryApi::decodableQuery);
    for (String path : new String[] {"/v2/", "/v2"}) {
      router
          .route(path)
          .method(HttpMethod.GET)
          .method(HttpMethod.HEAD)
          .handler(context -> version(context, challengeAnonymous));
    }
    router
        .route()
        .handler(
            context -> {
              if (!pulls.handle(context)) {
                OciError.unsupported(404).send(context.response());
              }
            });
    router.errorHandler(500, RegistryApi::internalError);
    return router;
  }

  /**
   * Refuses a query string that is not valid percent-encoding ({@code ?ns=%zz}, {@code ?%%%}) with
   * a 400 before any route reads a parameter: Vert.x decodes parameters lazily and would throw from
   * deep inside a route (issue 13, defect 8).
   */
  private static void decodableQuery(RoutingContext context) {
    try {
      context.request().params();
    } catch (IllegalArgumentException e) {
      new OciError(
              "UNSUPPORTED",
              "the query string is not valid percent-encoding ("
                  + java.util.Objects.requireNonNullElse(e.getMessage(), "malformed")
                  + ")",
              400)
          .send(context.response());
      return;
    }
    context.next();
  }

  /**
   * Records every request's route, method, status and duration when its response ends, in the
   * metrics and the access log.
   */
  private static void measure(RoutingContext context, ProxyMetrics metrics) {
    long started = System.nanoTime();
    context.addEndHandler(
        ignored -> {
          long nanos = System.nanoTime() - started;
          String route = routeLabel(context);
          metrics.httpRequest(
              route,
              context.request().method().name(),
              context.response().getStatusCode(),
              java.time.Duration.ofNanos(nanos));
          if (AccessLog.enabled()) {
            AccessLog.record(context, route, nanos);
          }
        });
    context.next();
  }

  /**
   * A bounded label for the request: never a repository name or digest. {@link PullRoutes} records
   * the route it parsed, so the path is parsed once per request.
   */
  private static String routeLabel(RoutingContext context) {
    String path = context.request().path();
    if (path.equals("/v2/") || path.equals("/v2")) {
      return "version";
    }
    String route = context.get(PullRoutes.ROUTE_LABEL);
    return route != null ? route : "other";
  }

  /** {@code GET /v2/}: "this is a registry speaking API v2", which clients probe first. */
  private static void version(RoutingContext context, boolean challengeAnonymous) {
    if (challengeAnonymous
        && context.request().getHeader("Authorization") == null
        && !isDockerDaemon(context.request().getHeader("User-Agent"))) {
      context.response().putHeader("WWW-Authenticate", ErrorResponder.CHALLENGE);
      new OciError(
              "UNAUTHORIZED",
              "tenancy is verify: send your registry credentials (anonymous pulls of public images"
                  + " work without)",
              401)
          .send(context.response());
      return;
    }
    var response =
        context
            .response()
            .putHeader(API_VERSION_HEADER, API_VERSION)
            .putHeader("Content-Type", "application/json");
    if (HttpMethod.HEAD.equals(context.request().method())) {
      response.putHeader("Content-Length", String.valueOf(VERSION_BODY.length())).end();
    } else {
      response.end(VERSION_BODY);
    }
  }

  /**
   * The Docker daemon uses a mirror only for Docker Hub and, unlike skopeo or containerd, fails a
   * mirror that challenges with Basic when it has no credentials for it, falling back to Docker Hub
   * for every pull. It never sends pull secrets to a mirror anyway, so it is not challenged.
   */
  static boolean isDockerDaemon(@org.jspecify.annotations.Nullable String userAgent) {
    return userAgent != null && userAgent.startsWith("docker/");
  }

  private static void internalError(RoutingContext context) {
    log.error(
        "{} {} failed", context.request().method(), context.request().path(), context.failure());
    if (!context.response().headWritten()) {
      OciError.internal().send(context.response());
    }
  }
}
