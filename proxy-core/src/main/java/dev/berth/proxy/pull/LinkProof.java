package dev.berth.proxy.pull;

import dev.berth.proxy.upstream.RoutedRepository;
import dev.berth.proxy.upstream.UpstreamClient;
import dev.berth.storage.Digest;
import dev.berth.storage.DiskFullException;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;

/**
 * Content cached through one repository is served through another only after the upstream confirms,
 * with this request's credentials, that the other repository has it too (a {@code HEAD} through
 * that repository); then the link is recorded so the next request is local. This closes the
 * cross-repository digest probe: knowing the digest of someone else's private layer is not enough
 * to read it through your own repository.
 */
final class LinkProof {
  private final UpstreamClient client;
  private final StorageAccess storage;

  LinkProof(UpstreamClient client, StorageAccess storage) {
    this.client = client;
    this.storage = storage;
  }

  /**
   * @param path {@code manifests/<digest>} or {@code blobs/<digest>}
   * @return succeeds once linked; fails with the upstream's answer (404, 401, …) otherwise
   */
  Future<Void> prove(
      RoutedRepository repo, String path, Digest digest, Candidates candidates, String what) {
    String action = "HEAD " + what.toLowerCase(java.util.Locale.ROOT) + " " + repo + "@" + digest;
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    if (path.startsWith("manifests/")) {
      headers.add("Accept", dev.berth.proxy.image.MediaTypes.UPSTREAM_ACCEPT_HEADER);
    }
    return client
        .send(repo, HttpMethod.HEAD, path, headers, action, candidates.list())
        .compose(r -> UpstreamClient.expect(r, repo.upstream().name(), action, 200))
        .compose(
            r -> {
              UpstreamClient.discard(r);
              return storage
                  .<Void>run(
                      () -> {
                        storage
                            .links()
                            .link(repo.upstream().name(), repo.repository().value(), digest);
                        return null;
                      })
                  // Proven all the same; on a full disk it is only not remembered.
                  .recover(
                      e ->
                          e instanceof DiskFullException
                              ? Future.succeededFuture()
                              : Future.failedFuture(e));
            });
  }
}
