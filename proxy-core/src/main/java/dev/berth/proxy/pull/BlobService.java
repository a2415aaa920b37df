package dev.berth.proxy.pull;

import dev.berth.proxy.upstream.Candidates;
import dev.berth.proxy.upstream.RoutedRepository;
import dev.berth.proxy.upstream.UpstreamClient;
import dev.berth.proxy.upstream.calls.BlobHead;
import dev.berth.storage.BlobRange;
import dev.berth.storage.BlobReader;
import dev.berth.storage.BlobWriter;
import dev.berth.storage.Digest;
import dev.berth.storage.DiskFullException;
import io.vertx.core.Future;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Blob requests: a cache hit streams from storage; a miss joins the one {@link BlobDownload} for
 * that digest (starting it when there is none) and reads it from the download's memory while it
 * keeps up, from storage otherwise. While cache writes are paused (full disk) a miss streams from
 * the upstream uncached instead. Blob bytes are shared across repositories of an upstream; who may
 * read which repository is decided before this.
 *
 * <p>Upstream transfers, cached or not, are capped at {@code maxDownloads}; a miss that would start
 * one more fails fast with {@link DownloadLimitException}, while joining a running download is
 * always allowed.
 */
public final class BlobService {
  private final UpstreamClient client;
  private final StorageAccess storage;
  private final LinkProof links;

  /**
   * Downloads in flight, by digest and by whether they go to a peer replica (the blob's owner). A
   * request a peer sent never joins one that goes to a peer: while two replicas disagree on the
   * owner (for a moment, as membership changes), each would wait for the other until the timeout.
   * It joins one that goes to the registry, as every request of the owner's own clients does.
   */
  private final Map<DownloadKey, BlobDownload> downloads = new ConcurrentHashMap<>();

  private record DownloadKey(Digest digest, boolean toPeer) {}

  private DownloadKey key(Digest digest, Candidates candidates) {
    return new DownloadKey(digest, client.forwardsToPeer(digest, candidates));
  }

  private final AtomicLong coalesced = new AtomicLong();
  private final AtomicLong started = new AtomicLong();
  private final AtomicLong uncachedServed = new AtomicLong();
  private final AtomicLong fanOutJoined = new AtomicLong();
  private final AtomicInteger transfers = new AtomicInteger();
  private final int maxDownloads;
  private final FanOutMemory fanOutMemory;
  private final long fanOutWindow;

  /**
   * Blobs whose body outgrew the disk's room above {@code min-free} without declaring its length:
   * the next requests stream them uncached instead of failing the same way again.
   */
  private final com.github.benmanes.caffeine.cache.Cache<Digest, Boolean> tooBigForDisk =
      com.github.benmanes.caffeine.cache.Caffeine.newBuilder()
          .maximumSize(10_000)
          .expireAfterWrite(java.time.Duration.ofMinutes(10))
          .build();

  public BlobService(UpstreamClient client, StorageAccess storage, int maxDownloads) {
    this(client, storage, maxDownloads, new FanOutMemory(64L << 20), 8L << 20);
  }

  /**
   * @param fanOutMemory what all live downloads may hold in memory for their clients together
   * @param fanOutWindow what one live download may hold before its upstream pauses for the writer
   */
  public BlobService(
      UpstreamClient client,
      StorageAccess storage,
      int maxDownloads,
      FanOutMemory fanOutMemory,
      long fanOutWindow) {
    this.fanOutMemory = fanOutMemory;
    this.fanOutWindow = fanOutWindow;
    this.client = client;
    this.storage = storage;
    this.links = new LinkProof(client, storage);
    this.maxDownloads = maxDownloads;
  }

