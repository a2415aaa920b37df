package dev.berth.proxy.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The client side of registry authentication, done the way docker and containerd do it: read the
 * {@code WWW-Authenticate} challenge of a 401, then answer it with {@code Basic} credentials or
 * with a bearer token fetched from the challenge's realm (distribution's token spec, {@code GET
 * <realm>?service=...&scope=...}, Basic credentials when given, anonymous otherwise).
 *
 * <p>Why: tests must check what an authenticated upstream serves independently of berth and of
 * skopeo; {@link RegistryProbe#authenticating} builds on this.
 *
 * <pre>{@code
 * RegistryAuth.Challenge challenge =
 *     RegistryAuth.Challenge.parse(response.headers().firstValue("WWW-Authenticate").orElseThrow())
 *         .orElseThrow();
 * RegistryAuth.TokenResponse token = RegistryAuth.requestToken(challenge, alice);
 * request.header("Authorization", "Bearer " + token.token());
 * }</pre>
 */
public final class RegistryAuth {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private RegistryAuth() {}

  /**
   * One parsed challenge, e.g. {@code Bearer realm="http://127.0.0.1:5001/token",
   * service="berth-e2e",scope="repository:team-a/app:pull"}.
   *
   * @param scheme lower case: {@code basic} or {@code bearer}
   * @param params parameter names in lower case, values unquoted, in header order
   */
  public record Challenge(String scheme, Map<String, String> params) {
    public Challenge {
      params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    /**
     * Parses the first challenge of a {@code WWW-Authenticate} value (RFC 7235: a scheme, then
     * comma-separated {@code name=value} pairs whose values may be quoted strings with commas).
     *
     * @return empty when the value has no scheme
     */
    public static Optional<Challenge> parse(String header) {
      String text = header.strip();
      int space = text.indexOf(' ');
      String scheme = (space < 0 ? text : text.substring(0, space)).toLowerCase(Locale.ROOT);
      if (scheme.isEmpty()) {
        return Optional.empty();
      }
      Map<String, String> params = new LinkedHashMap<>();
      int i = space < 0 ? text.length() : space + 1;
      while (i < text.length()) {
        while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == ',')) {
          i++;
        }
        int eq = text.indexOf('=', i);
        if (eq < 0) {
          break;
        }
        String name = text.substring(i, eq).strip().toLowerCase(Locale.ROOT);
        i = eq + 1;
        StringBuilder value = new StringBuilder();
        if (i < text.length() && text.charAt(i) == '"') {
          i++;
          while (i < text.length() && text.charAt(i) != '"') {
            if (text.charAt(i) == '\\' && i + 1 < text.length()) {
              i++;
            }
            value.append(text.charAt(i++));
          }
          i++; // closing quote
        } else {
          while (i < text.length() && text.charAt(i) != ',') {
            value.append(text.charAt(i++));
          }
        }
        params.put(name, value.toString().strip());
      }
      return Optional.of(new Challenge(scheme, params));
    }

    /** True for {@code Basic}. */
    public boolean isBasic() {
      return scheme.equals("basic");
    }

    /** True for {@code Bearer}. */
    public boolean isBearer() {
      return scheme.equals("bearer");
    }

    /** The {@code realm} parameter: a name for Basic, the token endpoint URL for Bearer. */
    public String realm() {
      return params.getOrDefault("realm", "");
    }

    /** The {@code service} parameter, or empty. */
    public Optional<String> service() {
      return Optional.ofNullable(params.get("service"));
    }

    /** The {@code scope} parameter, e.g. {@code repository:team-a/app:pull}, or empty. */
    public Optional<String> scope() {
      return Optional.ofNullable(params.get("scope"));
    }

    /** The {@code error} parameter, e.g. {@code insufficient_scope}, or empty. */
    public Optional<String> error() {
      return Optional.ofNullable(params.get("error"));
    }
  }

  /**
   * What a token endpoint answered.
   *
   * @param status the HTTP status
   * @param body the raw body, for failure messages
   * @param token {@code token}, else {@code access_token}, of a 200 answer; null otherwise
   */
  public record TokenResponse(int status, String body, @Nullable String token) {
    /** The token, or an AssertionError with the status and body. */
    public String requireToken() {
      if (token == null) {
        throw new AssertionError("token endpoint answered " + status + ": " + body);
      }
      return token;
    }
  }

  /**
   * The challenge of a 401 response, if it has a parseable {@code WWW-Authenticate} header.
   *
   * @param response any response; non-401s give empty
   */
  public static Optional<Challenge> challengeOf(HttpResponse<?> response) {
    if (response.statusCode() != 401) {
      return Optional.empty();
    }
    return response.headers().firstValue("WWW-Authenticate").flatMap(Challenge::parse);
  }

  /**
   * {@code GET <realm>?service=<service>&scope=<scope>}, with Basic credentials when given.
   *
   * @param challenge a Bearer challenge; its scope is requested (none when it has none)
   * @param credentials null for an anonymous token
   */
  public static TokenResponse requestToken(Challenge challenge, @Nullable Credentials credentials) {
    if (!challenge.isBearer()) {
      throw new IllegalArgumentException("not a Bearer challenge: " + challenge);
    }
    StringBuilder uri = new StringBuilder(challenge.realm());
    char separator = uri.indexOf("?") < 0 ? '?' : '&';
    if (challenge.service().isPresent()) {
      uri.append(separator).append("service=").append(encode(challenge.service().get()));
      separator = '&';
    }
    if (challenge.scope().isPresent()) {
      // Docker sends several scopes as repeated parameters; a challenge may list them spaced.
      for (String scope : challenge.scope().get().split(" ")) {
        if (!scope.isEmpty()) {
          uri.append(separator).append("scope=").append(encode(scope));
          separator = '&';
        }
      }
    }
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(uri.toString())).GET().timeout(TIMEOUT);
    if (credentials != null) {
      request.header("Authorization", credentials.basicAuthorization());
    }
    HttpResponse<String> response;
    try {
      response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new AssertionError("GET " + uri + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted: " + uri, e);
    }
    String token = null;
    if (response.statusCode() == 200) {
      try {
        JsonNode json = JSON.readTree(response.body());
        JsonNode value = json.hasNonNull("token") ? json.get("token") : json.get("access_token");
        token = value == null ? null : value.asText();
      } catch (IOException e) {
        throw new AssertionError("token endpoint " + uri + " sent no JSON: " + response.body(), e);
      }
    }
    return new TokenResponse(response.statusCode(), response.body(), token);
  }

  /**
   * The {@code Authorization} value that answers {@code challenge}: Basic credentials, or a bearer
   * token fetched from the realm.
   *
   * @param credentials null to answer anonymously (only a Bearer challenge can be)
   * @return empty when the challenge cannot be answered: Basic without credentials, a token
   *     endpoint that refused (for example wrong credentials), or an unknown scheme
   */
  public static Optional<String> authorization(
      Challenge challenge, @Nullable Credentials credentials) {
    if (challenge.isBasic()) {
      return Optional.ofNullable(credentials).map(Credentials::basicAuthorization);
    }
    if (challenge.isBearer()) {
      TokenResponse token = requestToken(challenge, credentials);
      return Optional.ofNullable(token.token()).map(t -> "Bearer " + t);
    }
    return Optional.empty();
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
