package dev.berth.proxy.upstream;

import io.vertx.core.http.HttpClientResponse;
import java.net.URI;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The typed {@link UpstreamException}s of an exchange that failed: an answer the call does not
 * accept (one status mapping for every call, with its {@code Retry-After}) and an upstream that
 * could not be reached.
 */
final class UpstreamFailures {
  private UpstreamFailures() {}

  /** The typed failure for an answer the call does not accept: one mapping for every call. */
  static UpstreamException failure(
      int status, String upstream, String action, HttpClientResponse response) {
    UpstreamException.Kind kind;
    if (status == 404) {
      kind = UpstreamException.Kind.NOT_FOUND;
    } else if (status == 401) {
      kind = UpstreamException.Kind.UNAUTHORIZED;
    } else if (status == 403) {
      kind = UpstreamException.Kind.DENIED;
    } else if (status == 429) {
      kind = UpstreamException.Kind.TOO_MANY_REQUESTS;
    } else if (status >= 500) {
      kind = UpstreamException.Kind.UNAVAILABLE;
    } else {
      kind = UpstreamException.Kind.BAD_RESPONSE;
    }
    String relayedFrom = response.getHeader(UpstreamException.RELAYED_HEADER);
    return new UpstreamException(
        kind,
        upstream,
        action
            + ": upstream "
            + upstream
            + " answered "
            + status
            + (relayedFrom != null ? " (its registry " + relayedFrom + " failed)" : ""),
        retryAfter(response.getHeader("Retry-After")),
        null,
        status < 500
            ? UpstreamException.Source.LOCAL
            : relayedFrom != null
                ? UpstreamException.Source.RELAYED
                : UpstreamException.Source.REGISTRY);
  }

  static @Nullable Duration retryAfter(@Nullable String header) {
    if (header == null) {
      return null;
    }
    try {
      long seconds = Long.parseLong(header.trim());
      return seconds >= 0 ? Duration.ofSeconds(seconds) : null;
    } catch (NumberFormatException e) {
      return null; // an HTTP date: rare for registries; ignored
    }
  }

  static UpstreamException unavailable(Exchange call, URI url, Throwable e) {
    return new UpstreamException(
        UpstreamException.Kind.UNAVAILABLE,
        call.upstream().name(),
        call.action()
            + ": cannot reach "
            + url.getHost()
            + (url.getPort() > 0 ? ":" + url.getPort() : "")
            + " ("
            + e.getClass().getSimpleName()
            + ": "
            + e.getMessage()
            + ")",
        null,
        e);
  }
}
