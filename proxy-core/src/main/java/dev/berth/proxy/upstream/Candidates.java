package dev.berth.proxy.upstream;

import dev.berth.auth.credential.Credential;
import java.util.List;
import java.util.Optional;

/**
 * The credentials one request may use upstream, in order (an empty Optional is anonymous); built by
 * {@link UpstreamCredentials}.
 *
 * @param client the credential the client presented, if any: the only one berth forwards to a
 *     parent berth (the node's own credentials never leave the node)
 * @param fromPeer the request came from another replica of the cluster tier: it is served here,
 *     never forwarded to a peer again
 */
public record Candidates(
    List<Optional<Credential>> list, Optional<Credential> client, boolean fromPeer) {
  public static final Candidates ANONYMOUS = new Candidates(List.of(Optional.empty()));

  public Candidates {
    list = List.copyOf(list);
    if (list.isEmpty()) {
      throw new IllegalArgumentException("list: at least one candidate (anonymous) is needed");
    }
    if (client.isPresent() && !list.contains(client)) {
      throw new IllegalArgumentException("client: the client's credential must be a candidate");
    }
  }

  public Candidates(List<Optional<Credential>> list, Optional<Credential> client) {
    this(list, client, false);
  }

  /** Candidates none of which is the client's own. */
  public Candidates(List<Optional<Credential>> list) {
    this(list, Optional.empty());
  }

  /** The same, for a request a peer replica sent. */
  public Candidates asFromPeer() {
    return new Candidates(list, client, true);
  }

  /** What a parent berth or a peer replica gets: the client's credential, else anonymous. */
  Candidates forParent() {
    return new Candidates(List.of(client), client);
  }
}
