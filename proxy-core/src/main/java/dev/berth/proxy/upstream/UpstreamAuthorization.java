package dev.berth.proxy.upstream;

import dev.berth.auth.challenge.AuthChallenge;
import dev.berth.auth.challenge.ChallengeParser;
import dev.berth.auth.challenge.RealmPolicy;
import dev.berth.auth.challenge.TokenCache;
import dev.berth.auth.challenge.TokenRequest;
import dev.berth.auth.challenge.TokenScope;
import dev.berth.auth.credential.Credential;
import io.vertx.core.Future;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The {@code Authorization} header of each upstream exchange: the challenge each upstream sent last
 * (Bearer or Basic, learned on a 401), a Basic header or registry token from the credential, or a
 * Bearer token from {@link TokenCache} (per credential) once {@link RealmPolicy} allowed the
 * challenge's realm. Secrets never appear in messages.
 */
final class UpstreamAuthorization {
  private final TokenCache tokens;

  /** The last challenge each upstream sent (Bearer or Basic), by upstream name. */
  private final Map<String, AuthChallenge> challenges = new ConcurrentHashMap<>();

  UpstreamAuthorization(TokenCache tokens) {
    this.tokens = tokens;
  }

  /** Tokens fetched so far. */
  long tokenFetches() {
    return tokens.fetchCount();
  }

  /** The challenge {@code upstream} sent last, or null before its first 401. */
  @Nullable AuthChallenge known(String upstream) {
    return challenges.get(upstream);
  }

  /** Forgets {@code challenge} for {@code upstream}, unless another one replaced it meanwhile. */
  void forget(String upstream, AuthChallenge challenge) {
    challenges.remove(upstream, challenge);
  }

  /**
   * The Authorization value for {@code credential}, given the upstream's known (or a fresh)
   * challenge; null when nothing is to be sent.
   */
  Future<@Nullable String> authorization(
      Exchange call, Optional<Credential> credential, @Nullable AuthChallenge fresh) {
    AuthChallenge challenge = fresh != null ? fresh : challenges.get(call.upstream().name());
    if (challenge == null) {
      return Future.succeededFuture(null);
    }
    if (challenge.isBasic()) {
      return Future.succeededFuture(
          credential
              .filter(c -> c.kind() == Credential.Kind.BASIC)
              .map(UpstreamAuthorization::basicHeader)
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

  Future<@Nullable String> answerChallenge(
      Exchange call,
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
      return unauthorized(
          call,
          "answered 401 with "
              + (parsed.isEmpty()
                  ? "no usable challenge"
                  : "a " + parsed.get(0).scheme() + " challenge"));
    }
    AuthChallenge challenge = usable.get();
    challenges.put(call.upstream().name(), challenge);
    if (challenge.isBasic()
        && credential.filter(c -> c.kind() == Credential.Kind.BASIC).isEmpty()) {
      return unauthorized(
          call, "requires a user name and password for " + call.target().repository());
    }
    if (challenge.isBearer() && previousAuth != null) {
      tokens.invalidate(tokenRequest(call, credential, challenge));
    }
    return authorization(call, credential, challenge);
  }

  /** Fails with {@code "<action>: upstream <name> <what>"}: the upstream's challenge is unmet. */
  private static Future<@Nullable String> unauthorized(Exchange call, String what) {
    return Future.failedFuture(
        call.failure(
            UpstreamException.Kind.UNAUTHORIZED,
            "upstream " + call.upstream().name() + " " + what));
  }

  private Future<String> tokenFor(
      Exchange call, Optional<Credential> credential, AuthChallenge challenge) {
    String realm = challenge.realm().orElse("");
    URI realmUri;
    try {
      realmUri = URI.create(realm);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(
          call.failure(UpstreamException.Kind.REFUSED, "token realm '" + realm + "' is not a URL"));
    }
    RealmPolicy.Decision decision =
        new RealmPolicy(call.upstream().url(), call.upstream().config().tokenRealms())
            .check(realmUri);
    if (!decision.allowed()) {
      return Future.failedFuture(call.failure(UpstreamException.Kind.REFUSED, decision.reason()));
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
      Exchange call, Optional<Credential> credential, AuthChallenge challenge) {
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
}
