package dev.berth.auth.credential;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One registry credential, as docker's {@code config.json} can express it.
 *
 * <p>{@link #toString()} never shows the secret, and {@link #id()} identifies the credential
 * without revealing it, for cache keys and logs.
 *
 * @param username the user name; may be empty for the token kinds (containerd sends an identity
 *     token with an empty user name)
 * @param secret the password or token; non-empty for the token kinds
 * @param kind how the secret is presented to a registry
 */
public record Credential(String username, String secret, Kind kind) {

  /** How a credential's secret is used against a registry (docker's precedence, last first). */
  public enum Kind {
    /** User name and password: HTTP Basic, or the basic-auth token request of a Bearer flow. */
    BASIC,
    /**
     * An OAuth2 refresh token ({@code identitytoken} in config.json): exchanged at the token realm
     * with {@code grant_type=refresh_token}. The user name may be empty.
     */
    IDENTITY_TOKEN,
    /** A bearer token ({@code registrytoken}) sent to the registry as it is. */
    REGISTRY_TOKEN
  }

  public Credential {
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(secret, "secret");
    Objects.requireNonNull(kind, "kind");
    if (username.indexOf('\0') >= 0) {
      // NUL separates the fields hashed by id(); a NUL inside a field would make ids ambiguous.
      throw new IllegalArgumentException("username: must not contain NUL");
    }
    if (kind != Kind.BASIC && secret.isEmpty()) {
      throw new IllegalArgumentException("secret: a " + kind + " credential needs a token");
    }
  }

  /** A user name and password. */
  public static Credential basic(String username, String password) {
    return new Credential(username, password, Kind.BASIC);
  }

  /** An OAuth2 refresh token, with the user name it was issued to (may be empty). */
  public static Credential identityToken(String username, String token) {
    return new Credential(username, token, Kind.IDENTITY_TOKEN);
  }

  /** A bearer token used directly. */
  public static Credential registryToken(String token) {
    return new Credential("", token, Kind.REGISTRY_TOKEN);
  }

  /**
   * A stable identity for cache keys: {@code "sha256:" + hex(SHA-256(kind + "\0" + username + "\0"
   * + secret))} over UTF-8. Two credentials get the same id exactly when they are equal, so tokens
   * fetched with one credential are never served to a request made with another; and the hash
   * cannot be turned back into the secret, so the id may be logged.
   */
  public String id() {
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform must provide SHA-256", e);
    }
    String material = kind.name() + '\0' + username + '\0' + secret;
    return "sha256:"
        + HexFormat.of().formatHex(sha256.digest(material.getBytes(StandardCharsets.UTF_8)));
  }

  /** Shows the kind and user name, never the secret. */
  @Override
  public String toString() {
    return "Credential[kind=" + kind + ", username=" + username + ", secret=<redacted>]";
  }
}
