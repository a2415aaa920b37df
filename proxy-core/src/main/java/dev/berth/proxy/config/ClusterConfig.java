package dev.berth.proxy.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code cluster}: what makes this berth a replica of the cluster tier (the parent node berths name
 * in {@code upstreams[].parent}).
 *
 * @param objectStorage the bucket the replicas share; empty to keep content on local disk
 * @param peers the replicas, this one included: each a {@code host:port} whose host may resolve to
 *     several addresses (a Kubernetes headless Service); each blob has one owner among them, which
 *     alone downloads it from the registry
 * @param peerTokenFile the shared secret replicas present to each other, required with {@code
 *     peers}
 */
public record ClusterConfig(
    Optional<ObjectStorageConfig> objectStorage,
    List<HostPort> peers,
    Optional<Path> peerTokenFile) {
  /** A berth on its own: no shared storage, no peers. */
  public static final ClusterConfig NONE =
      new ClusterConfig(Optional.empty(), List.of(), Optional.empty());

  public ClusterConfig {
    Objects.requireNonNull(objectStorage, "objectStorage");
    peers = List.copyOf(peers);
    Objects.requireNonNull(peerTokenFile, "peerTokenFile");
    if (!peers.isEmpty() && peerTokenFile.isEmpty()) {
      throw new IllegalArgumentException("peers need a peerTokenFile");
    }
  }
}
