package dev.berth.proxy.upstream;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.streams.ReadStream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * An upstream response body that cannot outgrow or outlast its bounds. Vert.x' idle timeout stops
 * covering a response once its body has begun, and nothing bounds a chunked body's length, so a
 * stalled upstream held a download slot forever and an endless one filled the disk (issue 13,
 * defects 3 and 4). Here a timer checks the gap since the last byte (time berth keeps the body
 * paused does not count: berth is the one not reading) and the total deadline, and the byte count
 * is checked on every chunk; a breach resets the connection and reports an {@link
 * UpstreamException} to the exception handler: {@code UNAVAILABLE} for a stall or the deadline,
 * {@code BAD_RESPONSE} for the size. Callbacks run on the response's context.
 */
public final class WatchedBody implements ReadStream<Buffer> {
  /**
   * @param maxBytes the most body bytes accepted
   * @param idle the longest gap between bytes while not paused by berth
   * @param deadlineNanos when the body must have ended, on {@code nanoTime}'s scale
   */
  record Bounds(long maxBytes, Duration idle, long deadlineNanos, LongSupplier nanoTime) {}

  private final HttpClientResponse response;
  private final Context context;
  private final Bounds bounds;
  private final BiFunction<UpstreamException.Kind, String, UpstreamException> fault;

  private @Nullable Handler<Buffer> handler;
  private @Nullable Handler<Throwable> exceptionHandler;
  private @Nullable Handler<Void> endHandler;
  private long received;
  private long lastByteNanos;
  private boolean paused = true;
  private boolean finished;
  private long timer = -1;

  /** The answer had ended before it was watched: it ends at the first resume. */
  private final boolean endedBeforeWatched;

  /** A failure met before anyone listened (the body waits paused for a storage hop). */
  private @Nullable Throwable unreported;

  WatchedBody(
      HttpClientResponse response,
      Context context,
      Bounds bounds,
      BiFunction<UpstreamException.Kind, String, UpstreamException> fault) {
    this.response = response;
    this.context = context;
    this.bounds = bounds;
    this.fault = fault;
    this.lastByteNanos = bounds.nanoTime().getAsLong();
    boolean open;
    try {
      response.handler(this::data);
      response.exceptionHandler(this::broke);
      response.endHandler(this::ended);
      open = true;
    } catch (IllegalStateException alreadyRead) {
      // Vert.x ended a body-less answer before this callback ran (seen with 401s under load);
      // it is then whole and empty: end it as soon as someone listens.
      open = false;
    }
    endedBeforeWatched = !open;
    if (open) {
      startTimer();
    }
  }

  /** Body bytes received so far. */
  public long received() {
    return received;
  }

  /** Whether the body ended, failed or was stopped. */
  public boolean finished() {
    return finished;
  }

  /** Abandons the body: resets the connection; no handler is called any more. */
  public void stop() {
    if (!finished) {
      finish();
      if (!endedBeforeWatched) {
        response.request().reset();
      }
    }
  }

  @Override
  public WatchedBody handler(@Nullable Handler<Buffer> handler) {
    this.handler = handler;
    return this;
  }

  @Override
  public WatchedBody exceptionHandler(@Nullable Handler<Throwable> handler) {
    this.exceptionHandler = handler;
    Throwable missed = unreported;
    if (handler != null && missed != null) {
      unreported = null;
      handler.handle(missed);
    }
    return this;
  }

  @Override
  public WatchedBody endHandler(@Nullable Handler<Void> handler) {
    this.endHandler = handler;
    return this;
  }

  @Override
  public WatchedBody pause() {
    paused = true;
    response.pause();
    return this;
  }

  @Override
  public WatchedBody resume() {
    paused = false;
    lastByteNanos = bounds.nanoTime().getAsLong(); // the gap starts now, not when berth paused
    if (endedBeforeWatched) {
      ended(null);
      return this;
    }
    response.resume();
    return this;
  }

  @Override
  public WatchedBody fetch(long amount) {
    if (amount > 0) {
      paused = false;
      lastByteNanos = bounds.nanoTime().getAsLong();
    }
    if (endedBeforeWatched) {
      ended(null);
      return this;
    }
    response.fetch(amount);
    return this;
  }

  private void data(Buffer chunk) {
    if (finished) {
      return;
    }
    lastByteNanos = bounds.nanoTime().getAsLong();
    received += chunk.length();
    if (received > bounds.maxBytes()) {
      fail(
          fault.apply(
              UpstreamException.Kind.BAD_RESPONSE,
              "body larger than " + bounds.maxBytes() + " bytes"));
      return;
    }
    Handler<Buffer> h = handler;
    if (h != null) {
      h.handle(chunk);
    }
  }

  private void broke(Throwable e) {
    if (finished) {
      return;
    }
    finish();
    report(e);
  }

  private void report(Throwable e) {
    Handler<Throwable> h = exceptionHandler;
    if (h != null) {
      h.handle(e);
    } else {
      unreported = e;
    }
  }

  private void ended(@Nullable Void v) {
    if (finished) {
      return;
    }
    finish();
    Handler<Void> h = endHandler;
    if (h != null) {
      h.handle(null);
    }
  }

  private void fail(UpstreamException e) {
    if (finished) {
      return;
    }
    finish();
    response.request().reset();
    report(e);
  }

  private void finish() {
    finished = true;
    if (timer >= 0) {
      context.owner().cancelTimer(timer);
      timer = -1;
    }
  }

  private void startTimer() {
    long idleMillis = Math.max(1, bounds.idle().toMillis());
    long period = Math.max(50, Math.min(idleMillis / 4, 1000));
    timer = context.owner().setPeriodic(period, id -> context.runOnContext(v -> check()));
  }

  private void check() {
    if (finished) {
      return;
    }
    long now = bounds.nanoTime().getAsLong();
    if (now - bounds.deadlineNanos() > 0) {
      fail(
          fault.apply(
              UpstreamException.Kind.UNAVAILABLE,
              "not done within its time limit after " + received + " body bytes"));
    } else if (!paused && now - lastByteNanos > bounds.idle().toNanos()) {
      fail(
          fault.apply(
              UpstreamException.Kind.UNAVAILABLE,
              "no byte for "
                  + TimeUnit.NANOSECONDS.toMillis(now - lastByteNanos)
                  + " ms after "
                  + received
                  + " body bytes (read-timeout "
                  + bounds.idle().toMillis()
                  + " ms)"));
    }
  }
}
