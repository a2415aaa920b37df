package dev.berth.auth;

import dev.berth.auth.credential.Credential;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Who is asking berth: the credential a client presented (containerd sends the pod's pull secret as
 * HTTP Basic once the mirror challenges), the node itself (a request without credentials from the
 * node's own addresses, which may read what the node's credentials can, the kubelet's rule for node
 * credentials), or nobody. Held only in memory, for one request.
 *
 * @param credential the presented credential, empty for an anonymous client and for the node
 * @param node the request came without credentials from the node itself
 */
public record ClientIdentity(Optional<Credential> credential, boolean node) {
  public static final ClientIdentity ANONYMOUS = new ClientIdentity(Optional.empty(), false);

  /** The node itself: reads what the node's credentials can read. */
  public static final ClientIdentity NODE = new ClientIdentity(Optional.empty(), true);

  public ClientIdentity {
    java.util.Objects.requireNonNull(credential, "credential");
    if (node && credential.isPresent()) {
      throw new IllegalArgumentException(
          "node: a client that presents credentials is not the node");
    }
  }

  /** A client that presented {@code credential}. */
  public static ClientIdentity of(Credential credential) {
    return new ClientIdentity(Optional.of(credential), false);
  }

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
    return of(Credential.basic(username, decoded.substring(colon + 1)));
  }

  /** Neither credentials nor the node: may read public repositories only. */
  public boolean isAnonymous() {
    return credential.isEmpty() && !node;
  }

  /** The node itself (see {@link #NODE}). */
  public boolean isNode() {
    return node;
  }

  /** This identity, or {@link #NODE} when it is anonymous and {@code fromNode} holds. */
  public ClientIdentity orNodeIf(boolean fromNode) {
    return fromNode && isAnonymous() ? NODE : this;
  }
}
