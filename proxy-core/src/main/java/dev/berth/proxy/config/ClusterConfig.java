package dev.berth.proxy.config;

import java.util.Objects;
import java.util.Optional;

/**
 * {@code cluster}: what makes this berth a replica of the cluster tier (the parent node berths name
 * in {@code upstreams[].parent}).
 *
 * @param objectStorage the bucket the replicas share; empty to keep content on local disk
 */
public record ClusterConfig(Optional<ObjectStorageConfig> objectStorage) {
  /** A berth on its own: no shared storage. */
  public static final ClusterConfig NONE = new ClusterConfig(Optional.empty());

  public ClusterConfig {
    Objects.requireNonNull(objectStorage, "objectStorage");
  }
}
