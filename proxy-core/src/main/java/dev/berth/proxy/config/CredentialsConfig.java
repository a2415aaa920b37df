package dev.berth.proxy.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Node-level credentials, and who acts with them.
 *
 * @param dockerConfig docker {@code config.json} files to read, in order; a missing file is not an
 *     error (the kubelet's locations are listed by default and usually only one exists)
 * @param checkTtl how long an upstream's answer to "may this identity read this repository" is used
 *     without asking again ({@code tenancy: verify}); past it the upstream is asked, and while it
 *     cannot be reached the last answer stands within the upstream's {@code max-stale}
 * @param nodeIdentity requests without credentials from the node itself (loopback and {@code
 *     nodeAddresses}) read what the node's credentials can read, the kubelet's rule for node
 *     credentials; off, every client must present its own
 * @param nodeAddresses client addresses besides loopback that count as the node
 * @param providerConfig a kubelet {@code CredentialProviderConfig} whose plugins add node
 *     credentials
 * @param providerBinDir where the plugins it names live (the kubelet's {@code
 *     --image-credential-provider-bin-dir}); set exactly when {@code providerConfig} is
 */
public record CredentialsConfig(
    List<Path> dockerConfig,
    Duration checkTtl,
    boolean nodeIdentity,
    List<AddressRange> nodeAddresses,
    Optional<Path> providerConfig,
    Optional<Path> providerBinDir) {
  public static final Duration DEFAULT_CHECK_TTL = Duration.ofMinutes(1);

  public CredentialsConfig {
    dockerConfig = List.copyOf(dockerConfig);
    Objects.requireNonNull(checkTtl, "checkTtl");
    nodeAddresses = List.copyOf(nodeAddresses);
    Objects.requireNonNull(providerConfig, "providerConfig");
    Objects.requireNonNull(providerBinDir, "providerBinDir");
    if (providerConfig.isPresent() != providerBinDir.isPresent()) {
      throw new IllegalArgumentException("providerConfig and providerBinDir go together");
    }
  }

  /** Files only, the default check TTL, node identity on, no plugins. */
  public CredentialsConfig(List<Path> dockerConfig) {
    this(dockerConfig, DEFAULT_CHECK_TTL, true, List.of(), Optional.empty(), Optional.empty());
  }
}
