package dev.berth.proxy.pull;

import dev.berth.proxy.upstream.Candidates;
import dev.berth.proxy.upstream.RoutedRepository;
import dev.berth.proxy.upstream.UpstreamClient;
import dev.berth.proxy.upstream.calls.BlobHead;
import dev.berth.proxy.upstream.calls.ManifestHead;
import dev.berth.storage.Digest;
import dev.berth.storage.DiskFullException;
import dev.berth.storage.LinkStore;
import io.vertx.core.Future;

/**
 * Content cached through one repository is served through another only after the upstream confirms,
 * with this request's credentials, that the other repository has it too (a {@code HEAD} through
 * that repository); then the link is recorded so the next request is local. This closes the
 * cross-repository digest probe: knowing the digest of someone else's private layer is not enough
 * to read it through your own repository.
 *
 * <p>A HEAD is only a proof from the upstream the content was fetched from (callers check {@code
 * LinkStore.isLinkedOnUpstream} first): any other upstream could answer 200 to every HEAD. Content
 * from another upstream is proven by a GET whose bytes hash to the digest (issue 13, defect 6).
 */
final class LinkProof {
  private final UpstreamClient client;
  private final StorageAccess storage;

  LinkProof(UpstreamClient client, StorageAccess storage) {
    this.client = client;
    this.storage = storage;
  }

  /**
   * Whether {@code digest} was fetched through {@code repo}'s server (its upstream, or another
   * upstream entry with the same URL): only then is a {@code HEAD} through {@code repo} a proof.
   * Blocking (storage).
   */
  static boolean fromSameServer(LinkStore links, RoutedRepository repo, Digest digest) {
    return repo.upstream().sameServerNames().stream()
        .anyMatch(name -> links.isLinkedOnUpstream(name, digest));
  }

  /** Succeeds once linked; fails with the upstream's answer (404, 401, …) otherwise. */
  Future<Void> proveManifest(RoutedRepository repo, Digest digest, Candidates candidates) {
    return client
        .call(repo, new ManifestHead(digest.toString(), repo + "@" + digest), candidates)
        .compose(head -> link(repo, digest));
  }

  /** Succeeds once linked; fails with the upstream's answer (404, 401, …) otherwise. */
  Future<Void> proveBlob(RoutedRepository repo, Digest digest, Candidates candidates) {
    return client
        .call(repo, new BlobHead(digest, "blob " + repo), candidates)
        .compose(size -> link(repo, digest));
  }

  /** Records that {@code repo} has {@code digest}, once proven. */
  Future<Void> link(RoutedRepository repo, Digest digest) {
    return storage
        .<Void>run(
            () -> {
              storage.links().link(repo.upstream().name(), repo.repository().value(), digest);
              return null;
            })
        // Proven all the same; on a full disk it is only not remembered.
        .recover(
            e ->
                e instanceof DiskFullException ? Future.succeededFuture() : Future.failedFuture(e));
  }
}
