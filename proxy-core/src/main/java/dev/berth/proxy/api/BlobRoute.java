package dev.berth.proxy.api;

import dev.berth.proxy.metrics.ProxyMetrics;
import dev.berth.proxy.pull.BlobService;
import dev.berth.proxy.pull.BlobSource;
import dev.berth.proxy.pull.StorageAccess;
import dev.berth.proxy.pull.UncachedBlob;
import dev.berth.proxy.text.Messages;
import dev.berth.proxy.upstream.RoutedRepository;
import dev.berth.storage.BlobRange;
import dev.berth.storage.BlobReader;
import dev.berth.storage.Digest;
import dev.berth.storage.FileSpan;
import dev.berth.storage.InvalidDigestException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * {@code GET|HEAD /v2/<name>/blobs/<digest>} with single {@code Range} requests (206 + {@code
 * Content-Range}, 416 when unsatisfiable). Blobs are never transfer-encoded: their digest covers
 * the raw bytes.
 */
final class BlobRoute {
  private final BlobService blobs;
  private final StorageAccess storage;
  private final ProxyMetrics metrics;

  BlobRoute(BlobService blobs, StorageAccess storage, ProxyMetrics metrics) {
    this.blobs = blobs;
    this.storage = storage;
    this.metrics = metrics;
  }

  void handle(
      HttpServerRequest request,
      RoutedRepository repo,
      String digestText,
      dev.berth.proxy.upstream.Candidates candidates) {
    HttpServerResponse response = request.response();
    Digest digest;
    BlobRange range;
    try {
      digest = Digest.parse(digestText);
      range = ByteRangeHeader.parse(request.getHeader("Range"));
    } catch (InvalidDigestException e) {
      new OciError("DIGEST_INVALID", Messages.of(e), 400).send(response);
      return;
    } catch (ByteRangeHeader.MalformedRangeException e) {
      ErrorResponder.send(response, ErrorResponder.Subject.BLOB, e);
      return;
    }
    boolean head = HttpMethod.HEAD.equals(request.method());
    boolean cacheOnly = repo.upstream().policies().isCacheOnly(repo.repository());
    var context = Vertx.currentContext();
    blobs
        .open(repo, digest, range, head, cacheOnly, candidates)
        .onSuccess(
            source ->
                respond(
                    response, digest, range, source, context, SendfileResponder.possible(request)))
        .onFailure(e -> ErrorResponder.send(response, ErrorResponder.Subject.BLOB, e));
  }

  /**
   * The source failed before this client got a byte: what the service decided instead (a download
   * the full disk stopped is served uncached) answers the response, or the failure does.
   */
  private void recover(
      Throwable failure,
      HttpServerResponse response,
      Digest digest,
      BlobRange range,
      BlobSource failed,
      io.vertx.core.Context context,
      boolean sendfile) {
    failed
        .recovery()
        .after(failure)
        .onSuccess(
            source -> {
              response.setStatusCode(200).setChunked(false);
              response.headers().remove("Content-Range").remove("Content-Length");
              respond(response, digest, range, source, context, sendfile);
            })
        .onFailure(e -> ErrorResponder.send(response, ErrorResponder.Subject.BLOB, e));
  }

  /** A stream's take-over: every failure before the first byte goes to {@link #recover}. */
  private Predicate<Throwable> recovering(
      HttpServerResponse response,
      Digest digest,
      BlobRange range,
      BlobSource source,
      io.vertx.core.Context context,
      boolean sendfile) {
    return failure -> {
      recover(failure, response, digest, range, source, context, sendfile);
      return true;
    };
  }

  /**
   * @param sendfile the connection can take a stored blob's file as it is ({@link
   *     SendfileResponder#possible})
   */
  private void respond(
      HttpServerResponse response,
      Digest digest,
      BlobRange range,
      BlobSource source,
      io.vertx.core.Context context,
      boolean sendfile) {
    metrics.cacheRequest("blob", source.fromCache());
    response.putHeader(CacheHeader.NAME, source.fromCache() ? "hit" : "miss");
    response
        .putHeader("Docker-Content-Digest", digest.toString())
        .putHeader("ETag", "\"" + digest + "\"")
        .putHeader("Accept-Ranges", "bytes")
        .putHeader("Cache-Control", "max-age=31536000")
        .putHeader("Content-Type", "application/octet-stream");
    if (source instanceof BlobSource.Uncached u) {
      respondUncached(response, u.blob());
      return;
    }
    if (source instanceof BlobSource.HeadOnly) {
      if (source.size() >= 0) {
        response.putHeader("Content-Length", Long.toString(source.size()));
      }
      response.end();
      return;
    }
    if (source instanceof BlobSource.Live live) {
      respondLive(response, digest, range, live, context, sendfile);
      return;
    }
    BlobReader reader = ((BlobSource.Stored) source).reader();
    if (source.size() < 0 && !range.isAll()) {
      // A live download of unknown size: the range resolves once the size is known.
      Future.fromCompletionStage(reader.readable(), context)
          .onSuccess(
              v -> {
                long size = reader.blobSizeIfKnown();
                if (size < 0) {
                  // The write failed before its size was known: reading reports why.
                  BlobStreamer.stream(reader, response, storage, context, n -> {});
                } else {
                  respond(
                      response,
                      digest,
                      range,
                      new BlobSource.Stored(size, reader, source.fromCache(), source.recovery()),
                      context,
                      sendfile);
                }
              })
          .onFailure(e -> ErrorResponder.send(response, ErrorResponder.Subject.BLOB, e));
      return;
    }
    if (source.size() >= 0) {
      BlobRange.Resolved r = reader.range();
      if (!range.isAll()) {
        response.setStatusCode(206).putHeader("Content-Range", ByteRangeHeader.contentRange(r));
      }
      response.putHeader("Content-Length", Long.toString(r.length()));
    } else {
      // A live download whose upstream sent no Content-Length: stream chunked.
      response.setChunked(true);
    }
    boolean fromCache = source.fromCache();
    if (range.isAll() && source.size() < 0) {
      response.setChunked(true);
    }
    var file =
        sendfile && source.size() >= 0 ? reader.remainingAsFile() : Optional.<FileSpan>empty();
    if (file.isPresent()) {
      SendfileResponder.send(reader, file.get(), response, n -> metrics.servedBytes(fromCache, n));
      return;
    }
    BlobStreamer.stream(
        reader,
        response,
        storage,
        context,
        n -> metrics.servedBytes(fromCache, n),
        recovering(response, digest, range, source, context, sendfile));
  }

  private void respondLive(
      HttpServerResponse response,
      Digest digest,
      BlobRange range,
      BlobSource.Live live,
      io.vertx.core.Context context,
      boolean sendfile) {
    BlobRange.Resolved r = live.blob().range();
    if (!range.isAll()) {
      response.setStatusCode(206).putHeader("Content-Range", ByteRangeHeader.contentRange(r));
    }
    response.putHeader("Content-Length", Long.toString(r.length()));
    LiveStreamer.stream(
        live.blob(),
        response,
        storage,
        context,
        n -> metrics.servedBytes(false, n),
        recovering(response, digest, range, live, context, sendfile));
  }

  private void respondUncached(HttpServerResponse response, UncachedBlob blob) {
    if (blob.partial()) {
      response.setStatusCode(206).putHeader("Content-Range", blob.contentRange());
    }
    long length = blob.bodyLength();
    if (length >= 0) {
      response.putHeader("Content-Length", Long.toString(length));
    } else {
      response.setChunked(true);
    }
    UncachedBlobStreamer.stream(blob, response, n -> metrics.servedBytes(false, n));
  }
}
