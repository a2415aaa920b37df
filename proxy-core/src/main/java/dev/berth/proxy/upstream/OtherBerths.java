package dev.berth.proxy.upstream;

import dev.berth.auth.credential.Credential;
import io.vertx.core.Future;
import java.net.URI;
import java.util.List;
import java.util.Optional;

/**
 * The other berths a call goes to before the registry, in order: the blob's owning replica in the
 * cluster tier ({@link PeerRing}), then the upstream's parent ({@link ParentTier}), each with
 * {@code ns=} and the client's credential only. An answer from one of them is final, a failure of
 * the registry it relays ({@link UpstreamException#RELAYED_HEADER}) included; one that does not
 * answer is skipped for a while and the next is asked, the registry last.
 */
final class OtherBerths {
  /** One exchange with a target's upstream, {@code query} added to the call's path. */
  @FunctionalInterface
  interface Exchanger {
    <T> Future<T> exchange(
        RoutedRepository target,
        RegistryCall<T> call,
        List<Optional<Credential>> candidates,
        String query);
  }

  private final PeerRing peers;
  private final ParentTier parents;

  OtherBerths(PeerRing peers, ParentTier parents) {
    this.peers = peers;
    this.parents = parents;
  }

  boolean forwardsToPeer(dev.berth.storage.Digest digest, Candidates candidates) {
    return !candidates.fromPeer() && peers.owner(digest).filter(parents::isUp).isPresent();
  }

  <T> Future<T> call(
      RoutedRepository target, RegistryCall<T> call, Candidates candidates, Exchanger exchange) {
    Optional<URI> owner =
        candidates.fromPeer()
            ? Optional.empty()
            : call.blobBytes().flatMap(peers::owner).filter(parents::isUp);
    if (owner.isEmpty()) {
      return viaParentOrDirect(target, call, candidates, exchange);
    }
    return besideRegistry(
        owner.get(),
        "owning replica",
        target,
        new PeerCall<>(call, peers.token()),
        candidates,
        exchange,
        () -> viaParentOrDirect(target, call, candidates, exchange));
  }

  private <T> Future<T> viaParentOrDirect(
      RoutedRepository target, RegistryCall<T> call, Candidates candidates, Exchanger exchange) {
    Optional<URI> parent = parents.usable(target.upstream());
    if (parent.isEmpty()) {
      return exchange.exchange(target, call, candidates.list(), "");
    }
    return besideRegistry(
        parent.get(),
        "parent",
        target,
        call,
        candidates,
        exchange,
        () -> exchange.exchange(target, call, candidates.list(), ""));
  }

  /**
   * Asks another berth ({@code other}: a parent, a peer replica) for {@code target} with {@code
   * ns=} and the client's credential only; its answer is final, unless it does not answer: then
   * {@code otherwise}.
   */
  private <T> Future<T> besideRegistry(
      URI other,
      String role,
      RoutedRepository target,
      RegistryCall<T> call,
      Candidates candidates,
      Exchanger exchange,
      java.util.function.Supplier<Future<T>> otherwise) {
    return exchange
        .exchange(
            ParentTier.via(target, other),
            call,
            candidates.forParent().list(),
            ParentTier.nsParameter(target.upstream()))
        .transform(
            ar -> {
              if (ar.succeeded()) {
                parents.answered(other);
                return Future.succeededFuture(ar.result());
              }
              // A registry failure the other berth relayed is its answer: asking the registry
              // again from here would only double the load on it.
              if (ar.cause() instanceof UpstreamException ue
                  && ue.kind() == UpstreamException.Kind.UNAVAILABLE
                  && !ue.relayed()) {
                parents.failed(other, role, target.upstream(), ue);
                return otherwise.get();
              }
              parents.answered(other); // it answered, with a refusal or a 404
              return Future.failedFuture(ar.cause());
            });
  }
}
