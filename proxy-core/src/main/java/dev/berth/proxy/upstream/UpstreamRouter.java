package dev.berth.proxy.upstream;

import dev.berth.proxy.image.ImageReference;
import dev.berth.proxy.image.RepositoryName;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Picks the upstream of a request (docs/protocol.md §7.4): the {@code ns} query parameter
 * containerd adds when it uses a mirror, else a leading registry host in the name ({@code
 * /v2/ghcr.io/org/app/...}, detected by Docker's {@code splitDockerDomain} rule), else the default
 * upstream. A host that is not configured is refused: berth is never an open proxy. Thread-safe
 * (immutable).
 */
public final class UpstreamRouter {
  private final List<Upstream> upstreams;
  private final @Nullable Upstream defaultUpstream;

  public UpstreamRouter(List<Upstream> upstreams) {
    this.upstreams = List.copyOf(upstreams);
    this.defaultUpstream = upstreams.stream().filter(Upstream::isDefault).findFirst().orElse(null);
  }

  public List<Upstream> upstreams() {
    return upstreams;
  }

  public Optional<Upstream> byName(String host) {
    return upstreams.stream().filter(u -> u.answersTo(host)).findFirst();
  }

  /**
   * Routes a request.
   *
   * @param ns the decoded {@code ns} query parameter, or null
   * @param name the name from the path, possibly with a leading registry host
   * @throws UnknownUpstreamException when {@code ns} or the path names an unconfigured registry, or
   *     nothing is named and there is no default
   * @throws dev.berth.proxy.image.InvalidReferenceException when the repository is malformed
   */
  public RoutedRepository route(@Nullable String ns, String name) {
    Upstream upstream;
    String path = name;
    if (ns != null && !ns.isEmpty()) {
      upstream =
          byName(ns)
              .orElseThrow(
                  () ->
                      new UnknownUpstreamException(
                          "ns=" + ns + " is not a configured upstream " + known()));
    } else {
      int slash = name.indexOf('/');
      String first = slash > 0 ? name.substring(0, slash) : "";
      if (slash > 0 && ImageReference.looksLikeRegistryHost(first)) {
        upstream =
            byName(first)
                .orElseThrow(
                    () ->
                        new UnknownUpstreamException(
                            "registry "
                                + first
                                + " in the path is not a configured upstream "
                                + known()));
        path = name.substring(slash + 1);
      } else if (defaultUpstream != null) {
        upstream = defaultUpstream;
      } else {
        throw new UnknownUpstreamException(
            "no upstream named in the request (ns= or a registry host in the path) and no default"
                + " upstream configured "
                + known());
      }
    }
    if (upstream.isDockerHub() && path.indexOf('/') < 0) {
      path = "library/" + path;
    }
    return new RoutedRepository(upstream, RepositoryName.parse(path));
  }

  private String known() {
    return upstreams.stream()
        .map(Upstream::name)
        .collect(Collectors.joining(", ", "(configured: ", ")"));
  }
}
