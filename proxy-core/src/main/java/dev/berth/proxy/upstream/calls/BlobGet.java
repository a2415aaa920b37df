package dev.berth.proxy.upstream.calls;

import dev.berth.proxy.upstream.Answer;
import dev.berth.proxy.upstream.RegistryCall;
import dev.berth.proxy.upstream.UpstreamException;
import dev.berth.proxy.upstream.WatchedBody;
import dev.berth.storage.Digest;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * {@code GET /v2/<name>/blobs/<digest>}, whole or with a {@code Range}: the body as a {@link
 * WatchedBody}, at most {@code maxBytes} long and done within {@code transfer-timeout}. A declared
 * {@code Content-Length} over the bound is refused before a byte is read.
 */
public final class BlobGet implements RegistryCall<BlobGet.Body> {
  /**
   * @param body the body, paused
   * @param status 200, or 206 for a range
   * @param contentLength the body's declared length, -1 when not said
   * @param contentRange the {@code Content-Range} of a 206, else null
   */
  public record Body(
      WatchedBody body, int status, long contentLength, @Nullable String contentRange) {}

  private final Digest digest;
  private final @Nullable String range;
  private final long maxBytes;
  private final Duration total;
  private final String action;

  /**
   * @param range a {@code Range} value such as {@code bytes=100-}, null for the whole blob
   * @param maxBytes the most body bytes accepted (the upstream's {@code max-blob-size}, or less)
   * @param total the time the whole body may take ({@code transfer-timeout})
   * @param action for messages: {@code GET blob docker.io/library/nginx@sha256:…}
   */
  public BlobGet(
      Digest digest, @Nullable String range, long maxBytes, Duration total, String action) {
    this.digest = digest;
    this.range = range;
    this.maxBytes = maxBytes;
    this.total = total;
    this.action = action;
  }

  @Override
  public java.util.Optional<Digest> blobBytes() {
    return java.util.Optional.of(digest);
  }

  @Override
  public HttpMethod method() {
    return HttpMethod.GET;
  }

  @Override
  public String path() {
    return "blobs/" + digest;
  }

  @Override
  public MultiMap headers() {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    if (range != null) {
      headers.add("Range", range);
    }
    return headers;
  }

  @Override
  public String action() {
    return action;
  }

  @Override
  public boolean accepts(int status) {
    // A 200 to a range request is the whole blob, which a client must accept (RFC 9110).
    return status == 200 || (status == 206 && range != null);
  }

  @Override
  public Future<Body> read(Answer answer) {
    long declared = answer.contentLength();
    if (declared > maxBytes) {
      answer.discard();
      return Future.failedFuture(
          new UpstreamException(
              UpstreamException.Kind.BAD_RESPONSE,
              answer.upstream(),
              action
                  + ": declares "
                  + declared
                  + " bytes, more than the "
                  + maxBytes
                  + " allowed"
                  + " (max-blob-size)"));
    }
    return Future.succeededFuture(
        new Body(
            answer.stream(maxBytes, total),
            answer.status(),
            declared,
            answer.status() == 206 ? answer.header("Content-Range") : null));
  }
}
