package dev.berth.proxy.upstream;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.berth.auth.challenge.AuthChallenge;
import dev.berth.auth.challenge.ChallengeParser;
import dev.berth.auth.challenge.RealmPolicy;
import dev.berth.auth.challenge.TokenCache;
import dev.berth.auth.challenge.TokenRequest;
import dev.berth.auth.challenge.TokenScope;
import dev.berth.auth.credential.Credential;
import dev.berth.proxy.config.AddressRange;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Sends requests to upstream registries over one pooled Vert.x client, handling what every call
 * needs: credential candidates tried in order (a 401 or 403 moves on to the next, the one that
 * worked is remembered per repository), Basic and Bearer challenges (learned per upstream on the
 * first 401; tokens from {@link TokenCache}, per credential), redirects (followed by hand so that
 * {@code Authorization} never reaches another host, e.g. Docker Hub's blob CDN), and the mapping of
 * failures to {@link UpstreamException}. Secrets never appear in messages.
 *
 * <p>Every registry endpoint is a {@link RegistryCall} (classes in {@code upstream.calls}) made
 * through {@link #call}, which also owns the timeouts and hands the answer over as an {@link
 * Answer} whose body can only be read within bounds.
 */
public final class UpstreamClient {
  static final int MAX_REDIRECTS = 10;

  /** Identifies berth to upstream registries and their logs. */
  static final String USER_AGENT =
      "berth/"
          + java.util.Objects.requireNonNullElse(
              UpstreamClient.class.getPackage().getImplementationVersion(), "dev");

  private final HttpClient http;
  private final TokenCache tokens;

  /** The last challenge each upstream sent (Bearer or Basic), by upstream name. */
  private final Map<String, AuthChallenge> challenges = new ConcurrentHashMap<>();

  /** The credential id that worked last per upstream repository. */
  private final Cache<String, String> working =
      Caffeine.newBuilder().maximumSize(100_000).expireAfterAccess(Duration.ofHours(1)).build();

  private final UpstreamObserver observer;

  /** Monotonic time for deadlines and stall checks; injected so tests can move it. */
  private final LongSupplier nanoTime;

  private final HostResolver resolver;

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
    this.http = http;
    this.resolver =
        resolver != null
            ? resolver
            : host ->
                context()
                    .owner()
                    .executeBlocking(() -> List.of(InetAddress.getAllByName(host)), false);
    this.observer = observer;
    this.nanoTime = nanoTime;
    this.tokens = new TokenCache(new VertxTokenEndpoint(http, timeouts, clock, nanoTime), clock);
  }

  /** Tokens fetched so far; for metrics and tests. */
  public long tokenFetches() {
    return tokens.fetchCount();
  }

  /**
   * Makes one registry call for {@code target}, trying {@code candidates} in order (an empty
   * Optional is anonymous; a 401 or 403 moves on to the next one, and the one that worked last time
   * for this repository goes first). An answer {@code call} does not accept becomes an {@link
   * UpstreamException} of the matching kind; an accepted one is read by {@code call} within the
   * upstream's bounds: {@code connect-timeout}, {@code read-timeout} for the first byte and between
   * bytes, and {@code request-timeout} for the whole exchange (a blob body has its own total, see
   * {@link Answer#stream}).
   */
  public <T> Future<T> call(
      RoutedRepository target, RegistryCall<T> call, List<Optional<Credential>> candidates) {
    Upstream upstream = target.upstream();
    long deadline = nanoTime.getAsLong() + upstream.config().requestTimeout().toNanos();
    URI url =
        URI.create(
            trimSlash(upstream.url().toString())
                + "/v2/"
                + target.repository()
                + "/"
                + call.path());
    Call sent = new Call(target, call.method(), call.headers(), call.action(), deadline);
    return tryCandidate(sent, url, rememberedFirst(target, candidates), 0)
        .compose(
            response -> {
              Answer answer = answer(sent, response);
              int status = response.statusCode();
              if (!call.accepts(status)) {
                answer.discard();
                return Future.failedFuture(
                    failure(status, upstream.name(), call.action(), response));
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

  private Answer answer(Call call, HttpClientResponse response) {
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
      Call call, URI url, List<Optional<Credential>> ordered, int index) {
    Optional<Credential> credential = ordered.get(index);
    boolean more = index + 1 < ordered.size();
    AuthChallenge cached = challenges.get(call.upstream().name());
    return authorization(call, credential, null)
        .recover(
            e -> {
              // The challenge was learned from another repository of this upstream and its realm
              // failed: forget it and ask this repository's own, instead of failing every
              // repository until restart (issue 13, defect 10). Refusals stay refusals.
              if (cached != null && e instanceof UpstreamException ue && !isAuthFailure(ue)) {
                challenges.remove(call.upstream().name(), cached);
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

  private record Call(
      RoutedRepository target, HttpMethod method, MultiMap headers, String action, long deadline) {
    Upstream upstream() {
      return target.upstream();
    }
  }

  private Future<HttpClientResponse> attempt(
      Call call,
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
          new UpstreamException(
              UpstreamException.Kind.UNAVAILABLE,
              call.upstream().name(),
              call.action()
                  + ": no answer within request-timeout "
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
              return Future.failedFuture(unavailable(call, url, e));
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
                if (redirects >= MAX_REDIRECTS) {
                  return Future.failedFuture(
                      new UpstreamException(
                          UpstreamException.Kind.BAD_RESPONSE,
                          call.upstream().name(),
                          call.action() + ": more than " + MAX_REDIRECTS + " redirects"));
                }
                URI next;
                try {
                  next = url.resolve(location.trim());
                } catch (IllegalArgumentException e) {
                  return Future.failedFuture(
                      new UpstreamException(
                          UpstreamException.Kind.BAD_RESPONSE,
                          call.upstream().name(),
                          call.action() + ": redirect to a Location that is not a URL"));
                }
                Optional<String> refused = RedirectPolicy.problem(next, call.upstream().url());
                if (refused.isPresent()) {
                  return Future.failedFuture(
                      new UpstreamException(
                          UpstreamException.Kind.BAD_RESPONSE,
                          call.upstream().name(),
                          call.action() + ": " + refused.get() + " refused"));
                }
                // Credentials stay with the host they were issued for.
                String nextAuth = sameHost(next, url) ? auth : null;
                return checkedAddress(call, next)
                    .compose(
                        address ->
                            attempt(
                                call, credential, next, nextAuth, redirects + 1, false, address));
              }
              if (status == 401 && mayAnswerChallenge && sameHost(url, call.upstream().url())) {
                List<String> challenges = response.headers().getAll("WWW-Authenticate");
                answer(call, response).discard();
                return answerChallenge(call, credential, challenges, auth)
                    .compose(
                        newAuth ->
                            attempt(call, credential, url, newAuth, redirects, false, pinned));
              }
              return Future.succeededFuture(response);
            });
  }

  /**
   * The address to connect to for a redirect to {@code next}, or null to let Vert.x resolve it. A
   * host name (a CDN) is resolved here and refused when any of its addresses is local (loopback,
   * link-local, wildcard) while the upstream is not: {@link RedirectPolicy} judges only what is
   * written, and a name such as {@code evil.example -> 127.0.0.1} would otherwise reach berth's
   * admin port. The connection then goes to the address checked, so a second DNS answer cannot
   * differ (rebinding); the name stays the {@code Host} and TLS server name.
   */
  private Future<@Nullable SocketAddress> checkedAddress(Call call, URI next) {
    String host = next.getHost();
    if (sameHost(next, call.upstream().url())
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
                      new UpstreamException(
                          UpstreamException.Kind.BAD_RESPONSE,
                          call.upstream().name(),
                          call.action()
                              + ": redirect to "
                              + host
                              + ", which resolves to a loopback or link-local address ("
                              + a.getHostAddress()
                              + "), where the upstream itself is not, refused"));
                }
              }
              if (addresses.isEmpty()) {
                return Future.failedFuture(
                    new UpstreamException(
                        UpstreamException.Kind.UNAVAILABLE,
                        call.upstream().name(),
                        call.action() + ": redirect host " + host + " has no address"));
              }
              return Future.succeededFuture(
                  SocketAddress.inetSocketAddress(
                      effectivePort(next), addresses.get(0).getHostAddress()));
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

  /**
   * The Authorization value for {@code credential}, given the upstream's known (or a fresh)
   * challenge; null when nothing is to be sent.
   */
  private Future<@Nullable String> authorization(
      Call call, Optional<Credential> credential, @Nullable AuthChallenge fresh) {
    AuthChallenge challenge = fresh != null ? fresh : challenges.get(call.upstream().name());
    if (challenge == null) {
      return Future.succeededFuture(null);
    }
    if (challenge.isBasic()) {
      return Future.succeededFuture(
          credential
              .filter(c -> c.kind() == Credential.Kind.BASIC)
              .map(UpstreamClient::basicHeader)
              .orElse(null));
    }
    if (credential.isPresent() && credential.get().kind() == Credential.Kind.REGISTRY_TOKEN) {
      return Future.succeededFuture("Bearer " + credential.get().secret());
    }
    return tokenFor(call, credential, challenge).map(token -> "Bearer " + token);
  }

  private static String basicHeader(Credential c) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((c.username() + ":" + c.secret()).getBytes(StandardCharsets.UTF_8));
  }

  private Future<@Nullable String> answerChallenge(
      Call call,
      Optional<Credential> credential,
      List<String> headerValues,
      @Nullable String previousAuth) {
    List<AuthChallenge> parsed = ChallengeParser.parse(headerValues);
    Optional<AuthChallenge> usable =
        parsed.stream()
            .filter(AuthChallenge::isBearer)
            .findFirst()
            .or(() -> parsed.stream().filter(AuthChallenge::isBasic).findFirst());
    if (usable.isEmpty()) {
      return Future.failedFuture(
          new UpstreamException(
              UpstreamException.Kind.UNAUTHORIZED,
              call.upstream().name(),
              call.action()
                  + ": upstream "
                  + call.upstream().name()
                  + " answered 401 with "
                  + (parsed.isEmpty()
                      ? "no usable challenge"
                      : "a " + parsed.get(0).scheme() + " challenge")));
    }
    AuthChallenge challenge = usable.get();
    challenges.put(call.upstream().name(), challenge);
    if (challenge.isBasic()
        && credential.filter(c -> c.kind() == Credential.Kind.BASIC).isEmpty()) {
      return Future.failedFuture(
          new UpstreamException(
              UpstreamException.Kind.UNAUTHORIZED,
              call.upstream().name(),
              call.action()
                  + ": upstream "
                  + call.upstream().name()
                  + " requires a user name and password for "
                  + call.target().repository()));
    }
    if (challenge.isBearer() && previousAuth != null) {
      tokens.invalidate(tokenRequest(call, credential, challenge));
    }
    return authorization(call, credential, challenge);
  }

  private Future<String> tokenFor(
      Call call, Optional<Credential> credential, AuthChallenge challenge) {
    String realm = challenge.realm().orElse("");
    URI realmUri;
    try {
      realmUri = URI.create(realm);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(refused(call, "token realm '" + realm + "' is not a URL"));
    }
    RealmPolicy.Decision decision =
        new RealmPolicy(call.upstream().url(), call.upstream().config().tokenRealms())
            .check(realmUri);
    if (!decision.allowed()) {
      return Future.failedFuture(refused(call, decision.reason()));
    }
    return Future.fromCompletionStage(tokens.get(tokenRequest(call, credential, challenge)))
        .map(t -> t.token())
        .recover(
            e -> {
              Throwable cause =
                  e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                      ? e.getCause()
                      : e;
              boolean refusedCredential = cause instanceof VertxTokenEndpoint.TokenRefusedException;
              boolean misfit = cause instanceof VertxTokenEndpoint.TokenServerMisfitException;
              return Future.failedFuture(
                  new UpstreamException(
                      refusedCredential
                          ? UpstreamException.Kind.UNAUTHORIZED
                          : misfit
                              ? UpstreamException.Kind.BAD_RESPONSE
                              : UpstreamException.Kind.UNAVAILABLE,
                      call.upstream().name(),
                      call.action()
                          + ": token from "
                          + realmUri.getHost()
                          + " failed: "
                          + cause.getMessage(),
                      null,
                      cause));
            });
  }

  private static TokenRequest tokenRequest(
      Call call, Optional<Credential> credential, AuthChallenge challenge) {
    List<TokenScope> scopes = new ArrayList<>();
    scopes.add(TokenScope.repositoryPull(call.target().repository().value()));
    for (TokenScope s : challenge.scopes()) {
      // Only scopes for this repository: a challenge cannot widen what berth asks for.
      if (s.type().equals("repository") && s.name().equals(call.target().repository().value())) {
        scopes.add(s);
      }
    }
    return new TokenRequest(
        URI.create(challenge.realm().orElse("")),
        challenge.service().orElse(""),
        scopes,
        credential.orElse(null));
  }

  /** The typed failure for an answer the call does not accept: one mapping for every call. */
  static UpstreamException failure(
      int status, String upstream, String action, HttpClientResponse response) {
    UpstreamException.Kind kind;
    if (status == 404) {
      kind = UpstreamException.Kind.NOT_FOUND;
    } else if (status == 401) {
      kind = UpstreamException.Kind.UNAUTHORIZED;
    } else if (status == 403) {
      kind = UpstreamException.Kind.DENIED;
    } else if (status == 429) {
      kind = UpstreamException.Kind.TOO_MANY_REQUESTS;
    } else if (status >= 500) {
      kind = UpstreamException.Kind.UNAVAILABLE;
    } else {
      kind = UpstreamException.Kind.BAD_RESPONSE;
    }
    return new UpstreamException(
        kind,
        upstream,
        action + ": upstream " + upstream + " answered " + status,
        retryAfter(response.getHeader("Retry-After")),
        null);
  }

  static @Nullable Duration retryAfter(@Nullable String header) {
    if (header == null) {
      return null;
    }
    try {
      long seconds = Long.parseLong(header.trim());
      return seconds >= 0 ? Duration.ofSeconds(seconds) : null;
    } catch (NumberFormatException e) {
      return null; // an HTTP date: rare for registries; ignored
    }
  }

  private static boolean isRedirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  }

  static boolean sameHost(URI a, URI b) {
    return a.getHost() != null
        && a.getHost().equalsIgnoreCase(b.getHost() == null ? "" : b.getHost())
        && effectivePort(a) == effectivePort(b);
  }

  private static int effectivePort(URI u) {
    if (u.getPort() != -1) {
      return u.getPort();
    }
    return "https".equals(String.valueOf(u.getScheme()).toLowerCase(Locale.ROOT)) ? 443 : 80;
  }

  private static UpstreamException unavailable(Call call, URI url, Throwable e) {
    return new UpstreamException(
        UpstreamException.Kind.UNAVAILABLE,
        call.upstream().name(),
        call.action()
            + ": cannot reach "
            + url.getHost()
            + (url.getPort() > 0 ? ":" + url.getPort() : "")
            + " ("
            + e.getClass().getSimpleName()
            + ": "
            + e.getMessage()
            + ")",
        null,
        e);
  }

  private static UpstreamException refused(Call call, String reason) {
    return new UpstreamException(
        UpstreamException.Kind.REFUSED, call.upstream().name(), call.action() + ": " + reason);
  }

  private static String trimSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }
}
