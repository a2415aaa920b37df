package dev.berth.proxy.config;

import java.nio.file.Path;
import java.util.List;

/**
 * Node-level credentials.
 *
 * @param dockerConfig docker {@code config.json} files to read, in order; a missing file is not an
 *     error (the kubelet's locations are listed by default and usually only one exists)
 * @param checkTtl how long an upstream's answer to "may this client credential read this
 *     repository" is reused ({@code tenancy: verify})
 */
public record CredentialsConfig(List<Path> dockerConfig, java.time.Duration checkTtl) {
  public static final java.time.Duration DEFAULT_CHECK_TTL = java.time.Duration.ofMinutes(1);

  public CredentialsConfig {
    dockerConfig = List.copyOf(dockerConfig);
    java.util.Objects.requireNonNull(checkTtl, "checkTtl");
  }

  public CredentialsConfig(List<Path> dockerConfig) {
    this(dockerConfig, DEFAULT_CHECK_TTL);
  }
}
