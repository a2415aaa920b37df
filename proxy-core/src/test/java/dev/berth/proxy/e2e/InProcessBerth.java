package dev.berth.proxy.e2e;

import dev.berth.proxy.config.CommandLineOverrides;
import dev.berth.proxy.config.ConfigLoader;
import dev.berth.proxy.server.BerthServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** berth in the test's JVM, as {@code berth serve --config F --data D} on free loopback ports. */
public final class InProcessBerth {
  private InProcessBerth() {}

  /**
   * @param config berth's YAML config (the embedded defaults for every key it does not set)
   * @param data the data directory
   * @return the running server; close it
   */
  public static BerthServer start(Path config, Path data) {
    return BerthServer.start(
        ConfigLoader.load(
            Optional.of(config),
            new CommandLineOverrides(
                Optional.of("127.0.0.1:0"),
                Optional.of("127.0.0.1:0"),
                Optional.of(data.toString()),
                List.of())));
  }
}
