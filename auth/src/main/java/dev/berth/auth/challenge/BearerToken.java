package dev.berth.auth.challenge;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A bearer token and when to stop using it. {@link #toString()} never shows the token.
 *
 * @param token the secret sent as {@code Authorization: Bearer <token>}
 * @param expiresAt when the token server said it expires
 */
public record BearerToken(String token, Instant expiresAt) {
  /** Tokens without {@code expires_in} live 60 s (token.md); shorter values are raised to it. */
  public static final Duration MINIMUM_LIFETIME = Duration.ofSeconds(60);

  public BearerToken {
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(expiresAt, "expiresAt");
  }

  /**
   * Builds a token from a token-server response (token.md §5.3): {@code access_token} is preferred
   * over {@code token}; expiry is {@code issued_at} (or receipt) plus {@code expires_in} (at least
   * 60 s).
   *
   * @throws IllegalArgumentException when neither token field is present
   */
  public static BearerToken fromResponse(
      @Nullable String token,
      @Nullable String accessToken,
      @Nullable Long expiresInSeconds,
      @Nullable Instant issuedAt,
      Instant receivedAt) {
    String value = accessToken != null && !accessToken.isEmpty() ? accessToken : token;
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("token response has neither token nor access_token");
    }
    Duration lifetime =
        expiresInSeconds == null || expiresInSeconds < MINIMUM_LIFETIME.toSeconds()
            ? MINIMUM_LIFETIME
            : Duration.ofSeconds(expiresInSeconds);
    Instant base = issuedAt != null && issuedAt.isBefore(receivedAt) ? issuedAt : receivedAt;
    return new BearerToken(value, base.plus(lifetime));
  }

  /**
   * When the cache should drop this token: a safety margin of 10% of the remaining lifetime, at
   * least 5 s, before the server's expiry, so a token never expires in flight.
   */
  public Instant refreshAt(Instant now) {
    Duration remaining = Duration.between(now, expiresAt);
    Duration margin = remaining.dividedBy(10);
    if (margin.compareTo(Duration.ofSeconds(5)) < 0) {
      margin = Duration.ofSeconds(5);
    }
    return expiresAt.minus(margin);
  }

  @Override
  public String toString() {
    return "BearerToken[token=<redacted>, expiresAt=" + expiresAt + "]";
  }
}
