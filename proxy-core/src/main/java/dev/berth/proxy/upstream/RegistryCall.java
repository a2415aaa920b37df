package dev.berth.proxy.upstream;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;

/**
 * One registry endpoint as berth uses it: the request it sends under {@code /v2/<repository>/}, the
 * statuses whose answer it can use, and how it reads that answer within bounds. {@link
 * UpstreamClient#call} owns everything else (credentials, challenges, redirects, timeouts, mapping
 * other statuses to typed {@link UpstreamException}s), so an endpoint class says only what differs
 * between endpoints. The classes are in {@code upstream.calls}.
 *
 * @param <T> what the endpoint yields
 */
public interface RegistryCall<T> {
  HttpMethod method();

  /** The path after {@code /v2/<repository>/}, with its query, e.g. {@code tags/list?n=10}. */
  String path();

  /** Request headers ({@code Accept}, {@code Range}); empty by default. */
  default MultiMap headers() {
    return MultiMap.caseInsensitiveMultiMap();
  }

  /**
   * The blob whose bytes this call fetches, if it does: such a call goes to the blob's owner in the
   * cluster tier ({@link PeerRing}) before the registry.
   */
  default java.util.Optional<dev.berth.storage.Digest> blobBytes() {
    return java.util.Optional.empty();
  }

  /** What is being done, for messages: {@code HEAD manifest library/nginx:1.25}. */
  String action();

  /** Whether {@link #read} takes an answer with this status; any other becomes a failure. */
  boolean accepts(int status);

  /**
   * Makes the result from an accepted answer. Implementations read the body only through {@code
   * answer} (bounded in bytes and time) and must consume or discard it.
   */
  Future<T> read(Answer answer);
}
