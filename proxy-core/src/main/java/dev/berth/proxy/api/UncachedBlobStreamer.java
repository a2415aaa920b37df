package dev.berth.proxy.api;

import dev.berth.proxy.pull.UncachedBlob;
import dev.berth.proxy.text.Messages;
import dev.berth.proxy.upstream.UpstreamException;
import dev.berth.proxy.upstream.WatchedBody;
import dev.berth.storage.DigestVerifier;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.internal.buffer.BufferInternal;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;

/**
 * Pipes an {@link UncachedBlob} from the upstream to one client with backpressure (the upstream is
 * paused while the client's write queue is full). A whole blob is hashed on the way and the last
 * buffer received is held back until the digest matched: wrong bytes, a short body or a broken
 * upstream reset the client's connection, so no client can take them as a complete blob. Runs on
 * the event loop of the request; every callback here does too.
 */
final class UncachedBlobStreamer {
  private final UncachedBlob blob;
  private final WatchedBody upstream;
  private final HttpServerResponse response;
  private final LongConsumer bytesSent;
  private final @Nullable DigestVerifier verifier;
  private @Nullable Buffer held;
  private boolean over;

  private UncachedBlobStreamer(
      UncachedBlob blob, HttpServerResponse response, LongConsumer bytesSent) {
    this.blob = blob;
    this.upstream = blob.body();
    this.response = response;
    this.bytesSent = bytesSent;
    this.verifier = blob.partial() ? null : blob.digest().newVerifier();
  }

  /** Streams the blob into the (already prepared) response and ends it. */
  static void stream(UncachedBlob blob, HttpServerResponse response, LongConsumer bytesSent) {
    new UncachedBlobStreamer(blob, response, bytesSent).start();
  }

  private void start() {
    response.closeHandler(v -> clientGone());
    upstream.handler(this::received);
    upstream.exceptionHandler(
        e ->
            fail(
                e instanceof UpstreamException ue
                    ? Messages.of(ue)
                    : UpstreamException.brokeAfter(upstream.received(), e)));
    upstream.endHandler(v -> ended());
    upstream.resume();
  }

  private void received(Buffer buffer) {
    if (over) {
      return;
    }
    if (verifier == null) {
      write(buffer);
      return;
    }
    verifier.update(((BufferInternal) buffer).getByteBuf().nioBuffer());
    Buffer previous = held;
    held = buffer;
    if (previous != null) {
      write(previous);
    }
  }

  private void ended() {
    if (over) {
      return;
    }
    if (verifier != null) {
      long length = verifier.length();
      var actual = verifier.finish();
      if (!actual.equals(blob.digest())) {
        fail(length + " bytes that hash to " + actual + ", not to " + blob.digest());
        return;
      }
      over = true;
      blob.finished().run();
      // What the bytes proved is recorded before the last byte goes: a client asking again at
      // once finds the link instead of proving it a second time.
      blob.verified()
          .get()
          .onComplete(
              ar -> {
                if (response.closed()) {
                  return;
                }
                if (held != null) {
                  write(held);
                }
                response.end();
              });
      return;
    }
    over = true;
    response.end();
    blob.finished().run();
  }

  private void write(Buffer buffer) {
    response.write(buffer);
    bytesSent.accept(buffer.length());
    if (response.writeQueueFull()) {
      upstream.pause();
      response.drainHandler(v -> upstream.resume());
    }
  }

  private void fail(String why) {
    if (over) {
      return;
    }
    over = true;
    upstream.stop();
    blob.finished().run();
    ErrorResponder.send(
        response,
        ErrorResponder.Subject.BLOB,
        new UpstreamException(
            UpstreamException.Kind.BAD_RESPONSE,
            blob.upstream(),
            "GET blob " + blob.digest() + " from " + blob.upstream() + " (uncached): " + why));
  }

  private void clientGone() {
    if (over) {
      return;
    }
    over = true;
    upstream.stop(); // nobody else reads this transfer: stop it
    blob.finished().run();
  }
}
