package dev.berth.proxy.config;

import dev.berth.proxy.text.InvalidValueException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/** Applies command-line options over a config read from the defaults and the file. */
final class OverridesApplier {
  private static final String UPSTREAM_FORM =
      "expected NAME=URL such as docker.io=https://registry-1.docker.io";

  private OverridesApplier() {}

  /**
   * @param fileMarksDefault the config file itself listed upstreams with one marked {@code default:
   *     true}; then {@code --upstream} does not move the default
   */
  static BerthConfig apply(
      BerthConfig config, CommandLineOverrides overrides, boolean fileMarksDefault) {
    BerthConfig result = config;
    if (overrides.listen().isPresent()) {
      result = result.withListen(option("--listen", overrides.listen().get(), HostPort::parse));
    }
    if (overrides.admin().isPresent()) {
      result = result.withAdmin(option("--admin", overrides.admin().get(), HostPort::parse));
    }
    if (overrides.data().isPresent()) {
      result =
          result.withStorage(
              result
                  .storage()
                  .withPath(option("--data", overrides.data().get(), ConfigReader::path)));
    }
    if (!overrides.upstreams().isEmpty()) {
      result = result.withUpstreams(upstreams(result.upstreams(), overrides, fileMarksDefault));
    }
    return result;
  }

  private static List<UpstreamConfig> upstreams(
      List<UpstreamConfig> configured, CommandLineOverrides overrides, boolean fileMarksDefault) {
    List<UpstreamConfig> upstreams = new ArrayList<>(configured);
    String firstName = null;
    for (String argument : overrides.upstreams()) {
      UpstreamConfig added = upstream(argument);
      firstName = firstName == null ? added.name() : firstName;
      int existing = indexOf(upstreams, added.name());
      if (existing >= 0) {
        // Replacing keeps the default mark, so that a file's explicit default survives a new URL.
        upstreams.set(existing, added.withDefault(upstreams.get(existing).isDefault()));
      } else {
        upstreams.add(added);
      }
    }
    if (fileMarksDefault || firstName == null) {
      return upstreams;
    }
    List<UpstreamConfig> redefaulted = new ArrayList<>();
    for (UpstreamConfig upstream : upstreams) {
      redefaulted.add(upstream.withDefault(sameName(upstream.name(), firstName)));
    }
    return redefaulted;
  }

  private static UpstreamConfig upstream(String argument) {
    // The URL may carry user:password; the echo of the argument must not.
    String shown = argument.replaceAll("://[^/@]*@", "://***@");
    int equals = argument.indexOf('=');
    if (equals <= 0 || equals == argument.length() - 1) {
      throw new ConfigException("--upstream '" + shown + "': " + UPSTREAM_FORM);
    }
    try {
      String name = UpstreamName.check(argument.substring(0, equals));
      URI url = UpstreamUrl.parse(argument.substring(equals + 1));
      return UpstreamConfig.of(name, url);
    } catch (InvalidValueException e) {
      throw new ConfigException("--upstream '" + shown + "': " + e.getMessage(), e);
    }
  }

  private static int indexOf(List<UpstreamConfig> upstreams, String name) {
    for (int i = 0; i < upstreams.size(); i++) {
      if (sameName(upstreams.get(i).name(), name)) {
        return i;
      }
    }
    return -1;
  }

  private static boolean sameName(String a, String b) {
    return a.toLowerCase(Locale.ROOT).equals(b.toLowerCase(Locale.ROOT));
  }

  /** Parses an option's value; errors read {@code --listen 'abc': expected HOST:PORT ...}. */
  private static <T> T option(String option, String value, Function<String, T> parser) {
    try {
      return parser.apply(value);
    } catch (InvalidValueException e) {
      throw new ConfigException(option + " '" + value + "': " + e.problem(), e);
    }
  }
}
