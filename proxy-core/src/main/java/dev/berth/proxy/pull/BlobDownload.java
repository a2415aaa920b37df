package dev.berth.proxy.pull;

import dev.berth.proxy.upstream.Candidates;
import dev.berth.proxy.upstream.RoutedRepository;
import dev.berth.proxy.upstream.UpstreamClient;
import dev.berth.proxy.upstream.UpstreamException;
import dev.berth.proxy.upstream.WatchedBody;
import dev.berth.proxy.upstream.calls.BlobGet;
import dev.berth.storage.BlobInfo;
import dev.berth.storage.BlobWriter;
import dev.berth.storage.Digest;
import dev.berth.storage.DiskFullException;
import io.netty.buffer.ByteBuf;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One upstream download of one blob, shared by every client that wants it meanwhile.
 *
 * <p>The upstream body goes into a {@link FanOutWindow}: clients receive its bytes from memory as
 * they arrive, each at its own pace, while the storage writer ({@link BlobWriter}: hashed, chunked
 * into RocksDB, on the storage workers) appends the same bytes behind them. A client that falls a
 * window behind continues from storage ({@link BlobWriter#follow}); a client that leaves does not
 * stop the download, which outlives its clients, bounded by the upstream's timeouts.
 *
 * <p>Memory is bounded: the upstream response is paused (TCP backpressure) while the writer is a
 * whole window behind, or while all windows together are over {@code limits.fan-out-memory}.
 */
final class BlobDownload {
  private static final Logger log = LoggerFactory.getLogger(BlobDownload.class);

  private final RoutedRepository repo;
  private final Digest digest;
  private final UpstreamClient client;
  private final StorageAccess storage;
  private final Candidates candidates;
  private final Promise<BlobWriter> writerReady = Promise.promise();
  private final Promise<BlobInfo> done = Promise.promise();

  private final FanOutMemory memory;
  private final long windowLimit;
  private volatile @Nullable FanOutWindow window;

  // Touched only on the upstream response's event loop.
  private boolean writing;
  private boolean ended;
  private boolean paused;
  private @Nullable WatchedBody response;

  private @Nullable BlobWriter writer;
  private long upstreamBytes;

  BlobDownload(
      RoutedRepository repo,
      Digest digest,
      UpstreamClient client,
      StorageAccess storage,
      Candidates candidates,
      FanOutMemory memory,
      long windowLimit) {
    this.memory = memory;
    this.windowLimit = windowLimit;
    this.repo = repo;
    this.digest = digest;
    this.client = client;
    this.storage = storage;
    this.candidates = candidates;
  }

  /** Completes once the upstream answered and the writer exists: clients then follow it. */
  Future<BlobWriter> writerReady() {
    return writerReady.future();
  }

  /** Completes when the blob is committed (verified), or fails. */
  Future<BlobInfo> done() {
    return done.future();
  }

  /** Whether every byte is in and hashed to the digest (the publish may still be running). */
  boolean verified() {
    FanOutWindow w = window;
    return w != null && w.isVerified();
  }

  /** The download's bytes in memory, once the upstream answered. */
  @Nullable FanOutWindow window() {
    return window;
  }

  long upstreamBytes() {
    return upstreamBytes;
  }

  void start() {
    String action = "GET blob " + repo + "@" + digest;
    // Never more than the free space above storage.min-free: an endless body stops there.
    room = storage.writes().room();
    client
        .call(repo, get(null, action), candidates)
        .compose(
            answer -> {
              long length = answer.contentLength();
              WatchedBody r = answer.body();
              if (length > room) {
                r.stop();
                return Future.failedFuture(
                    outOfRoom(action + ": declares " + length + " bytes,", "streamed uncached"));
              }
              // The body stays paused during the storage hop; a break meanwhile is kept by the
              // body and reported once stream() listens.
              return storage
                  .run(() -> storage.blobs().beginWrite(digest, length))
                  .map(
                      w -> {
                        this.window = new FanOutWindow(length, windowLimit, memory);
                        this.writer = w;
                        this.response = r;
                        writerReady.complete(w);
                        stream(r, action);
                        return w;
                      })
                  .onFailure(e -> r.stop());
            })
        .onFailure(this::fail);
  }

  /**
   * The failure for a blob that does not fit above storage.min-free; BlobService serves it
   * uncached.
   */
  private DiskFullException outOfRoom(String what, String outcome) {
    return new DiskFullException(
        what + " more than the " + room + " bytes free above storage.min-free; " + outcome, null);
  }

  private BlobGet get(@Nullable String range, String action) {
    var config = repo.upstream().config();
    return new BlobGet(digest, range, config.maxBlobSize(), config.transferTimeout(), action);
  }

  /** How often a broken upstream transfer is resumed with {@code Range} before giving up. */
  static final int MAX_RESUMES = 3;

  private int resumes;

  /** Bytes that could be written above storage.min-free when the download started. */
  private long room = Long.MAX_VALUE;

  /** Bytes to drop from the start of an answer: a resume answered 200 with the whole blob. */
  private long skip;

  private void stream(WatchedBody r, String action) {
    r.handler(
        received -> {
          if (response != r) {
            // A broken answer's data still queued when it broke: the resume asked for these
            // bytes again, so appending them too would duplicate them (seen with Netty 4.2.18,
            // which reports the break before the queue has drained).
            return;
          }
          Buffer buffer = received;
          if (skip > 0) {
            if (skip >= buffer.length()) {
              skip -= buffer.length();
              return;
            }
            buffer = buffer.getBuffer((int) skip, buffer.length());
            skip = 0;
          }
          upstreamBytes += buffer.length();
          if (upstreamBytes > room) {
            // A body that did not declare its length outgrew the disk's room: stop before the
            // node's disk fills; the next request for it streams uncached (BlobService).
            fail(outOfRoom(action + ":", "not cached"));
            return;
          }
          boolean pause;
          try {
            pause = windowNow().add(buffer);
          } catch (RuntimeException | OutOfMemoryError e) {
            // No direct memory for a block: part of this buffer is missing from the window, so
            // going on would only end in a digest failure.
            fail(e);
            return;
          }
          if (pause && !paused) {
            paused = true;
            r.pause();
          }
          writeNext();
        });
    r.exceptionHandler(
        e -> {
          if (response != r) {
            return;
          }
          if (e instanceof UpstreamException ue
              && ue.kind() == UpstreamException.Kind.BAD_RESPONSE) {
            fail(ue); // longer than max-blob-size: asking again would not help
          } else {
            broken(action, e); // a break, a stall (read-timeout) or transfer-timeout
          }
        });
    r.endHandler(
        v -> {
          if (response == r) {
            ended = true;
            windowNow().end();
            writeNext();
          }
        });
    r.resume();
  }

  private void writeNext() {
    if (writing || done.future().isComplete()) {
      return;
    }
    BlobWriter w = writer;
    FanOutWindow win = window;
    if (w == null || win == null) {
      return;
    }
    List<ByteBuf> batch = win.unappended();
    if (batch.isEmpty()) {
      if (ended) {
        writing = true;
        // The digest decides first: once verified, the clients reading memory take their last
        // byte while the publish (a flush of the chunks to their files) is still running.
        storage
            .run(
                () -> {
                  w.verify();
                  return null;
                })
            .compose(
                v -> {
                  win.verified();
                  return storage.run(
                      () -> {
                        BlobInfo info = w.commit();
                        // The blob belongs to the repository it was fetched through.
                        storage
                            .links()
                            .link(repo.upstream().name(), repo.repository().value(), digest);
                        return info;
                      });
                })
            .onComplete(
                ar -> {
                  writing = false;
                  if (ar.succeeded()) {
                    done.tryComplete(ar.result());
                  } else {
                    fail(ar.cause()); // the writer aborted itself: nothing was cached
                  }
                });
      }
      return;
    }
    writing = true;
    AtomicBoolean ran = new AtomicBoolean();
    storage
        .run(
            () -> {
              ran.set(true);
              long bytes = 0;
              try {
                for (ByteBuf b : batch) {
                  bytes += b.readableBytes();
                  w.append(b.nioBuffer());
                }
              } finally {
                batch.forEach(ByteBuf::release);
              }
              return bytes;
            })
        .onComplete(
            ar -> {
              writing = false;
              if (!ran.get()) {
                batch.forEach(ByteBuf::release); // storage closed: the task never ran
              }
              if (ar.failed()) {
                fail(ar.cause());
                return;
              }
              win.appended(ar.result());
              WatchedBody r = response;
              if (paused && r != null && !win.writerBehind()) {
                paused = false;
                r.resume();
              }
              if (done.future().isComplete()) {
                abortWriter(done.future().cause()); // failed while this batch was being stored
              } else {
                writeNext();
              }
            });
  }

  /**
   * The upstream connection broke mid-body: ask again from the first missing byte ({@code Range:
   * bytes=<offset>-}), at most {@link #MAX_RESUMES} times. The writer's hash state simply
   * continues; the digest check at the end still decides. An upstream that ignores the range and
   * sends the whole blob again (200) has the bytes berth already has skipped. A break after no byte
   * is resumed too: the bytes that arrived may still have been queued, unread, when the close was
   * reported (a loaded machine shows it), so "0 bytes" does not mean the upstream sent none.
   */
  private void broken(String action, Throwable e) {
    if (done.future().isComplete()) {
      return;
    }
    UpstreamException failure =
        new UpstreamException(
            UpstreamException.Kind.UNAVAILABLE,
            repo.upstream().name(),
            action + ": " + UpstreamException.brokeAfter(upstreamBytes, e),
            null,
            e);
    // After no byte, once: an upstream that keeps closing right after its head is failing, and
    // each resume would hold the clients for another transfer budget.
    if (resumes >= MAX_RESUMES || (upstreamBytes == 0 && resumes > 0)) {
      fail(failure);
      return;
    }
    resumes++;
    response = null; // from here on, the broken answer's late data is ignored
    paused = false;
    long offset = upstreamBytes;
    String resume = action + " (resuming at byte " + offset + ")";
    client
        .call(repo, get("bytes=" + offset + "-", resume), candidates)
        .onSuccess(
            answer -> {
              WatchedBody r = answer.body();
              if (done.future().isComplete()) {
                r.stop(); // the download failed while the resume was asked for
                return;
              }
              if (answer.status() == 206) {
                String range = answer.contentRange();
                if (range == null || !range.trim().startsWith("bytes " + offset + "-")) {
                  r.stop();
                  fail(
                      new UpstreamException(
                          UpstreamException.Kind.BAD_RESPONSE,
                          repo.upstream().name(),
                          resume + ": answered Content-Range " + range));
                  return;
                }
                skip = 0;
              } else {
                skip = offset;
              }
              response = r;
              stream(r, action);
            })
        .onFailure(this::fail);
  }

  private FanOutWindow windowNow() {
    FanOutWindow w = window;
    if (w == null) {
      throw new IllegalStateException("no window before the upstream answered");
    }
    return w;
  }

  private void fail(Throwable cause) {
    if (!writerReady.tryFail(cause) && done.future().isComplete()) {
      return;
    }
    done.tryFail(cause);
    FanOutWindow win = window;
    if (win != null) {
      win.failed(cause);
    }
    WatchedBody r = response;
    if (r != null && !ended) {
      r.stop(); // stop the upstream transfer
    }
    if (!writing) {
      // While a batch is being stored, the writer is left to it: the batch's completion aborts
      // it. An abort racing an append let the append mark the write as still going, and its
      // followers then waited for an end that never came (a hang seen in HostileUpstreamTest).
      abortWriter(cause);
    }
  }

  private void abortWriter(Throwable cause) {
    BlobWriter w = writer;
    if (w != null) {
      storage
          .run(
              () -> {
                w.abort(cause);
                return null;
              })
          .onFailure(
              // The partial write stays until the next start's cleanup: worth a line, not a
              // failure of its own (the download already failed for the reason it was aborted).
              e -> log.warn("could not abort the partial write of {}: {}", digest, e.toString()));
    }
  }
}
