package dev.berth.proxy.upstream;

import dev.berth.auth.ClientIdentity;
import dev.berth.auth.credential.Credential;
import dev.berth.auth.credential.CredentialKeyring;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The credentials to try for an upstream request, in the kubelet's order (docs/protocol.md §2.4,
 * §3.3): what the client presented, then the node's credentials for {@code
 * <upstream>/<repository>}: the docker config files' keyring (most specific first), then the
 * credential provider plugins' answers (the kubelet's {@code Union{nodeKeyring, pluginKeyring}}),
 * then anonymous only when the node has none.
 *
 * <p>Plugins are programs: while their answers are cached this is a memory lookup; otherwise the
 * plugins run on {@code workers}, never on the caller's event loop.
 */
public final class UpstreamCredentials {
  private final Supplier<CredentialKeyring> keyring;
  private final NodePlugins plugins;
  private final @Nullable WorkerExecutor workers;

  /**
   * @param keyring the current node keyring from docker config files (reloaded behind it)
   * @param plugins credential provider plugins, or {@link NodePlugins#NONE}
   * @param workers where plugins run; may be null only with {@link NodePlugins#NONE}
   */
  public UpstreamCredentials(
      Supplier<CredentialKeyring> keyring, NodePlugins plugins, @Nullable WorkerExecutor workers) {
    if (plugins != NodePlugins.NONE && workers == null) {
      throw new IllegalArgumentException("workers: plugins need a worker pool to run on");
    }
    this.keyring = keyring;
    this.plugins = plugins;
    this.workers = workers;
  }

  /** Config files only. */
  public UpstreamCredentials(Supplier<CredentialKeyring> keyring) {
    this(keyring, NodePlugins.NONE, null);
  }

  /** No node credentials: client credentials, then anonymous. */
  public static UpstreamCredentials none() {
    return new UpstreamCredentials(CredentialKeyring::empty);
  }

  /** The candidates for {@code client}, in order; an empty Optional is anonymous. */
  public Future<Candidates> candidates(RoutedRepository target, ClientIdentity client) {
    return node(target).map(node -> new Candidates(merge(client, node), client.credential()));
  }

  /**
   * The node's own credentials for {@code target}, most specific first: config files, then plugins.
   * Empty when the node has none for it.
   */
  public Future<List<Credential>> node(RoutedRepository target) {
    String image = target.upstream().name() + "/" + target.repository().value();
    List<Credential> files = keyring.get().lookup(image);
    Optional<List<Credential>> cached = plugins.cached(image);
    if (cached.isPresent()) {
      return Future.succeededFuture(concat(files, cached.get()));
    }
    return java.util.Objects.requireNonNull(workers)
        .executeBlocking(() -> concat(files, plugins.provide(image)), false);
  }

  private static List<Credential> concat(List<Credential> first, List<Credential> second) {
    if (second.isEmpty()) {
      return first;
    }
    List<Credential> all = new ArrayList<>(first);
    all.addAll(second);
    return all;
  }

  private static List<Optional<Credential>> merge(ClientIdentity client, List<Credential> node) {
    List<Optional<Credential>> candidates = new ArrayList<>();
    client.credential().ifPresent(c -> candidates.add(Optional.of(c)));
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
}
