package dev.berth.proxy.upstream;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * An upstream's answer to one {@link RegistryCall}, paused, whose body can only be read within
 * bounds: a byte cap, the upstream's {@code read-timeout} between bytes and a total deadline.
 * Reading it any other way (the raw response) is what let stalled or endless upstream bodies hold
 * memory and download slots (issue 13, defects 3 and 4).
 */
public final class Answer {
  /** How much of an unused body is read before the connection is dropped instead. */
  static final int DISCARD_LIMIT = 64 << 10;

  private final HttpClientResponse response;
  private final Context context;
  private final String upstream;
  private final String action;
  private final Duration idle;
  private final long deadlineNanos;
  private final LongSupplier nanoTime;

  Answer(
      HttpClientResponse response,
      Context context,
      String upstream,
      String action,
      Duration idle,
      long deadlineNanos,
      LongSupplier nanoTime) {
    this.response = response;
    this.context = context;
    this.upstream = upstream;
    this.action = action;
    this.idle = idle;
    this.deadlineNanos = deadlineNanos;
    this.nanoTime = nanoTime;
  }

  /**
   * An answer read outside {@link UpstreamClient#call}, e.g. a token server's, under the same
   * bounds. Call on the response's context.
   */
  static Answer of(
      HttpClientResponse response,
      String upstream,
      String action,
      Duration idle,
      long deadlineNanos,
      LongSupplier nanoTime) {
    Context context = io.vertx.core.Vertx.currentContext();
    if (context == null) {
      throw new IllegalStateException("upstream answers are handled on a Vert.x context");
    }
    return new Answer(response, context, upstream, action, idle, deadlineNanos, nanoTime);
  }

  public int status() {
    return response.statusCode();
  }

  public @Nullable String header(String name) {
    return response.getHeader(name);
  }

  /** {@code Content-Length}, or -1 when absent or not a number. */
  public long contentLength() {
    String header = response.getHeader("Content-Length");
    if (header == null) {
      return -1;
    }
    try {
      return Long.parseLong(header.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  public String upstream() {
    return upstream;
  }

  public String action() {
    return action;
  }

  /**
   * The whole body, at most {@code maxBytes}: a declared {@code Content-Length} over it is refused
   * before a byte is read, a body growing past it is cut as soon as it does. Fails with {@link
   * UpstreamException} ({@code BAD_RESPONSE} for the size, {@code UNAVAILABLE} for a stall, the
   * deadline or a broken connection).
   */
  public Future<Buffer> body(int maxBytes) {
    long declared = contentLength();
    if (declared > maxBytes) {
      drop();
      return Future.failedFuture(tooLarge(maxBytes));
    }
    Promise<Buffer> body = Promise.promise();
    Buffer collected = Buffer.buffer(declared > 0 ? (int) declared : 256);
    WatchedBody watched = stream(maxBytes, deadlineNanos);
    watched.handler(collected::appendBuffer);
    watched.exceptionHandler(
        e ->
            body.tryFail(
                e instanceof UpstreamException
                    ? e
                    : new UpstreamException(
                        UpstreamException.Kind.UNAVAILABLE,
                        upstream,
                        action + ": " + UpstreamException.brokeAfter(watched.received(), e),
                        null,
                        e)));
    watched.endHandler(v -> body.tryComplete(collected));
    watched.resume();
    return body.future();
  }

  /**
   * Drops the body. A short one is read so the connection goes back to the pool; a long or endless
   * one costs its connection instead of an unbounded read.
   */
  public void discard() {
    if (contentLength() > DISCARD_LIMIT) {
      drop();
      return;
    }
    WatchedBody watched = stream(DISCARD_LIMIT, deadlineNanos);
    watched.handler(b -> {});
    watched.exceptionHandler(e -> {});
    watched.resume();
  }

  /**
   * The body as a stream for a consumer that writes it elsewhere (a blob): at most {@code
   * maxBytes}, each gap between bytes at most the upstream's {@code read-timeout} while berth is
   * not the one pausing it, all of it within {@code total} from now.
   */
  public WatchedBody stream(long maxBytes, Duration total) {
    return stream(maxBytes, nanoTime.getAsLong() + total.toNanos());
  }

  private WatchedBody stream(long maxBytes, long deadline) {
    return new WatchedBody(
        response, context, new WatchedBody.Bounds(maxBytes, idle, deadline, nanoTime), this::fault);
  }

  /** Resets the connection without reading the body. */
  private void drop() {
    response.request().reset();
  }

  private UpstreamException tooLarge(long maxBytes) {
    return fault(UpstreamException.Kind.BAD_RESPONSE, "body larger than " + maxBytes + " bytes");
  }

  private UpstreamException fault(UpstreamException.Kind kind, String what) {
    return new UpstreamException(kind, upstream, action + ": " + what);
  }
}
