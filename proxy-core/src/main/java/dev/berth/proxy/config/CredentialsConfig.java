package dev.berth.proxy.config;

import java.nio.file.Path;
import java.util.List;

/**
 * Node-level credentials.
 *
 * @param dockerConfig docker {@code config.json} files to read, in order; a missing file is not an
 *     error (the kubelet's locations are listed by default and usually only one exists)
 */
public record CredentialsConfig(List<Path> dockerConfig) {
  public CredentialsConfig {
    dockerConfig = List.copyOf(dockerConfig);
  }
}
