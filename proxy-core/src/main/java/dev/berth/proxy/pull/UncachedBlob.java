package dev.berth.proxy.pull;

import dev.berth.proxy.upstream.RoutedRepository;
import dev.berth.proxy.upstream.UpstreamClient;
import dev.berth.storage.BlobRange;
import dev.berth.storage.Digest;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import org.jspecify.annotations.Nullable;

/**
 * A blob miss while cache writes are paused: the upstream's answer, streamed to this one client and
 * not stored. A whole blob is verified on its way through (the last bytes are held back until the
 * digest matched, as for a download being cached); a range the upstream answered with 206 is passed
 * on as sent, since a part of a blob cannot be checked against the whole blob's digest.
 *
 * @param upstream the upstream's name, for errors
 * @param response the upstream response, paused, its body not yet read
 * @param size the whole blob's size, -1 when the upstream did not say
 * @param contentRange the upstream's {@code Content-Range} of a 206, null for the whole blob
 * @param finished frees the transfer's download slot; whoever streams the body calls it once the
 *     body ended, failed or was abandoned (calling it again does nothing)
 */
public record UncachedBlob(
    String upstream,
    HttpClientResponse response,
    Digest digest,
    long size,
    @Nullable String contentRange,
    Runnable finished) {

  /** Whether this is a part of the blob, passed through unverified. */
  public boolean partial() {
    return contentRange != null;
  }

  /** Bytes in the body, -1 when unknown. */
  public long bodyLength() {
    return UpstreamClient.contentLength(response);
  }

  static Future<UncachedBlob> fetch(
      UpstreamClient client,
      RoutedRepository repo,
      Digest digest,
      BlobRange range,
      Candidates candidates,
      Runnable finished) {
    String action = "GET blob " + repo + "@" + digest + " (uncached)";
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    if (!range.isAll()) {
      headers.add("Range", rangeHeader(range));
    }
    return client
        .send(repo, HttpMethod.GET, "blobs/" + digest, headers, action, candidates.list())
        .compose(r -> UpstreamClient.expect(r, repo.upstream().name(), action, 200, 206))
        .map(
            r -> {
              if (r.statusCode() == 206) {
                String contentRange = r.getHeader("Content-Range");
                return new UncachedBlob(
                    repo.upstream().name(),
                    r,
                    digest,
                    totalOf(contentRange),
                    contentRange,
                    finished);
              }
              // A 200 to a range request is the whole blob, which a client must accept (RFC 9110).
              return new UncachedBlob(
                  repo.upstream().name(),
                  r,
                  digest,
                  UpstreamClient.contentLength(r),
                  null,
                  finished);
            });
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
