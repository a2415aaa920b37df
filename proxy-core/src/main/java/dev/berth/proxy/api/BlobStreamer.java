package dev.berth.proxy.api;

import dev.berth.proxy.pull.StorageAccess;
import dev.berth.storage.BlobReader;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pumps a {@link BlobReader} into an HTTP response with backpressure (Armeria's {@code
 * StreamingHttpFile} demand loop): wait until the reader has bytes, read one chunk on a storage
 * worker, write it, and read the next only when the response can take more. A slow client holds one
 * chunk, never the blob. A failure after the headers were sent resets the connection, so the client
 * cannot mistake a truncated blob for a complete one.
 */
final class BlobStreamer {
  private static final Logger log = LoggerFactory.getLogger(BlobStreamer.class);
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
                            // The bytes never reached the socket (Netty could not get a direct
                            // buffer to copy a heap chunk into, or the channel broke): going on
                            // would leave a hole in the body that the client waits on until the
                            // idle timeout. Cut the connection so it fails now and retries.
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
    if (done.tryFail(cause)) {
      log.warn("writing a blob to a client failed, closing its connection: {}", cause.toString());
      reader.close();
      response.reset();
    }
  }

  /** The client closed the connection: a normal event (it may have what it needed). */
  private void clientGone() {
    reader.close();
    done.tryComplete();
  }

  private void stop(Throwable cause) {
    reader.close();
    if (response.ended()) {
      done.tryComplete(); // the close came after the last byte: nothing to abort
      return;
    }
    if (done.tryFail(cause)) {
      if (!response.headWritten() && takeOver.test(cause)) {
        return;
      }
      ErrorResponder.send(response, ErrorResponder.Subject.BLOB, cause);
    }
  }
}
