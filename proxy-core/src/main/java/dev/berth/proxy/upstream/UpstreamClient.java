package dev.berth.proxy.upstream;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.berth.auth.challenge.AuthChallenge;
import dev.berth.auth.challenge.TokenCache;
import dev.berth.auth.challenge.TokenRequest;
import dev.berth.auth.credential.Credential;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Sends requests to upstream registries over one pooled Vert.x client, handling what every call
 * needs: credential candidates tried in order (a 401 or 403 moves on to the next, the one that
 * worked is remembered per repository), Basic and Bearer challenges (learned per upstream on the
 * first 401; tokens from {@link TokenCache}, per credential: {@link UpstreamAuthorization}),
 * redirects (followed by hand so that {@code Authorization} never reaches another host, e.g. Docker
 * Hub's blob CDN; each hop checked by {@link RedirectFollower}), and the mapping of failures to
 * {@link UpstreamException} ({@link UpstreamFailures}). Secrets never appear in messages.
 *
 * <p>Every registry endpoint is a {@link RegistryCall} (classes in {@code upstream.calls}) made
 * through {@link #call}, which also owns the timeouts and hands the answer over as an {@link
 * Answer} whose body can only be read within bounds.
 */
public final class UpstreamClient {
  /** Identifies berth to upstream registries and their logs. */
  static final String USER_AGENT =
      "berth/"
          + java.util.Objects.requireNonNullElse(
              UpstreamClient.class.getPackage().getImplementationVersion(), "dev");

  private final HttpClient http;
  private final UpstreamAuthorization authorization;
  private final RedirectFollower redirectFollower;

  /** The credential id that worked last per upstream repository. */
  private final Cache<String, String> working =
      Caffeine.newBuilder().maximumSize(100_000).expireAfterAccess(Duration.ofHours(1)).build();

  private final UpstreamObserver observer;
  private final OtherBerths otherBerths;

  /** Monotonic time for deadlines and stall checks; injected so tests can move it. */
  private final LongSupplier nanoTime;

  public UpstreamClient(
      HttpClient http, UpstreamTimeouts timeouts, Clock clock, UpstreamObserver observer) {
    this(http, timeouts, clock, observer, System::nanoTime, null);
  }

  public UpstreamClient(
      HttpClient http,
      UpstreamTimeouts timeouts,
      Clock clock,
      UpstreamObserver observer,
      LongSupplier nanoTime,
      @Nullable HostResolver resolver) {
    this(http, timeouts, clock, observer, nanoTime, resolver, PeerRing.NONE);
  }

  /**
   * @param peers the cluster tier's replicas: a blob's bytes come from its owner among them
   */
  public UpstreamClient(
      HttpClient http,
      UpstreamTimeouts timeouts,
      Clock clock,
      UpstreamObserver observer,
      LongSupplier nanoTime,
      @Nullable HostResolver resolver,
      PeerRing peers) {
    this.http = http;
    this.redirectFollower =
        new RedirectFollower(
            resolver != null
                ? resolver
                : host ->
                    context()
                        .owner()
                        .executeBlocking(() -> List.of(InetAddress.getAllByName(host)), false));
    this.observer = observer;
    this.otherBerths = new OtherBerths(peers, new ParentTier(clock));
    this.nanoTime = nanoTime;
    this.authorization =
        new UpstreamAuthorization(
            new TokenCache(new VertxTokenEndpoint(http, timeouts, clock, nanoTime), clock));
  }

  /** Tokens fetched so far; for metrics and tests. */
  public long tokenFetches() {
    return authorization.tokenFetches();
  }

  /**
   * Makes one registry call for {@code target}, trying {@code candidates} in order (an empty
   * Optional is anonymous; a 401 or 403 moves on to the next one, and the one that worked last time
   * for this repository goes first). An answer {@code call} does not accept becomes an {@link
   * UpstreamException} of the matching kind; an accepted one is read by {@code call} within the
   * upstream's bounds: {@code connect-timeout}, {@code read-timeout} for the first byte and between
   * bytes, and {@code request-timeout} for the whole exchange (a blob body has its own total, see
   * {@link Answer#stream}).
   *
   * <p>An upstream with a {@code parent} is asked through it first, with the client's credential
   * only ({@link ParentTier}); when the parent does not answer, the registry itself is asked with
   * every candidate.
   */
  public <T> Future<T> call(RoutedRepository target, RegistryCall<T> call, Candidates candidates) {
    return otherBerths.call(target, call, candidates, this::exchange);
  }

  /** Whether a GET of {@code digest}'s bytes goes to its owner among the tier's replicas. */
  public boolean forwardsToPeer(dev.berth.storage.Digest digest, Candidates candidates) {
    return otherBerths.forwardsToPeer(digest, candidates);
  }

  /** One exchange with {@code target}'s upstream; {@code query} is added to the call's path. */
  private <T> Future<T> exchange(
      RoutedRepository target,
      RegistryCall<T> call,
      List<Optional<Credential>> candidates,
      String query) {
    Upstream upstream = target.upstream();
    long deadline = nanoTime.getAsLong() + upstream.config().requestTimeout().toNanos();
    String path = call.path();
    if (!query.isEmpty()) {
      path += (path.indexOf('?') >= 0 ? "&" : "?") + query;
    }
    URI url =
        URI.create(
            trimSlash(upstream.url().toString()) + "/v2/" + target.repository() + "/" + path);
    Exchange sent = new Exchange(target, call.method(), call.headers(), call.action(), deadline);
    return tryCandidate(sent, url, rememberedFirst(target, candidates), 0)
        .compose(
            response -> {
              Answer answer = answer(sent, response);
              int status = response.statusCode();
              if (!call.accepts(status)) {
                answer.discard();
                return Future.failedFuture(
                    UpstreamFailures.failure(status, upstream.name(), call.action(), response));
              }
              return call.read(answer);
            });
  }

  /**
   * The context the answer's timers run on: the current one, or (a caller outside Vert.x, such as a
   * test) one of the client's event loops; the response's own callbacks stay where Vert.x puts
   * them.
   */
  private io.vertx.core.Context context() {
    io.vertx.core.Context current = io.vertx.core.Vertx.currentContext();
    return current != null
        ? current
        : ((io.vertx.core.internal.http.HttpClientInternal) http).vertx().getOrCreateContext();
  }

  private Answer answer(Exchange call, HttpClientResponse response) {
    return new Answer(
        response,
        context(),
        call.upstream().name(),
        call.action(),
        call.upstream().config().readTimeout(),
        call.deadline(),
        nanoTime);
  }

  private List<Optional<Credential>> rememberedFirst(
      RoutedRepository target, List<Optional<Credential>> candidates) {
    if (candidates.isEmpty()) {
      return List.of(Optional.empty());
    }
    String remembered = working.getIfPresent(target.toString());
    if (remembered == null || candidates.size() == 1) {
      return candidates;
    }
    List<Optional<Credential>> ordered = new ArrayList<>(candidates.size());
    for (Optional<Credential> c : candidates) {
      if (idOf(c).equals(remembered)) {
        ordered.add(0, c);
      } else {
        ordered.add(c);
      }
    }
    return ordered;
  }

  private Future<HttpClientResponse> tryCandidate(
      Exchange call, URI url, List<Optional<Credential>> ordered, int index) {
    Optional<Credential> credential = ordered.get(index);
    boolean more = index + 1 < ordered.size();
    AuthChallenge cached = authorization.known(call.upstream().name());
    return authorization
        .authorization(call, credential, null)
        .recover(
            e -> {
              // The challenge was learned from another repository of this upstream and its realm
              // failed: forget it and ask this repository's own, instead of failing every
              // repository until restart (issue 13, defect 10). Refusals stay refusals.
              if (cached != null && e instanceof UpstreamException ue && !isAuthFailure(ue)) {
                authorization.forget(call.upstream().name(), cached);
                return Future.succeededFuture(null);
              }
              return Future.failedFuture(e);
            })
        .compose(auth -> attempt(call, credential, url, auth, 0, true, null))
        .transform(
            ar -> {
              if (ar.failed()) {
                if (more && ar.cause() instanceof UpstreamException ue && isAuthFailure(ue)) {
                  return tryCandidate(call, url, ordered, index + 1);
                }
                return Future.failedFuture(ar.cause());
              }
              HttpClientResponse response = ar.result();
              int status = response.statusCode();
              if ((status == 401 || status == 403) && more) {
                answer(call, response).discard();
                return tryCandidate(call, url, ordered, index + 1);
              }
              if (status != 401 && status != 403) {
                working.put(call.target().toString(), idOf(credential));
              }
              return Future.succeededFuture(response);
            });
  }

  private static boolean isAuthFailure(UpstreamException e) {
    return e.kind() == UpstreamException.Kind.UNAUTHORIZED
        || e.kind() == UpstreamException.Kind.DENIED;
  }

  private static String idOf(Optional<Credential> credential) {
    return credential.map(Credential::id).orElse(TokenRequest.ANONYMOUS);
  }

  private Future<HttpClientResponse> attempt(
      Exchange call,
      Optional<Credential> credential,
      URI url,
      @Nullable String auth,
      int redirects,
      boolean mayAnswerChallenge,
      @Nullable SocketAddress pinned) {
    long remainingMillis =
        java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(call.deadline() - nanoTime.getAsLong());
    if (remainingMillis <= 0) {
      return Future.failedFuture(
          call.failure(
              UpstreamException.Kind.UNAVAILABLE,
              "no answer within request-timeout "
                  + call.upstream().config().requestTimeout().toSeconds()
                  + " s"));
    }
    // Each hop (challenge, redirect) waits at most the time left, so the whole exchange stays
    // within request-timeout however many hops an upstream asks for.
    RequestOptions options =
        new RequestOptions()
            .setMethod(call.method())
            .setAbsoluteURI(url.toString())
            .setFollowRedirects(false)
            .setConnectTimeout(
                Math.min(call.upstream().config().connectTimeout().toMillis(), remainingMillis))
            .setIdleTimeout(
                Math.min(call.upstream().config().readTimeout().toMillis(), remainingMillis));
    if (pinned != null) {
      options.setServer(pinned); // the address that was checked, not a second DNS answer
    }
    options.setHeaders(MultiMap.caseInsensitiveMultiMap().addAll(call.headers()));
    if (!sameHost(url, call.upstream().url())) {
      options.getHeaders().remove(PeerRing.HEADER); // the tier's secret stays with the tier
    }
    options.putHeader("User-Agent", USER_AGENT);
    if (auth != null) {
      options.putHeader("Authorization", auth);
    }
    long started = System.nanoTime();
    String upstreamName = call.upstream().name();
    String method = call.method().name();
    return http.request(options)
        .compose(req -> req.send())
        .recover(
            e -> {
              observer.exchanged(
                  upstreamName, method, "error", Duration.ofNanos(System.nanoTime() - started));
              return Future.failedFuture(UpstreamFailures.unavailable(call, url, e));
            })
        .compose(
            response -> {
              response.pause();
              observer.exchanged(
                  upstreamName,
                  method,
                  Integer.toString(response.statusCode()),
                  Duration.ofNanos(System.nanoTime() - started));
              rateLimit(upstreamName, response);
              int status = response.statusCode();
              String location = response.getHeader("Location");
              if (isRedirect(status) && location != null) {
                answer(call, response).discard();
                return redirectFollower
                    .next(call, url, location, redirects)
                    .compose(
                        hop -> {
                          // Credentials stay with the host they were issued for.
                          String nextAuth = sameHost(hop.url(), url) ? auth : null;
                          return attempt(
                              call,
                              credential,
                              hop.url(),
                              nextAuth,
                              redirects + 1,
                              false,
                              hop.address());
                        });
              }
              if (status == 401 && mayAnswerChallenge && sameHost(url, call.upstream().url())) {
                List<String> challenges = response.headers().getAll("WWW-Authenticate");
                answer(call, response).discard();
                return authorization
                    .answerChallenge(call, credential, challenges, auth)
                    .compose(
                        newAuth ->
                            attempt(call, credential, url, newAuth, redirects, false, pinned));
              }
              return Future.succeededFuture(response);
            });
  }

  /** Looks up a host name's addresses; the default runs the JDK's resolver on a worker. */
  @FunctionalInterface
  public interface HostResolver {
    Future<List<InetAddress>> resolve(String host);
  }

  /** Passes Docker Hub's rate-limit headers ({@code 100;w=21600}) to the observer. */
  private void rateLimit(String upstream, HttpClientResponse response) {
    long limit = leadingNumber(response.getHeader("ratelimit-limit"));
    long remaining = leadingNumber(response.getHeader("ratelimit-remaining"));
    if (limit >= 0 && remaining >= 0) {
      observer.rateLimit(upstream, limit, remaining);
    }
  }

  static long leadingNumber(@Nullable String header) {
    if (header == null) {
      return -1;
    }
    int end = 0;
    String h = header.trim();
    while (end < h.length() && Character.isDigit(h.charAt(end)) && end < 18) {
      end++;
    }
    return end == 0 ? -1 : Long.parseLong(h.substring(0, end));
  }

  private static boolean isRedirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  }

  static boolean sameHost(URI a, URI b) {
    return a.getHost() != null
        && a.getHost().equalsIgnoreCase(b.getHost() == null ? "" : b.getHost())
        && effectivePort(a) == effectivePort(b);
  }

  static int effectivePort(URI u) {
    if (u.getPort() != -1) {
      return u.getPort();
    }
    return "https".equals(String.valueOf(u.getScheme()).toLowerCase(Locale.ROOT)) ? 443 : 80;
  }

  private static String trimSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }
}
