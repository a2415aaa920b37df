package dev.berth.proxy.admin;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The admin listener's gate, first on its router: {@code /metrics}, {@code /healthz} and {@code
 * /readyz} are open (Prometheus and kubelet probes carry no token), every other path needs {@code
 * Authorization: Bearer <token>}. Closed by default, so a route added later is never open by
 * mistake, and a caller without the token learns nothing about which paths exist.
 *
 * <p>The path judged is Vert.x Web's normalized path, the one its routes match, so {@code
 * /metrics/../admin/cache} is judged as {@code /admin/cache}. A refusal is 401 with an RFC 6750
 * challenge; it says neither the token nor where the file is.
 */
final class AdminAuth implements Handler<RoutingContext> {
  /** The realm of the challenge, also what an operator searches the docs for. */
  static final String REALM = "berth-admin";

  private static final Set<String> OPEN = Set.of("/metrics", "/healthz", "/readyz");
  private static final String HOW =
      "the admin API needs 'Authorization: Bearer TOKEN', TOKEN being the content of berth's"
          + " admin-token-file (by default admin-token in the data directory); /metrics, /healthz"
          + " and /readyz need none";

  private final AdminToken token;
  private final Consumer<String> refusals;

  /**
   * @param refusals told of each refusal: {@code missing} (no bearer token) or {@code invalid}
   *     (another token)
   */
  AdminAuth(AdminToken token, Consumer<String> refusals) {
    this.token = token;
    this.refusals = refusals;
  }

  @Override
  public void handle(RoutingContext context) {
    if (OPEN.contains(context.normalizedPath())) {
      context.next();
      return;
    }
    String authorization = context.request().getHeader("Authorization");
    if (token.authorizes(authorization)) {
      context.next();
      return;
    }
    boolean presented = authorization != null && isBearer(authorization);
    refusals.accept(presented ? "invalid" : "missing");
    // RFC 6750 section 3: no error code when no token came, invalid_token for a wrong one.
    String challenge =
        "Bearer realm=\"" + REALM + "\"" + (presented ? ", error=\"invalid_token\"" : "");
    String error = presented ? "wrong admin token: " + HOW : HOW;
    context
        .response()
        .setStatusCode(401)
        .putHeader("WWW-Authenticate", challenge)
        .putHeader("Content-Type", "application/json")
        .end(JsonNodeFactory.instance.objectNode().put("error", error).toPrettyString() + "\n");
  }

  private static boolean isBearer(String authorization) {
    return authorization.regionMatches(true, 0, "Bearer ", 0, 7);
  }
}
