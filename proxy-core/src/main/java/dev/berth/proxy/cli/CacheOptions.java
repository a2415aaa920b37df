package dev.berth.proxy.cli;

import dev.berth.proxy.config.BerthConfig;
import dev.berth.proxy.config.CommandLineOverrides;
import dev.berth.proxy.config.ConfigLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The options every command working on a cache directory shares (gc, prefetch, export, import,
 * verify): which config, which directory, which extra upstreams. A picocli mixin.
 */
final class CacheOptions {
  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "YAML config file (as for 'berth serve'). Default: none.")
  private Optional<Path> config = Optional.empty();

  @Option(
      names = "--data",
      paramLabel = "DIR",
      description = "Cache directory. Default: ./berth-data (config key: storage.path).")
  private Optional<String> data = Optional.empty();

  @Option(
      names = "--upstream",
      paramLabel = "NAME=URL",
      description = "Adds an upstream registry, as for 'berth serve'. Repeatable.")
  private List<String> upstreams = new ArrayList<>();

  BerthConfig load() {
    return load(Optional.empty(), Optional.empty());
  }

  /** With the listen and admin addresses of a server the command runs itself. */
  BerthConfig load(Optional<String> listen, Optional<String> admin) {
    return ConfigLoader.load(config, new CommandLineOverrides(listen, admin, data, upstreams));
  }
}
