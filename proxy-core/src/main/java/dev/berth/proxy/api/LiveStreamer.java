package dev.berth.proxy.api;

import dev.berth.proxy.pull.LiveBlob;
import dev.berth.proxy.pull.LiveRead;
import dev.berth.proxy.pull.StorageAccess;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.internal.buffer.BufferInternal;
import java.util.function.LongConsumer;
import java.util.function.Predicate;

/**
 * Streams a live download to one client from the download's memory: slices of the blocks the
 * upstream bytes were copied into are written as they are (released once on the wire), as fast as
 * the client takes them. A client a window behind continues from storage through {@link
 * BlobStreamer}. A failure after the first byte resets the connection, so the client cannot mistake
 * a truncated blob for a complete one.
 */
final class LiveStreamer {
  /** At most this much per write: one of the window's blocks. */
  private static final int MAX_WRITE = 1 << 20;

  private final LiveBlob blob;
  private final HttpServerResponse response;
  private final StorageAccess storage;
  private final Context context;
  private final LongConsumer bytesSent;
  private final Predicate<Throwable> takeOver;
  private final Promise<Void> done = Promise.promise();

  private LiveStreamer(
      LiveBlob blob,
      HttpServerResponse response,
      StorageAccess storage,
      Context context,
      LongConsumer bytesSent,
      Predicate<Throwable> takeOver) {
    this.blob = blob;
    this.response = response;
    this.storage = storage;
    this.context = context;
    this.bytesSent = bytesSent;
    this.takeOver = takeOver;
  }

  /**
   * Streams the blob's range into the (already prepared) response and ends it; a failure before any
   * byte went out is first offered to {@code takeOver}, which answers the response itself when it
   * returns true.
   */
  static Future<Void> stream(
      LiveBlob blob,
      HttpServerResponse response,
      StorageAccess storage,
      Context context,
      LongConsumer bytesSent,
      Predicate<Throwable> takeOver) {
    LiveStreamer s = new LiveStreamer(blob, response, storage, context, bytesSent, takeOver);
    response.closeHandler(v -> s.clientGone());
    blob.listen(() -> context.runOnContext(v -> s.pump()));
    s.pump();
    return s.done.future();
  }

  private void pump() {
    while (!done.future().isComplete()) {
      if (response.closed()) {
        clientGone();
        return;
      }
      LiveRead read = blob.next(MAX_WRITE);
      if (read instanceof LiveRead.Bytes b) {
        int n = b.bytes().readableBytes();
        // Writing does not take over the slice's reference (Vert.x 5.0.7): without this release
        // every block stayed allocated and a 256 MiB pull ran out of direct memory (seen).
        Future<Void> written;
        try {
          written = response.write(BufferInternal.buffer(b.bytes()));
        } catch (RuntimeException e) { // the response ended or closed meanwhile
          b.bytes().release();
          stop(e);
          return;
        }
        written.onComplete(
            ar -> {
              b.bytes().release();
              if (ar.failed() && StreamFailure.writeFailed(response, done, ar.cause())) {
                blob.close();
              }
            });
        bytesSent.accept(n);
        if (response.writeQueueFull()) {
          response.drainHandler(v -> pump());
          return;
        }
      } else if (read instanceof LiveRead.Wait) {
        return; // the listener pumps again
      } else if (read instanceof LiveRead.End) {
        blob.close();
        if (!response.ended()) { // a late drain may pump again before the end completed
          response.end().onComplete(x -> done.tryComplete());
        }
        return;
      } else if (read instanceof LiveRead.Behind behind) {
        fromStorage(behind.position());
        return;
      } else if (read instanceof LiveRead.Failed f) {
        stop(f.cause());
        return;
      }
    }
  }

  /** Fell a window behind: the rest comes from storage, where the writer put it. */
  private void fromStorage(long position) {
    blob.fromStorage(position)
        .onSuccess(
            reader -> {
              if (done.tryComplete()) {
                BlobStreamer.stream(reader, response, storage, context, bytesSent, takeOver);
              } else {
                reader.close();
              }
            })
        .onFailure(this::stop);
  }

  private void clientGone() {
    blob.close();
    done.tryComplete();
  }

  private void stop(Throwable cause) {
    blob.close();
    StreamFailure.stop(response, done, cause, takeOver);
  }
}
