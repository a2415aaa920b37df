package dev.berth.proxy.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The bearer token of the admin API. A value: once made, it is a valid RFC 6750 {@code b64token}
 * ({@code ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/"}, then optional {@code "="}), so it
 * fits in an {@code Authorization} header as it is. {@link #toString} never shows it: the token
 * must not reach a log line, an error message or a metric.
 */
public final class AdminToken {
  private static final Pattern B64TOKEN = Pattern.compile("[A-Za-z0-9._~+/-]+=*");

  /** 32 random bytes: 256 bits, as many as an HMAC-SHA256 key. */
  private static final int RANDOM_BYTES = 32;

  private final byte[] value;

  private AdminToken(String value) {
    this.value = value.getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * @throws IllegalArgumentException when {@code text} is not a {@code b64token}; the message does
   *     not repeat it
   */
  public static AdminToken of(String text) {
    Objects.requireNonNull(text, "text");
    if (!B64TOKEN.matcher(text).matches()) {
      throw new IllegalArgumentException(
          "a bearer token is letters, digits and - . _ ~ + / (then optional =), in one line");
    }
    return new AdminToken(text);
  }

  /** A fresh token of 256 random bits, URL-safe base64 without padding (43 characters). */
  public static AdminToken random(SecureRandom random) {
    byte[] bytes = new byte[RANDOM_BYTES];
    random.nextBytes(bytes);
    return new AdminToken(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
  }

  /**
   * Whether an {@code Authorization} header value is {@code Bearer <this token>}. The scheme is
   * case-insensitive (RFC 7235). The comparison takes the same time wherever the first difference
   * is: {@link MessageDigest#isEqual}'s time depends only on the length of its first argument, the
   * token, not on what was presented.
   */
  public boolean authorizes(@Nullable String authorization) {
    if (authorization == null) {
      return false;
    }
    int space = authorization.indexOf(' ');
    if (space < 0 || !authorization.substring(0, space).toLowerCase(Locale.ROOT).equals("bearer")) {
      return false;
    }
    byte[] presented =
        authorization.substring(space + 1).strip().getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(value, presented);
  }

  /** The {@code Authorization} header value that carries this token. */
  public String authorizationHeader() {
    return "Bearer " + new String(value, StandardCharsets.US_ASCII);
  }

  /** What the token file holds: the token and a newline. */
  String fileContent() {
    return new String(value, StandardCharsets.US_ASCII) + "\n";
  }

  @Override
  public String toString() {
    return "AdminToken[redacted]";
  }
}
