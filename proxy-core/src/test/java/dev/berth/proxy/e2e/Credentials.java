package dev.berth.proxy.e2e;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A registry user name and password, as the e2e fixtures hand them to skopeo, to the JDK client and
 * to the authenticated upstreams ({@link LocalRegistry#startNewWithHtpasswd}, {@link
 * TokenAuthRegistry}).
 *
 * <pre>{@code
 * Credentials alice = new Credentials("alice", "alice-pw");
 * request.header("Authorization", alice.basicAuthorization());
 * }</pre>
 *
 * @param username must not contain {@code ':'} (Basic auth and skopeo's {@code --creds} split
 *     there)
 * @param password any text
 */
public record Credentials(String username, String password) {
  public Credentials {
    if (username.isEmpty() || username.indexOf(':') >= 0) {
      throw new IllegalArgumentException("user name must be non-empty without ':': " + username);
    }
  }

  /** {@code Basic base64(user:password)}, the value of an {@code Authorization} header. */
  public String basicAuthorization() {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  /** {@code user:password}, the argument of skopeo's {@code --creds} and friends. */
  public String colonSeparated() {
    return username + ":" + password;
  }

  /** Names the user only, so that credentials never end up in a failure message. */
  @Override
  public String toString() {
    return "Credentials[" + username + ":***]";
  }
}
