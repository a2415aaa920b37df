package dev.berth.proxy.upstream;

import dev.berth.auth.challenge.BearerToken;
import dev.berth.auth.challenge.TokenEndpoint;
import dev.berth.auth.challenge.TokenRequest;
import dev.berth.auth.challenge.TokenScope;
import dev.berth.auth.credential.Credential;
import dev.berth.proxy.text.Messages;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * Fetches bearer tokens from a token realm (distribution token.md / oauth.md, docs/protocol.md
 * §5.2): anonymously or with Basic credentials by {@code GET <realm>?service=…&scope=…} (one {@code
 * scope} parameter per scope, {@code account=<user>} as the reference client sends it), and with an
 * identity token by the OAuth2 {@code POST} with {@code grant_type=refresh_token}. Registry tokens
 * never reach here: they are sent to the registry as they are. No secret is ever part of a message.
 */
final class VertxTokenEndpoint implements TokenEndpoint {
  private static final int MAX_TOKEN_RESPONSE = 1 << 20;
  private static final String CLIENT_ID = "berth";

  /** The token server refused the credential (401/403): the next candidate may work. */
  static final class TokenRefusedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TokenRefusedException(String message) {
      super(message);
    }
  }

  /**
   * The token server answered, but not with a token, for a reason that is neither a refusal nor an
   * outage (404, 405, a redirect: a realm that is wrong for this request): not worth backing the
   * whole upstream off for.
   */
  static final class TokenServerMisfitException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TokenServerMisfitException(String message) {
      super(message);
    }
  }

  private final HttpClient http;
  private final UpstreamTimeouts timeouts;
  private final LongSupplier nanoTime;
  private final Clock clock;

  VertxTokenEndpoint(
      HttpClient http, UpstreamTimeouts timeouts, Clock clock, LongSupplier nanoTime) {
    this.http = http;
    this.timeouts = timeouts;
    this.clock = clock;
    this.nanoTime = nanoTime;
  }

  @Override
  public CompletionStage<BearerToken> fetch(TokenRequest request) {
    Credential credential = request.credential();
    long deadline = nanoTime.getAsLong() + timeouts.total().toNanos();
    RequestOptions options =
        new RequestOptions()
            // Not followed (issue 13, defect 2): the client would carry the credential's Basic
            // header, or the refresh token in the form, to wherever the realm points. A realm is
            // a fixed URL; one that redirects answers as a failure ("token server answered 302").
            .setFollowRedirects(false)
            .setConnectTimeout(timeouts.connect().toMillis())
            .setIdleTimeout(timeouts.idle().toMillis());
    Future<HttpClientResponse> sent;
    if (credential != null && credential.kind() == Credential.Kind.IDENTITY_TOKEN) {
      StringBuilder form =
          new StringBuilder("grant_type=refresh_token&client_id=" + CLIENT_ID)
              .append("&refresh_token=")
              .append(encode(credential.secret()));
      request.serviceParam().ifPresent(s -> form.append("&service=").append(encode(s)));
      form.append("&scope=")
          .append(
              encode(
                  request.scopes().stream()
                      .map(TokenScope::toString)
                      .collect(Collectors.joining(" "))));
      options
          .setMethod(HttpMethod.POST)
          .setAbsoluteURI(request.realm().toString())
          .putHeader("Content-Type", "application/x-www-form-urlencoded");
      sent = http.request(options).compose(req -> req.send(Buffer.buffer(form.toString())));
    } else {
      StringBuilder url = new StringBuilder(request.realm().toString());
      char sep = url.indexOf("?") >= 0 ? '&' : '?';
      if (request.serviceParam().isPresent()) {
        url.append(sep).append("service=").append(encode(request.serviceParam().get()));
        sep = '&';
      }
      for (TokenScope scope : request.scopes()) {
        url.append(sep).append("scope=").append(encode(scope.toString()));
        sep = '&';
      }
      if (credential != null && credential.kind() == Credential.Kind.BASIC) {
        url.append(sep).append("account=").append(encode(credential.username()));
        options.putHeader(
            "Authorization",
            "Basic "
                + Base64.getEncoder()
                    .encodeToString(
                        (credential.username() + ":" + credential.secret())
                            .getBytes(StandardCharsets.UTF_8)));
      }
      options.setMethod(HttpMethod.GET).setAbsoluteURI(url.toString());
      sent = http.request(options).compose(req -> req.send());
    }
    return sent.compose(
            response ->
                readToken(
                    Answer.of(
                        response,
                        "token server",
                        "token response",
                        timeouts.idle(),
                        deadline,
                        nanoTime)))
        .toCompletionStage();
  }

  private Future<BearerToken> readToken(Answer response) {
    int status = response.status();
    if (status != 200) {
      // The body is not needed, and must not be held: an endless one would fill the heap.
      response.discard();
      return Future.failedFuture(
          // 400 is OAuth2's answer to a wrong or revoked grant (invalid_grant,
          // RFC 6749 §5.2): a refusal of the credential, not an outage.
          status == 400 || status == 401 || status == 403
              ? new TokenRefusedException("token server refused the credential (" + status + ")")
              : status >= 500 || status == 429 || status == 408
                  ? new IllegalStateException("token server answered " + status)
                  : new TokenServerMisfitException("token server answered " + status));
    }
    // Read up to the bound and no further (issue 13, defect 4: the size was checked only after
    // buffering, so an endless token response filled the heap).
    return response
        .body(MAX_TOKEN_RESPONSE)
        .recover(
            e ->
                Future.failedFuture(
                    e instanceof UpstreamException ue
                            && ue.kind() == UpstreamException.Kind.BAD_RESPONSE
                        ? new TokenServerMisfitException(Messages.of(ue))
                        : e))
        .map(
            body -> {
              JsonObject json = body.toJsonObject();
              Instant issuedAt = null;
              String issued = json.getString("issued_at");
              if (issued != null) {
                try {
                  issuedAt = Instant.parse(issued);
                } catch (DateTimeParseException e) {
                  issuedAt = null; // tolerated: expiry then counts from receipt
                }
              }
              Object expires = json.getValue("expires_in");
              Long expiresIn = expires instanceof Number n ? n.longValue() : null;
              return BearerToken.fromResponse(
                  json.getString("token"),
                  json.getString("access_token"),
                  expiresIn,
                  issuedAt,
                  clock.instant());
            });
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
