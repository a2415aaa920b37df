package dev.berth.proxy.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Builds the {@link BerthConfig} of a run from three layers, each replacing what it sets in the one
 * below:
 *
 * <ol>
 *   <li>the embedded defaults ({@code default-config.yaml} beside this class);
 *   <li>an optional YAML file: its top-level keys replace the defaults, maps such as {@code
 *       storage} key by key, lists such as {@code upstreams} as a whole;
 *   <li>command-line options: {@code --listen}, {@code --admin}, {@code --data}, and {@code
 *       --upstream NAME=URL}, which adds (or replaces by name) an upstream with policy {@code
 *       always}; the first one given becomes the default unless the file marks an upstream {@code
 *       default: true} itself.
 * </ol>
 *
 * Every problem is a {@link ConfigException} whose message names the file or option, the key and
 * the bad value.
 */
public final class ConfigLoader {
  private static final String DEFAULTS_RESOURCE = "default-config.yaml";
  private static final String DEFAULTS_SOURCE = "embedded default config";

  private ConfigLoader() {}

  /**
   * Loads the configuration.
   *
   * @param file the {@code --config} file, if any
   * @param overrides the command-line options
   * @throws ConfigException when anything is missing, unknown or invalid
   */
  public static BerthConfig load(Optional<Path> file, CommandLineOverrides overrides) {
    JsonNode defaults = YamlTrees.parse(DEFAULTS_SOURCE, readDefaults());
    BerthConfig config;
    boolean fileMarksDefault = false;
    if (file.isPresent()) {
      String source = file.get().toString();
      JsonNode fromFile = YamlTrees.parse(source, readFile(file.get()));
      if (!fromFile.isObject()) {
        throw new ConfigException(
            source
                + ": expected a map of settings such as 'listen: 0.0.0.0:5000' at the top level");
      }
      config = ConfigReader.read(ConfigNode.root(source, YamlTrees.merge(defaults, fromFile)));
      fileMarksDefault =
          fromFile.has("upstreams")
              && config.upstreams().stream().anyMatch(UpstreamConfig::isDefault);
    } else {
      config = ConfigReader.read(ConfigNode.root(DEFAULTS_SOURCE, defaults));
    }
    return OverridesApplier.apply(config, overrides, fileMarksDefault);
  }

  private static String readFile(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ConfigException(file + ": no such config file", e);
    } catch (AccessDeniedException e) {
      throw new ConfigException(file + ": permission denied reading the config file", e);
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot read the config file: " + e.getMessage(), e);
    }
  }

  private static String readDefaults() {
    try (InputStream in = ConfigLoader.class.getResourceAsStream(DEFAULTS_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("resource " + DEFAULTS_RESOURCE + " missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
