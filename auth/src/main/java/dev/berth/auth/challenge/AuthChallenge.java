package dev.berth.auth.challenge;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One challenge from a {@code WWW-Authenticate} header.
 *
 * @param scheme the auth scheme, lowercased ({@code bearer}, {@code basic}, …)
 * @param params auth-params with lowercased names and unquoted values, in header order
 */
public record AuthChallenge(String scheme, Map<String, String> params) {
  public AuthChallenge {
    Objects.requireNonNull(scheme, "scheme");
    scheme = scheme.toLowerCase(Locale.ROOT);
    params = Map.copyOf(params);
  }

  public boolean isBearer() {
    return scheme.equals("bearer");
  }

  public boolean isBasic() {
    return scheme.equals("basic");
  }

  public Optional<String> param(String name) {
    return Optional.ofNullable(params.get(name.toLowerCase(Locale.ROOT)));
  }

  public Optional<String> realm() {
    return param("realm");
  }

  public Optional<String> service() {
    return param("service");
  }

  /**
   * The challenge's scopes ({@code scope} holds several, separated by spaces); malformed ones are
   * skipped.
   */
  public List<TokenScope> scopes() {
    List<TokenScope> scopes = new ArrayList<>();
    for (String s : param("scope").orElse("").split(" ", -1)) {
      if (!s.isBlank()) {
        TokenScope.tryParse(s).ifPresent(scopes::add);
      }
    }
    return scopes;
  }
}
