package dev.berth.proxy.upstream;

import java.time.Duration;

/**
 * Told about every HTTP exchange with an upstream (after auth and redirects are resolved per hop),
 * for metrics. Implementations must be cheap and non-blocking: they run on event loops.
 */
@FunctionalInterface
public interface UpstreamObserver {
  /**
   * @param upstream the configured upstream name
   * @param method the HTTP method
   * @param outcome the status code as text ({@code 200}, {@code 401}, …) or {@code error} when no
   *     response came
   * @param duration until the response headers (or the failure)
   */
  void exchanged(String upstream, String method, String outcome, Duration duration);

  /**
   * Docker Hub's {@code ratelimit-limit} / {@code ratelimit-remaining} headers as last seen from
   * {@code upstream} (docs/protocol.md §6); not called when an upstream sends none.
   */
  default void rateLimit(String upstream, long limit, long remaining) {}

  UpstreamObserver NONE = (u, m, o, d) -> {};
}
