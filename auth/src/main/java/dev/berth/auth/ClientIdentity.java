package dev.berth.auth;

import dev.berth.auth.credential.Credential;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Who is asking berth: the credential a client presented (containerd sends the pod's pull secret as
 * HTTP Basic once the mirror challenges), or nobody. Held only in memory, for one request.
 *
 * @param credential the presented credential, empty for an anonymous client
 */
public record ClientIdentity(Optional<Credential> credential) {
  public static final ClientIdentity ANONYMOUS = new ClientIdentity(Optional.empty());

  /**
   * Reads an {@code Authorization} header. Only {@code Basic} is understood (what clients send to a
   * mirror that challenges with Basic); anything else, or a malformed value, is anonymous.
   */
  public static ClientIdentity fromAuthorization(@Nullable String header) {
    if (header == null) {
      return ANONYMOUS;
    }
    String value = header.trim();
    int space = value.indexOf(' ');
    if (space < 0 || !value.substring(0, space).toLowerCase(Locale.ROOT).equals("basic")) {
      return ANONYMOUS;
    }
    String decoded;
    try {
      decoded =
          new String(
              Base64.getDecoder().decode(value.substring(space + 1).trim()),
              StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return ANONYMOUS;
    }
    int colon = decoded.indexOf(':');
    if (colon <= 0) {
      return ANONYMOUS;
    }
    String username = decoded.substring(0, colon);
    if (username.indexOf('\0') >= 0) {
      return ANONYMOUS;
    }
    return new ClientIdentity(
        Optional.of(Credential.basic(username, decoded.substring(colon + 1))));
  }

  public boolean isAnonymous() {
    return credential.isEmpty();
  }
}
