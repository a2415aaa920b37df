package dev.berth.proxy.pull;

import dev.berth.auth.credential.Credential;
import java.util.List;
import java.util.Optional;

/**
 * The credentials one request may use upstream, in order (an empty Optional is anonymous); built by
 * {@link dev.berth.proxy.upstream.UpstreamCredentials}.
 */
public record Candidates(List<Optional<Credential>> list) {
  public static final Candidates ANONYMOUS = new Candidates(List.of(Optional.empty()));

  public Candidates {
    list = List.copyOf(list);
    if (list.isEmpty()) {
      throw new IllegalArgumentException("list: at least one candidate (anonymous) is needed");
    }
  }
}
