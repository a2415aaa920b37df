package dev.berth.auth.challenge;

import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What to ask a token server for. Equal requests share one cached token, so the credential takes
 * part in equality only through its non-secret {@code credentialId}.
 *
 * @param realm the token endpoint from the challenge
 * @param service the {@code service} parameter, empty when the challenge had none
 * @param scopes sorted, de-duplicated
 * @param credentialId {@code anonymous} or a stable hash identifying the credential
 */
public record TokenRequest(
    URI realm, String service, List<TokenScope> scopes, String credentialId) {
  public static final String ANONYMOUS = "anonymous";

  public TokenRequest {
    Objects.requireNonNull(realm, "realm");
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(credentialId, "credentialId");
    scopes = scopes.stream().distinct().sorted().toList();
  }

  public Optional<String> serviceParam() {
    return service.isEmpty() ? Optional.empty() : Optional.of(service);
  }
}
