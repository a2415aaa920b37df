package dev.berth.proxy.api;

import dev.berth.proxy.pull.StorageAccess;
import dev.berth.storage.BlobReader;
import dev.berth.storage.ChunkBuffers;
import io.netty.buffer.Unpooled;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.ByteBuffer;
import java.util.function.LongConsumer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Pumps a {@link BlobReader} into an HTTP response with backpressure (Armeria's {@code
 * StreamingHttpFile} demand loop): wait until the reader has bytes, read one chunk on a storage
 * worker, write it, and read the next only when the response can take more. A slow client holds one
 * chunk, never the blob. A failure after the headers were sent resets the connection, so the client
 * cannot mistake a truncated blob for a complete one.
 */
final class BlobStreamer {
  private final BlobReader reader;
  private final HttpServerResponse response;
  private final StorageAccess storage;
  private final Context context;
  private final LongConsumer bytesSent;
  private final Predicate<Throwable> takeOver;
  private final Promise<Void> done = Promise.promise();

  private BlobStreamer(
      BlobReader reader,
      HttpServerResponse response,
      StorageAccess storage,
      Context context,
      LongConsumer bytesSent,
      Predicate<Throwable> takeOver) {
    this.reader = reader;
    this.response = response;
    this.storage = storage;
    this.context = context;
    this.bytesSent = bytesSent;
    this.takeOver = takeOver;
  }

  /** Streams the reader's range into the (already prepared) response and ends it. */
  static Future<Void> stream(
      BlobReader reader,
      HttpServerResponse response,
      StorageAccess storage,
      Context context,
      LongConsumer bytesSent) {
    return stream(reader, response, storage, context, bytesSent, failure -> false);
  }

  /**
   * Like {@link #stream(BlobReader, HttpServerResponse, StorageAccess, Context, LongConsumer)}; a
   * failure before any byte went out is first offered to {@code takeOver}, which answers the
   * response itself when it returns true (a download the full disk stopped is served again
   * uncached).
   */
  static Future<Void> stream(
      BlobReader reader,
      HttpServerResponse response,
      StorageAccess storage,
      Context context,
      LongConsumer bytesSent,
      Predicate<Throwable> takeOver) {
    BlobStreamer s = new BlobStreamer(reader, response, storage, context, bytesSent, takeOver);
    response.closeHandler(v -> s.clientGone());
    s.pump();
    return s.done.future();
  }

  private void pump() {
    if (done.future().isComplete()) {
      return;
    }
    Future.fromCompletionStage(reader.readable(), context)
        .compose(v -> storage.run(this::readChunk))
        .onComplete(
            ar -> {
              ByteBuffer chunk = ar.succeeded() ? ar.result() : null;
              if (done.future().isComplete() || response.closed()) {
                release(chunk);
                reader.close(); // the client left while this read ran
                done.tryComplete();
                return;
              }
              if (ar.failed()) {
                stop(ar.cause());
                return;
              }
              if (chunk == null) {
                reader.close();
                if (response.ended()) {
                  done.tryComplete();
                } else {
                  response.end().onComplete(x -> done.tryComplete());
                }
                return;
              }
              int n = chunk.remaining();
              try {
                // The buffer is reused once its bytes are on the wire (or the write failed).
                response
                    .write(BufferInternal.buffer(Unpooled.wrappedBuffer(chunk)))
                    .onComplete(
                        written -> {
                          release(chunk);
                          if (written.failed()) {
                            writeFailed(written.cause());
                          }
                        });
              } catch (RuntimeException e) {
                release(chunk);
                stop(e);
                return;
              }
              bytesSent.accept(n);
              if (response.writeQueueFull()) {
                response.drainHandler(v -> pump());
              } else {
                pump();
              }
            });
  }

  /** Idle chunk buffers kept for reuse: enough for this many responses streaming at once. */
  private static final ChunkBuffers BUFFERS = new ChunkBuffers(1 << 20, 64);

  /**
   * Reads the next chunk on a storage worker into a reused direct buffer: RocksDB copies the bytes
   * straight into it and Netty writes it to the socket as it is, so the blob never passes through
   * the Java heap. Null when the range is exhausted.
   */
  private @Nullable ByteBuffer readChunk() {
    ByteBuffer chunk = BUFFERS.take(reader.chunkSize());
    try {
      if (!reader.readInto(chunk)) {
        BUFFERS.give(chunk);
        return null;
      }
      return chunk;
    } catch (RuntimeException e) {
      BUFFERS.give(chunk);
      throw e;
    }
  }

  private static void release(@Nullable ByteBuffer chunk) {
    if (chunk != null) {
      BUFFERS.give(chunk);
    }
  }

  private void writeFailed(Throwable cause) {
    if (StreamFailure.writeFailed(response, done, cause)) {
      reader.close();
    }
  }

  /** The client closed the connection: a normal event (it may have what it needed). */
  private void clientGone() {
    reader.close();
    done.tryComplete();
  }

  private void stop(Throwable cause) {
    reader.close();
    StreamFailure.stop(response, done, cause, takeOver);
  }
}
