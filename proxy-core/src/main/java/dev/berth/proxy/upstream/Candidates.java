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
 */
public record Candidates(List<Optional<Credential>> list, Optional<Credential> client) {
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

  /** Candidates none of which is the client's own. */
  public Candidates(List<Optional<Credential>> list) {
    this(list, Optional.empty());
  }

  /** What a parent berth gets: the client's credential, else anonymous. */
  Candidates forParent() {
    return new Candidates(List.of(client), client);
  }
}
