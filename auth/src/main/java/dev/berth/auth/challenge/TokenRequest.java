package dev.berth.auth.challenge;

import dev.berth.auth.credential.Credential;
import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What to ask a token server for, and with which credential. Equal requests share one cached token;
 * the credential takes part in equality, so a token fetched with one credential is never handed to
 * a request made with another (or to an anonymous one). {@link #toString()} shows only the
 * credential's id.
 *
 * @param realm the token endpoint from the challenge
 * @param service the {@code service} parameter, empty when the challenge had none
 * @param scopes sorted, de-duplicated
 * @param credential null for an anonymous token
 */
public record TokenRequest(
    URI realm, String service, List<TokenScope> scopes, @Nullable Credential credential) {
  public static final String ANONYMOUS = "anonymous";

  public TokenRequest {
    Objects.requireNonNull(realm, "realm");
    Objects.requireNonNull(service, "service");
    scopes = scopes.stream().distinct().sorted().toList();
  }

  public Optional<String> serviceParam() {
    return service.isEmpty() ? Optional.empty() : Optional.of(service);
  }

  /** {@value #ANONYMOUS}, or the credential's non-reversible id. */
  public String credentialId() {
    return credential == null ? ANONYMOUS : credential.id();
  }

  @Override
  public String toString() {
    return "TokenRequest[realm="
        + realm
        + ", service="
        + service
        + ", scopes="
        + scopes
        + ", credential="
        + credentialId()
        + "]";
  }
}
