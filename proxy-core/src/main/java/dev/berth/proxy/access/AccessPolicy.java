package dev.berth.proxy.access;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.berth.auth.ClientIdentity;
import dev.berth.proxy.config.Tenancy;
import dev.berth.proxy.upstream.RoutedRepository;
import dev.berth.proxy.upstream.UpstreamClient;
import dev.berth.proxy.upstream.UpstreamException;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Decides whether a client may read a repository through berth ({@code tenancy}, design.md item 6).
 * With {@code open}, anyone who reaches berth may. With {@code verify}:
 *
 * <ul>
 *   <li>a repository the upstream serves anonymously is public: everyone may read it;
 *   <li>otherwise only a client whose own credentials the upstream accepts for that repository may;
 *       everyone else gets a 401 challenge.
 * </ul>
 *
 * <p>The question asked upstream is the same in both cases: {@code GET /v2/<repo>/tags/list?n=1}
 * with no credentials, or with exactly the client's. Only a 200 counts as yes: registries that hide
 * private repositories behind a 404 must not turn into "public", and the tag list needs the same
 * pull permission as the content (distribution, Docker Hub, ghcr.io, quay.io).
 *
 * <p>Both answers are cached for {@code checkTtl}: visibility per (upstream, repository), decisions
 * per (credential, upstream, repository). Node credentials never authorize a client: they only
 * fetch content for clients that were authorized. If the upstream cannot be asked, access is
 * refused (fail closed).
 */
public final class AccessPolicy {
  private final Tenancy tenancy;
  private final UpstreamClient client;
  private final Cache<String, Boolean> publicRepositories;
  private final Cache<String, Boolean> decisions;
  private final BiConsumer<String, Boolean> observer;

  /**
   * @param observer told each decision: ({@code public} | {@code credential} | {@code anonymous},
   *     allowed)
   */
  public AccessPolicy(
      Tenancy tenancy,
      UpstreamClient client,
      Duration checkTtl,
      Clock clock,
      BiConsumer<String, Boolean> observer) {
    this.tenancy = tenancy;
    this.client = client;
    this.observer = observer;
    Ticker ticker = () -> TimeUnit.MILLISECONDS.toNanos(clock.millis());
    this.publicRepositories =
        Caffeine.newBuilder()
            .ticker(ticker)
            .expireAfterWrite(checkTtl)
            .maximumSize(100_000)
            .build();
    this.decisions =
        Caffeine.newBuilder()
            .ticker(ticker)
            .expireAfterWrite(checkTtl)
            .maximumSize(100_000)
            .build();
  }

  /**
   * Succeeds when {@code identity} may read {@code repo}; fails with {@link AccessDeniedException}
   * otherwise, or with an {@link UpstreamException} when the upstream could not be asked.
   */
  public Future<Void> authorize(RoutedRepository repo, ClientIdentity identity) {
    if (tenancy == Tenancy.OPEN) {
      return Future.succeededFuture();
    }
    return isPublic(repo)
        .compose(
            isPublic -> {
              if (isPublic) {
                observer.accept("public", true);
                return Future.succeededFuture();
              }
              if (identity.isAnonymous()) {
                observer.accept("anonymous", false);
                return Future.failedFuture(
                    new AccessDeniedException(
                        "authentication required: "
                            + repo
                            + " is not public; present credentials the upstream accepts"));
              }
              return clientMayRead(repo, identity);
            });
  }

  private Future<Boolean> isPublic(RoutedRepository repo) {
    String key = repo.toString();
    Boolean known = publicRepositories.getIfPresent(key);
    if (known != null) {
      return Future.succeededFuture(known);
    }
    return ask(repo, List.of(Optional.empty()))
        .map(
            status -> {
              boolean open = status == 200;
              publicRepositories.put(key, open);
              return open;
            });
  }

  private Future<Void> clientMayRead(RoutedRepository repo, ClientIdentity identity) {
    String key = identity.credential().orElseThrow().id() + " " + repo;
    Boolean known = decisions.getIfPresent(key);
    Future<Boolean> allowed =
        known != null
            ? Future.succeededFuture(known)
            : ask(repo, List.of(identity.credential()))
                .map(
                    status -> {
                      boolean ok = status == 200;
                      decisions.put(key, ok);
                      return ok;
                    });
    return allowed.compose(
        ok -> {
          observer.accept("credential", ok);
          return ok
              ? Future.succeededFuture()
              : Future.failedFuture(
                  new AccessDeniedException(
                      "the upstream does not accept these credentials for " + repo));
        });
  }

  /**
   * The status of the upstream's tag list for {@code repo}, asked with exactly {@code candidates};
   * 401 and 403 are answers, not failures.
   */
  private Future<Integer> ask(
      RoutedRepository repo, List<Optional<dev.berth.auth.credential.Credential>> candidates) {
    return client
        .send(
            repo,
            HttpMethod.GET,
            "tags/list?n=1",
            MultiMap.caseInsensitiveMultiMap(),
            "access check " + repo,
            candidates)
        .recover(
            e ->
                e instanceof UpstreamException ue
                        && (ue.kind() == UpstreamException.Kind.UNAUTHORIZED
                            || ue.kind() == UpstreamException.Kind.DENIED)
                    ? Future.succeededFuture(null)
                    : Future.failedFuture(e))
        .map(
            response -> {
              if (response == null) {
                return 401;
              }
              UpstreamClient.discard(response);
              int status = response.statusCode();
              if (status >= 500 || status == 429) {
                throw new UpstreamException(
                    UpstreamException.Kind.UNAVAILABLE,
                    repo.upstream().name(),
                    "access check of " + repo + ": upstream answered " + status);
              }
              return status;
            });
  }
}