  /**
   * Opens a blob for reading.
   *
   * @param headOnly a {@code HEAD}: size only, and a miss asks the upstream's {@code HEAD} instead
   *     of downloading
   * @param cacheOnly policy {@code never}: a miss fails with {@link NotCachedException}
   */
  public Future<BlobSource> open(
      RoutedRepository repo,
      Digest digest,
      BlobRange range,
      boolean headOnly,
      boolean cacheOnly,
      Candidates candidates) {
    return lookup(repo, digest, range, headOnly, true)
        .compose(
            found -> {
              if (found.source() != null) {
                return Future.succeededFuture(found.source());
              }
              if (found.unlinked() && !cacheOnly && !found.sameUpstream() && !headOnly) {
                // Fetched through another upstream: only bytes from this one that hash to the
                // digest prove it has them (issue 13, defect 6). They stream to this client as
                // an uncached miss and link the repository once verified.
                return uncached(repo, digest, range, candidates, true);
              }
              if (found.unlinked() && !cacheOnly && found.sameUpstream()) {
                // Cached through another repository of this upstream: a HEAD through this one
                // proves it has it too.
                return links
                    .proveBlob(repo, digest, candidates)
                    .compose(v -> lookup(repo, digest, range, headOnly, false))
                    .compose(
                        again ->
                            again.source() != null
                                ? Future.succeededFuture(again.source())
                                : miss(repo, digest, range, headOnly, false, candidates));
              }
              return miss(repo, digest, range, headOnly, cacheOnly, candidates);
            });
  }

  /**
   * What storage holds for {@code repo}: a source to serve, or nothing; {@code unlinked} when the
   * blob is stored but does not belong to {@code repo} yet.
   */
  private record Found(@Nullable BlobSource source, boolean unlinked, boolean sameUpstream) {
    Found(@Nullable BlobSource source) {
      this(source, false, false);
    }
  }

  /**
   * One storage round trip: stat, link check (unless {@code repo} was just proven to have the blob)
   * and, for a GET, opening the reader.
   */
  private Future<Found> lookup(
      RoutedRepository repo, Digest digest, BlobRange range, boolean headOnly, boolean checkLink) {
    String upstream = repo.upstream().name();
    String repository = repo.repository().value();
    return storage.run(
        () -> {
          var info = storage.blobs().stat(digest);
          if (info.isEmpty()) {
            return new Found(null);
          }
          if (checkLink && !storage.links().isLinked(upstream, repository, digest)) {
            return new Found(null, true, LinkProof.fromSameServer(storage.links(), repo, digest));
          }
          if (headOnly) {
            range.resolve(info.get().size()); // 416 for HEAD too
            return new Found(new BlobSource.HeadOnly(info.get().size(), true));
          }
          return new Found(
              storage
                  .blobs()
                  .openReader(digest, range)
                  .map(
                      reader -> (BlobSource) new BlobSource.Stored(info.get().size(), reader, true))
                  .orElse(null));
        });
  }

  /** Not servable from storage: fetch it (or, for policy {@code never}, refuse). */
  private Future<BlobSource> miss(
      RoutedRepository repo,
      Digest digest,
      BlobRange range,
      boolean headOnly,
      boolean cacheOnly,
      Candidates candidates) {
    BlobDownload publishing = downloads.get(key(digest, candidates));
    if (publishing != null && publishing.verified()) {
      // All its bytes are in and verified; only the publish runs (milliseconds). A client that
      // got its last byte and asks again (GET, HEAD, policy never) waits for it and is served
      // the stored blob, a hit, as it expects.
      return publishing
          .done()
          .transform(ar -> open(repo, digest, range, headOnly, cacheOnly, candidates));
    }
    if (cacheOnly) {
      return Future.failedFuture(
          new NotCachedException(
              repo + "@" + digest + " is not cached and the pull policy is never"));
    }
    return headOnly
        ? headUpstream(repo, digest, candidates)
        : follow(repo, digest, range, candidates);
  }

  private Future<BlobSource> follow(
      RoutedRepository repo, Digest digest, BlobRange range, Candidates candidates) {
    if (!storage.writes().accepting() || tooBigForDisk.getIfPresent(digest) != null) {
      return uncached(repo, digest, range, candidates, false);
    }
    boolean[] created = {false};
    BlobDownload download;
    try {
      download =
          downloads.computeIfAbsent(
              key(digest, candidates),
              d -> {
                takeTransferSlot();
                created[0] = true;
                return new BlobDownload(
                    repo, digest, client, storage, candidates, fanOutMemory, fanOutWindow);
              });
    } catch (DownloadLimitException e) {
      return Future.failedFuture(e);
    }
    if (created[0]) {
      started.incrementAndGet();
      download
          .done()
          .onComplete(
              ar -> {
                transfers.decrementAndGet();
                downloads.remove(key(digest, candidates), download);
                if (ar.failed() && ar.cause() instanceof DiskFullException) {
                  tooBigForDisk.put(digest, Boolean.TRUE);
                }
              });
      download.start();
    } else {
      coalesced.incrementAndGet();
    }
    // A download the full disk stops before this client got a byte is served again uncached
    // (cache writes are paused by then); decided here, once, for every way it can happen.
    Recovery recovery =
        failure ->
            causedByFullDisk(failure)
                ? uncached(repo, digest, range, candidates, false)
                : Future.failedFuture(failure);
    return download
        .writerReady()
        .compose(writer -> join(download, writer, range, recovery))
        .recover(recovery::after);
  }

