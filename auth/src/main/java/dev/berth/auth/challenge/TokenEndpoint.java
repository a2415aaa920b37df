package dev.berth.auth.challenge;

import java.util.concurrent.CompletionStage;

/**
 * The HTTP exchange with a token server, implemented where an HTTP client lives (proxy-core). It
 * must not log the credential or the token.
 */
@FunctionalInterface
public interface TokenEndpoint {
  /**
   * Fetches a token for {@code request}.
   *
   * @return the token, or a failed stage whose message names the realm (never the secret)
   */
  CompletionStage<BearerToken> fetch(TokenRequest request);
}
