package dev.berth.proxy.pull;

import dev.berth.proxy.upstream.Candidates;
import dev.berth.proxy.upstream.RoutedRepository;
import dev.berth.proxy.upstream.UpstreamClient;
import dev.berth.proxy.upstream.WatchedBody;
import dev.berth.proxy.upstream.calls.BlobGet;
import dev.berth.storage.BlobRange;
import dev.berth.storage.Digest;
import io.vertx.core.Future;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A blob miss while cache writes are paused (or a proof by bytes, see {@code BlobService}): the
 * upstream's answer, streamed to this one client and not stored. A whole blob is verified on its
 * way through (the last bytes are held back until the digest matched, as for a download being
 * cached); a range the upstream answered with 206 is passed on as sent, since a part of a blob
 * cannot be checked against the whole blob's digest.
 *
 * @param upstream the upstream's name, for errors
 * @param body the upstream body, paused, not yet read, bounded in bytes and time
 * @param size the whole blob's size, -1 when the upstream did not say
 * @param bodyLength bytes in the body, -1 when not said
 * @param contentRange the upstream's {@code Content-Range} of a 206, null for the whole blob
 * @param finished frees the transfer's download slot; whoever streams the body calls it once the
 *     body ended, failed or was abandoned (calling it again does nothing)
 * @param verified called once the whole body hashed to the digest; the last byte goes to the client
 *     when its future completes (a proof by bytes is recorded first, so that the client's next
 *     request finds it)
 */
public record UncachedBlob(
    String upstream,
    WatchedBody body,
    Digest digest,
    long size,
    long bodyLength,
    @Nullable String contentRange,
    Runnable finished,
    Supplier<Future<?>> verified) {

  /** Whether this is a part of the blob, passed through unverified. */
  public boolean partial() {
    return contentRange != null;
  }

  static Future<UncachedBlob> fetch(
      UpstreamClient client,
      RoutedRepository repo,
      Digest digest,
      BlobRange range,
      Candidates candidates,
      Runnable finished,
      Supplier<Future<?>> verified) {
    var config = repo.upstream().config();
    BlobGet get =
        new BlobGet(
            digest,
            range.isAll() ? null : rangeHeader(range),
            config.maxBlobSize(),
            config.transferTimeout(),
            "GET blob " + repo + "@" + digest + " (uncached)");
    return client
        .call(repo, get, candidates)
        .map(
            answer ->
                new UncachedBlob(
                    repo.upstream().name(),
                    answer.body(),
                    digest,
                    answer.contentRange() != null
                        ? totalOf(answer.contentRange())
                        : answer.contentLength(),
                    answer.contentLength(),
                    answer.contentRange(),
                    finished,
                    verified));
  }

  static String rangeHeader(BlobRange range) {
    if (range instanceof BlobRange.Closed c) {
      return "bytes=" + c.first() + "-" + c.last();
    }
    if (range instanceof BlobRange.From f) {
      return "bytes=" + f.first() + "-";
    }
    if (range instanceof BlobRange.Suffix s) {
      return "bytes=-" + s.length();
    }
    throw new IllegalArgumentException("no Range header for " + range);
  }

  /** The total of {@code bytes a-b/total}, -1 when absent or {@code *}. */
  private static long totalOf(@Nullable String contentRange) {
    if (contentRange == null) {
      return -1;
    }
    int slash = contentRange.lastIndexOf('/');
    try {
      return slash < 0 ? -1 : Long.parseLong(contentRange.substring(slash + 1).trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
