package dev.berth.proxy.config;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The options of {@code berth serve} that override the config file, as typed (unparsed), so that
 * {@link ConfigLoader} can name the option in its errors.
 *
 * @param listen {@code --listen HOST:PORT}
 * @param admin {@code --admin HOST:PORT}
 * @param data {@code --data DIR}
 * @param upstreams each {@code --upstream NAME=URL}, in the order given
 */
public record CommandLineOverrides(
    Optional<String> listen,
    Optional<String> admin,
    Optional<String> data,
    List<String> upstreams) {

  public CommandLineOverrides {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(admin, "admin");
    Objects.requireNonNull(data, "data");
    upstreams = List.copyOf(upstreams);
  }

  /** No options given. */
  public static CommandLineOverrides none() {
    return new CommandLineOverrides(
        Optional.empty(), Optional.empty(), Optional.empty(), List.of());
  }
}
