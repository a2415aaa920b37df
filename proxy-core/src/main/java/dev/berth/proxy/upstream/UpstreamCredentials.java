package dev.berth.proxy.upstream;

import dev.berth.auth.ClientIdentity;
import dev.berth.auth.credential.Credential;
import dev.berth.auth.credential.CredentialKeyring;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The credentials to try for an upstream request, in the kubelet's order (protocol.md §2.4, §3.3):
 * what the client presented, then every node keyring entry matching {@code <upstream>/<repository>}
 * (most specific first), then anonymous only when no keyring entry matched.
 */
public final class UpstreamCredentials {
  private final Supplier<CredentialKeyring> keyring;

  /**
   * @param keyring the current node keyring (reloaded behind this supplier)
   */
  public UpstreamCredentials(Supplier<CredentialKeyring> keyring) {
    this.keyring = keyring;
  }

  /** No node credentials: client credentials, then anonymous. */
  public static UpstreamCredentials none() {
    return new UpstreamCredentials(CredentialKeyring::empty);
  }

  public List<Optional<Credential>> candidates(RoutedRepository target, ClientIdentity client) {
    List<Optional<Credential>> candidates = new ArrayList<>();
    client.credential().ifPresent(c -> candidates.add(Optional.of(c)));
    List<Credential> node =
        keyring.get().lookup(target.upstream().name() + "/" + target.repository().value());
    for (Credential c : node) {
      Optional<Credential> candidate = Optional.of(c);
      if (!candidates.contains(candidate)) {
        candidates.add(candidate);
      }
    }
    if (node.isEmpty()) {
      candidates.add(Optional.empty());
    }
    return List.copyOf(candidates);
  }

  /** Only what the client itself presented (or anonymous): for access checks on its behalf. */
  public static List<Optional<Credential>> clientOnly(ClientIdentity client) {
    return List.of(client.credential());
  }
}
