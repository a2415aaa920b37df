package dev.berth.proxy.api;

import dev.berth.proxy.image.InvalidReferenceException;
import dev.berth.proxy.pull.DownloadLimitException;
import dev.berth.proxy.pull.NotCachedException;
import dev.berth.proxy.text.Messages;
import dev.berth.proxy.upstream.UnknownUpstreamException;
import dev.berth.proxy.upstream.UpstreamException;
import dev.berth.storage.DigestMismatchException;
import dev.berth.storage.DiskFullException;
import dev.berth.storage.RangeNotSatisfiableException;
import dev.berth.storage.StorageException;
import dev.berth.storage.WriteAbortedException;
import io.vertx.core.http.HttpServerResponse;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become OCI error responses (style rule 5). The route decides which
 * "unknown" code a 404 carries; everything else follows the failure's type.
 */
final class ErrorResponder {
  private static final Logger log = LoggerFactory.getLogger(ErrorResponder.class);

  /** The challenge berth sends: Basic, which containerd answers with the pod's pull secret. */
  static final String CHALLENGE = "Basic realm=\"berth\"";

  private ErrorResponder() {}

  /** Which kind of content a route serves, for the 404 code. */
  enum Subject {
    MANIFEST("MANIFEST_UNKNOWN"),
    BLOB("BLOB_UNKNOWN"),
    REPOSITORY("NAME_UNKNOWN");

    final String unknownCode;

    Subject(String unknownCode) {
      this.unknownCode = unknownCode;
    }
  }

  static void send(HttpServerResponse response, Subject subject, Throwable failure) {
    if (response.headWritten()) {
      // Bytes already went out: cut the connection so the client cannot take them as complete.
      log.warn("aborting a response in progress: {}", failure.toString());
      response.reset();
      return;
    }
    // Headers a route set for the content it meant to send do not describe an error.
    for (String header :
        new String[] {
          "Docker-Content-Digest",
          "ETag",
          "Accept-Ranges",
          "Cache-Control",
          "Content-Length",
          "Content-Range"
        }) {
      response.headers().remove(header);
    }
    response.setChunked(false);
    toOciError(response, subject, unwrap(failure)).send(response);
  }

  static OciError toOciError(HttpServerResponse response, Subject subject, Throwable e) {
    if (e instanceof InvalidReferenceException ire) {
      return switch (ire.kind()) {
        case DIGEST_INVALID -> new OciError("DIGEST_INVALID", Messages.of(ire), 400);
        // A pull client reads 404 as "no such manifest", which a malformed tag is; distribution
        // and the OCI conformance suite answer MANIFEST_UNKNOWN for it (issue 13, defect 9).
        case TAG_INVALID -> new OciError("MANIFEST_UNKNOWN", Messages.of(ire), 404);
        default -> new OciError("NAME_INVALID", Messages.of(ire), 400);
      };
    }
    if (e instanceof ByteRangeHeader.MalformedRangeException) {
      return new OciError("RANGE_INVALID", Messages.of(e), 416);
    }
    if (e instanceof RangeNotSatisfiableException rnse) {
      response.putHeader("Content-Range", ByteRangeHeader.unsatisfied(rnse.blobSize()));
      return new OciError("RANGE_INVALID", Messages.of(e), 416);
    }
    if (e instanceof dev.berth.proxy.access.AccessDeniedException) {
      response.putHeader("WWW-Authenticate", CHALLENGE);
      return new OciError("UNAUTHORIZED", Messages.of(e), 401);
    }
    if (e instanceof UnknownUpstreamException) {
      return new OciError("NAME_UNKNOWN", Messages.of(e), 404);
    }
    if (e instanceof DownloadLimitException) {
      response.putHeader("Retry-After", "1");
      return new OciError("UNAVAILABLE", Messages.of(e), 503);
    }
    if (e instanceof NotCachedException) {
      return new OciError(subject.unknownCode, Messages.of(e), 404);
    }
    if (e instanceof UpstreamException ue) {
      return upstream(response, subject, ue);
    }
    if (e instanceof WriteAbortedException) {
      relayedFailure(response, e.getCause());
      return new OciError("UNKNOWN", Messages.of(e), 502);
    }
    if (e instanceof DiskFullException) {
      return new OciError("UNAVAILABLE", "storage is full: " + e.getMessage(), 503);
    }
    if (e instanceof StorageException) {
      log.error("storage failure", e);
      return new OciError("UNAVAILABLE", "storage failure: " + e.getMessage(), 503);
    }
    log.error("unexpected failure", e);
    return OciError.internal();
  }

  /**
   * Retry-After of a 503 from an upstream failure that knows no better: ImagePullBackOff's 10 s.
   */
  static final long DEFAULT_RETRY_AFTER_SECONDS = 10;

  private static OciError upstream(
      HttpServerResponse response, Subject subject, UpstreamException e) {
    relayedFailure(response, e);
    return switch (e.kind()) {
      case NOT_FOUND -> new OciError(subject.unknownCode, Messages.of(e), 404);
      case UNAUTHORIZED -> {
        // Lets the client retry with its own credentials (containerd sends the pod's secret).
        response.putHeader("WWW-Authenticate", CHALLENGE);
        yield new OciError("UNAUTHORIZED", Messages.of(e), 401);
      }
      case DENIED -> new OciError("DENIED", Messages.of(e), 403);
      case TOO_MANY_REQUESTS -> {
        e.retryAfter()
            .ifPresent(d -> response.putHeader("Retry-After", Long.toString(d.toSeconds())));
        yield new OciError("TOOMANYREQUESTS", Messages.of(e), 429);
      }
      case UNAVAILABLE -> {
        // While berth backs off from the upstream: when asking again can succeed. Otherwise (a
        // blob miss that met the outage first) the back-off's first window, so every 503 says
        // when to come back (issue 13, defect 12).
        long seconds =
            e.retryAfter().map(java.time.Duration::toSeconds).orElse(DEFAULT_RETRY_AFTER_SECONDS);
        response.putHeader("Retry-After", Long.toString(Math.max(1, seconds)));
        yield new OciError("UNAVAILABLE", Messages.of(e), 503);
      }
      case BAD_RESPONSE, REFUSED -> new OciError("UNKNOWN", Messages.of(e), 502);
    };
  }

  /**
   * Marks the answer as the registry's failure, not this berth's, when {@code cause} (what ended a
   * download or a call) is the registry answering with a failure (a 5xx, relayed ones included) or
   * with wrong bytes: a node below takes that as final instead of asking the registry again itself.
   * A failure of this berth's own (it could not reach the registry, its limits, its storage) stays
   * unmarked, and the node goes around it.
   */
  private static void relayedFailure(HttpServerResponse response, @Nullable Throwable cause) {
    if (cause instanceof UpstreamException ue && ue.source() != UpstreamException.Source.LOCAL) {
      response.putHeader(UpstreamException.RELAYED_HEADER, ue.upstream());
    } else if (cause instanceof DigestMismatchException) {
      response.putHeader(UpstreamException.RELAYED_HEADER, "wrong bytes");
    }
  }

  private static Throwable unwrap(Throwable e) {
    Throwable t = e;
    while ((t instanceof java.util.concurrent.CompletionException
            || t instanceof java.util.concurrent.ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