  /** Memory while the client keeps up with the download (storage behind), else storage. */
  private Future<BlobSource> join(
      BlobDownload download, BlobWriter writer, BlobRange range, Recovery recovery) {
    FanOutWindow window = download.window();
    if (window != null && window.size() >= 0) {
      BlobRange.Resolved r;
      try {
        r = range.resolve(window.size());
      } catch (RuntimeException e) {
        return Future.failedFuture(e); // 416
      }
      FanOutWindow.Cursor cursor = window.open(r.start(), r.endExclusive());
      if (cursor != null) {
        LongFunction<Future<BlobReader>> rest =
            position ->
                storage.run(() -> writer.follow(BlobRange.closed(position, r.endExclusive() - 1)));
        fanOutJoined.incrementAndGet();
        return Future.succeededFuture(new BlobSource.Live(new LiveBlob(cursor, r, rest), recovery));
      }
    }
    return storage
        .run(() -> writer.follow(range))
        .map(reader -> new BlobSource.Stored(reader.blobSizeIfKnown(), reader, false, recovery));
  }

  private static boolean causedByFullDisk(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof DiskFullException) {
        return true;
      }
    }
    return false;
  }

  /**
   * Streams the upstream's answer through without storing it; the slot frees when it ends.
   *
   * @param linkWhenVerified record that {@code repo} has the blob once the whole body hashed to the
   *     digest (a proof from an upstream the cached copy did not come from)
   */
  private Future<BlobSource> uncached(
      RoutedRepository repo,
      Digest digest,
      BlobRange range,
      Candidates candidates,
      boolean linkWhenVerified) {
    try {
      takeTransferSlot();
    } catch (DownloadLimitException e) {
      return Future.failedFuture(e);
    }
    AtomicBoolean released = new AtomicBoolean();
    Runnable release =
        () -> {
          if (released.compareAndSet(false, true)) {
            transfers.decrementAndGet();
          }
        };
    Supplier<Future<?>> verified =
        linkWhenVerified ? () -> links.link(repo, digest) : Future::succeededFuture;
    return UncachedBlob.fetch(client, repo, digest, range, candidates, release, verified)
        .onSuccess(blob -> uncachedServed.incrementAndGet())
        .onFailure(e -> release.run())
        .map(blob -> new BlobSource.Uncached(blob));
  }

  private void takeTransferSlot() {
    if (transfers.incrementAndGet() > maxDownloads) {
      transfers.decrementAndGet();
      throw new DownloadLimitException(maxDownloads);
    }
  }

  private Future<BlobSource> headUpstream(
      RoutedRepository repo, Digest digest, Candidates candidates) {
    return client
        .call(repo, new BlobHead(digest, "blob " + repo), candidates)
        .map(size -> new BlobSource.HeadOnly(size, false));
  }

  /** Upstream downloads started. */
  public long downloadsStarted() {
    return started.get();
  }

  /** Requests that joined a download already running. */
  public long coalescedCount() {
    return coalesced.get();
  }

  /** Blob misses streamed from the upstream without caching (cache writes were paused). */
  public long uncachedCount() {
    return uncachedServed.get();
  }

  /** Clients that read a live download from its memory (at first; some fall back to storage). */
  public long fanOutCount() {
    return fanOutJoined.get();
  }

  /** The memory live downloads hold for their clients. */
  public FanOutMemory fanOutMemory() {
    return fanOutMemory;
  }

  public int inFlightCount() {
    return downloads.size();
  }
}
