package dev.berth.proxy.config;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The whole configuration of a berth process, validated: build it with {@link ConfigLoader}, whose
 * errors name the key; the checks here only keep a hand-built instance honest.
 *
 * @param listen the registry API address
 * @param admin the address of {@code /metrics}, {@code /healthz} and {@code /readyz} (open) and of
 *     the {@code /admin/} API (behind the admin token)
 * @param storage where cached content lives
 * @param upstreams the reachable registries, at least one, unique by name, at most one default
 * @param credentials node-level credential sources
 * @param tenancy whether cached private content is checked per client
 * @param limits what protects the node from too many clients or downloads
 * @param tls HTTPS for the registry listener; empty for plain HTTP (HTTP/1.1 and h2c)
 * @param adminTokenFile {@code admin-token-file}: where the admin API's bearer token is; empty for
 *     {@link #ADMIN_TOKEN_FILE} in the data directory (see {@link #adminTokenPath})
 * @param cluster the cluster tier's shared storage, when this berth is one of its replicas
 */
public record BerthConfig(
    HostPort listen,
    HostPort admin,
    StorageConfig storage,
    List<UpstreamConfig> upstreams,
    CredentialsConfig credentials,
    Tenancy tenancy,
    LimitsConfig limits,
    Optional<TlsConfig> tls,
    Optional<Path> adminTokenFile,
    ClusterConfig cluster) {
  /** The admin token file's name in the data directory, when {@code admin-token-file} is unset. */
  public static final String ADMIN_TOKEN_FILE = "admin-token";

  public BerthConfig {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(admin, "admin");
    Objects.requireNonNull(storage, "storage");
    upstreams = List.copyOf(upstreams);
    Objects.requireNonNull(credentials, "credentials");
    Objects.requireNonNull(tenancy, "tenancy");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(adminTokenFile, "adminTokenFile");
    Objects.requireNonNull(cluster, "cluster");
    if (upstreams.isEmpty()) {
      throw new IllegalArgumentException("at least one upstream is required");
    }
    Set<String> names = new HashSet<>();
    for (UpstreamConfig upstream : upstreams) {
      if (!names.add(upstream.name().toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException("duplicate upstream name " + upstream.name());
      }
    }
    if (upstreams.stream().filter(UpstreamConfig::isDefault).count() > 1) {
      throw new IllegalArgumentException("more than one default upstream: " + upstreams);
    }
  }

  /** The upstream for requests that name none, if one is marked default. */
  public Optional<UpstreamConfig> defaultUpstream() {
    return upstreams.stream().filter(UpstreamConfig::isDefault).findFirst();
  }

  /**
   * The admin token file: {@code admin-token-file}, or {@code admin-token} in {@code storage.path}
   * (resolved here, after {@code --data} has had its say, so that a server and a command given the
   * same {@code --data} agree on it).
   */
  public Path adminTokenPath() {
    return adminTokenFile.orElseGet(() -> storage.path().resolve(ADMIN_TOKEN_FILE));
  }

  public BerthConfig withListen(HostPort newListen) {
    return new BerthConfig(
        newListen,
        admin,
        storage,
        upstreams,
        credentials,
        tenancy,
        limits,
        tls,
        adminTokenFile,
        cluster);
  }

  public BerthConfig withAdmin(HostPort newAdmin) {
    return new BerthConfig(
        listen,
        newAdmin,
        storage,
        upstreams,
        credentials,
        tenancy,
        limits,
        tls,
        adminTokenFile,
        cluster);
  }

  public BerthConfig withStorage(StorageConfig newStorage) {
    return new BerthConfig(
        listen,
        admin,
        newStorage,
        upstreams,
        credentials,
        tenancy,
        limits,
        tls,
        adminTokenFile,
        cluster);
  }

  public BerthConfig withLimits(LimitsConfig newLimits) {
    return new BerthConfig(
        listen,
        admin,
        storage,
        upstreams,
        credentials,
        tenancy,
        newLimits,
        tls,
        adminTokenFile,
        cluster);
  }

  public BerthConfig withUpstreams(List<UpstreamConfig> newUpstreams) {
    return new BerthConfig(
        listen,
        admin,
        storage,
        newUpstreams,
        credentials,
        tenancy,
        limits,
        tls,
        adminTokenFile,
        cluster);
  }
}
