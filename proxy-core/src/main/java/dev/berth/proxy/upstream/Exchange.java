package dev.berth.proxy.upstream;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;

/**
 * What one {@link RegistryCall} sends, the same on every hop of its exchange (another credential, a
 * challenge answered, a redirect followed): the repository, method, headers, the action named in
 * errors, and the deadline ({@link System#nanoTime} scale) for the whole exchange.
 */
record Exchange(
    RoutedRepository target, HttpMethod method, MultiMap headers, String action, long deadline) {
  Upstream upstream() {
    return target.upstream();
  }

  /** A failure of this exchange, described as {@code "<action>: <problem>"}. */
  UpstreamException failure(UpstreamException.Kind kind, String problem) {
    return new UpstreamException(kind, upstream().name(), action() + ": " + problem);
  }
}
