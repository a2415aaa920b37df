package dev.berth.proxy.upstream;

import dev.berth.auth.challenge.BearerToken;
import dev.berth.auth.challenge.TokenEndpoint;
import dev.berth.auth.challenge.TokenRequest;
import dev.berth.auth.challenge.TokenScope;
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
import java.util.concurrent.CompletionStage;

/**
 * Fetches anonymous bearer tokens with {@code GET <realm>?service=…&scope=…} (token.md §5.2, one
 * {@code scope} parameter per scope). Credentialed flows come with the credentials issue.
 */
final class VertxTokenEndpoint implements TokenEndpoint {
  private static final int MAX_TOKEN_RESPONSE = 1 << 20;

  private final HttpClient http;
  private final UpstreamTimeouts timeouts;
  private final Clock clock;

  VertxTokenEndpoint(HttpClient http, UpstreamTimeouts timeouts, Clock clock) {
    this.http = http;
    this.timeouts = timeouts;
    this.clock = clock;
  }

  @Override
  public CompletionStage<BearerToken> fetch(TokenRequest request) {
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
    RequestOptions options =
        new RequestOptions()
            .setMethod(HttpMethod.GET)
            .setAbsoluteURI(url.toString())
            .setFollowRedirects(true)
            .setConnectTimeout(timeouts.connect().toMillis())
            .setIdleTimeout(timeouts.idle().toMillis());
    return http.request(options)
        .compose(req -> req.send())
        .compose(this::readToken)
        .toCompletionStage();
  }

  private io.vertx.core.Future<BearerToken> readToken(HttpClientResponse response) {
    if (response.statusCode() != 200) {
      return response
          .body()
          .transform(
              ignored ->
                  io.vertx.core.Future.failedFuture(
                      new IllegalStateException("token server answered " + response.statusCode())));
    }
    return response
        .body()
        .map(
            body -> {
              if (body.length() > MAX_TOKEN_RESPONSE) {
                throw new IllegalStateException("token response larger than 1 MiB");
              }
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
