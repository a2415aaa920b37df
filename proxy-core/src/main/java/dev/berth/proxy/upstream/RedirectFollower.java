package dev.berth.proxy.upstream;

import dev.berth.proxy.config.AddressRange;
import io.vertx.core.Future;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.URI;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The next hop of a redirect, followed by hand: at most {@link #MAX_REDIRECTS} of them, the {@code
 * Location} resolved against the URL that answered and judged by {@link RedirectPolicy}, and a host
 * name resolved and its addresses checked before berth connects to one of them.
 */
final class RedirectFollower {
  static final int MAX_REDIRECTS = 10;

  /** Where the next hop goes: the URL, and the address checked for it (null: Vert.x resolves). */
  record Hop(URI url, @Nullable SocketAddress address) {}

  private final UpstreamClient.HostResolver resolver;

  RedirectFollower(UpstreamClient.HostResolver resolver) {
    this.resolver = resolver;
  }

  /**
   * The hop to {@code location}, which {@code url} answered with after {@code redirects} redirects
   * of {@code call}; a failed future when it must not be followed.
   */
  Future<Hop> next(Exchange call, URI url, String location, int redirects) {
    if (redirects >= MAX_REDIRECTS) {
      return Future.failedFuture(
          call.failure(
              UpstreamException.Kind.BAD_RESPONSE, "more than " + MAX_REDIRECTS + " redirects"));
    }
    URI next;
    try {
      next = url.resolve(location.trim());
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(
          call.failure(
              UpstreamException.Kind.BAD_RESPONSE, "redirect to a Location that is not a URL"));
    }
    Optional<String> refused = RedirectPolicy.problem(next, call.upstream().url());
    if (refused.isPresent()) {
      return Future.failedFuture(
          call.failure(UpstreamException.Kind.BAD_RESPONSE, refused.get() + " refused"));
    }
    return checkedAddress(call, next).map(address -> new Hop(next, address));
  }

  /**
   * The address to connect to for a redirect to {@code next}, or null to let Vert.x resolve it. A
   * host name (a CDN) is resolved here and refused when any of its addresses is local (loopback,
   * link-local, wildcard) while the upstream is not: {@link RedirectPolicy} judges only what is
   * written, and a name such as {@code evil.example -> 127.0.0.1} would otherwise reach berth's
   * admin port. The connection then goes to the address checked, so a second DNS answer cannot
   * differ (rebinding); the name stays the {@code Host} and TLS server name.
   */
  private Future<@Nullable SocketAddress> checkedAddress(Exchange call, URI next) {
    String host = next.getHost();
    if (UpstreamClient.sameHost(next, call.upstream().url())
        || RedirectPolicy.isLocal(call.upstream().url().getHost())
        || host.startsWith("[")
        || AddressRange.literal(host).isPresent()) {
      return Future.succeededFuture(null); // a literal was judged by RedirectPolicy already
    }
    return resolver
        .resolve(host)
        .recover(
            e ->
                Future.failedFuture(
                    new UpstreamException(
                        UpstreamException.Kind.UNAVAILABLE,
                        call.upstream().name(),
                        call.action() + ": cannot resolve redirect host " + host,
                        null,
                        e)))
        .compose(
            addresses -> {
              for (InetAddress a : addresses) {
                if (RedirectPolicy.isLocalAddress(a)) {
                  return Future.failedFuture(
                      call.failure(
                          UpstreamException.Kind.BAD_RESPONSE,
                          "redirect to "
                              + host
                              + ", which resolves to a loopback or link-local address ("
                              + a.getHostAddress()
                              + "), where the upstream itself is not, refused"));
                }
              }
              if (addresses.isEmpty()) {
                return Future.failedFuture(
                    call.failure(
                        UpstreamException.Kind.UNAVAILABLE,
                        "redirect host " + host + " has no address"));
              }
              return Future.succeededFuture(
                  SocketAddress.inetSocketAddress(
                      UpstreamClient.effectivePort(next), addresses.get(0).getHostAddress()));
            });
  }
}
