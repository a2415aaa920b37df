package dev.berth.proxy.api;

import dev.berth.storage.BlobReader;
import dev.berth.storage.FileSpan;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpServerResponse;
import java.util.function.LongConsumer;

/**
 * Sends a stored blob's range straight from its file with {@code sendfile(2)} (Netty's {@code
 * DefaultFileRegion}): the kernel copies page cache to socket, and no byte passes through Java or
 * RocksDB's buffers. Only for plain HTTP/1.1; over TLS or HTTP/2 Vert.x would read the file on the
 * event loop, so those take {@link BlobStreamer}'s chunk pump.
 *
 * <p>The reader stays open (its lease holds eviction off, its channel the file) until the kernel
 * has sent the last byte or the client left. A failure after the head went out closes the
 * connection (Netty closes a channel whose write failed with an I/O error), so no client mistakes a
 * short body for a whole one.
 */
final class SendfileResponder {
  private SendfileResponder() {}

  /** Whether a request's connection can take a file region: plain-text HTTP/1.x. */
  static boolean possible(io.vertx.core.http.HttpServerRequest request) {
    return !request.isSSL() && request.version() != io.vertx.core.http.HttpVersion.HTTP_2;
  }

  /** Sends {@code span} as the (already prepared) response's body and ends it. */
  static Future<Void> send(
      BlobReader reader, FileSpan span, HttpServerResponse response, LongConsumer bytesSent) {
    Promise<Void> done = Promise.promise();
    response.closeHandler(
        v -> {
          reader.close();
          done.tryComplete(); // the client left: a normal event
        });
    response
        .sendFile(span.channel(), span.offset(), span.length())
        .onComplete(
            sent -> {
              reader.close();
              if (sent.succeeded()) {
                bytesSent.accept(span.length());
                done.tryComplete();
              } else if (response.closed()) {
                done.tryComplete();
              } else {
                StreamFailure.writeFailed(response, done, sent.cause());
              }
            });
    return done.future();
  }
}
