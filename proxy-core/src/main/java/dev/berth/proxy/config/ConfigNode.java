package dev.berth.proxy.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.proxy.text.InvalidValueException;
import dev.berth.proxy.text.Messages;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * A node of the parsed YAML tree together with the key path that led to it ({@code
 * upstreams[1].policy}) and the source it came from, so that every check can say exactly which key
 * of which file holds which bad value. Reading is strict: a map must have only known keys, a scalar
 * must not be a map or a list, and a key present without a value is an error rather than a silent
 * default.
 */
final class ConfigNode {
  private final String source;
  private final String path;
  private final JsonNode node;

  private ConfigNode(String source, String path, JsonNode node) {
    this.source = source;
    this.path = path;
    this.node = node;
  }

  /**
   * @param source how the operator knows where this came from: the file name as given
   */
  static ConfigNode root(String source, JsonNode node) {
    return new ConfigNode(source, "", node);
  }

  String path() {
    return path;
  }

  /** Requires a map whose keys are all in {@code knownKeys} (listed in the error otherwise). */
  ConfigNode requireMap(List<String> knownKeys) {
    if (!node.isObject()) {
      throw error("expected a map, found " + describe(node));
    }
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!knownKeys.contains(name)) {
        throw new ConfigException(
            source
                + ": unknown key '"
                + childPath(name)
                + "' (known keys: "
                + String.join(", ", knownKeys)
                + ")");
      }
    }
    return this;
  }

  /** The value under {@code key} of this map, if the key is present. */
  Optional<ConfigNode> optional(String key) {
    JsonNode child = node.get(key);
    if (child == null) {
      return Optional.empty();
    }
    ConfigNode wrapped = new ConfigNode(source, childPath(key), child);
    if (child.isNull()) {
      throw wrapped.error("the key has no value (remove it to use the default)");
    }
    return Optional.of(wrapped);
  }

  /** The value under {@code key} of this map, which must be present. */
  ConfigNode required(String key) {
    return optional(key)
        .orElseThrow(
            () ->
                path.isEmpty()
                    ? new ConfigException(source + ": missing required key '" + key + "'")
                    : error("missing required key '" + key + "'"));
  }

  /** The elements of this list, each with its index in the path. */
  List<ConfigNode> list() {
    if (!node.isArray()) {
      throw error("expected a list, found " + describe(node));
    }
    List<ConfigNode> elements = new ArrayList<>(node.size());
    for (int i = 0; i < node.size(); i++) {
      elements.add(new ConfigNode(source, path + "[" + i + "]", node.get(i)));
    }
    return elements;
  }

  /** A scalar's text: numbers and booleans as YAML wrote them. */
  String text() {
    if (!node.isValueNode() || node.isNull()) {
      throw error("expected a single value, found " + describe(node));
    }
    return node.asText();
  }

  boolean bool() {
    if (!node.isBoolean()) {
      throw error("invalid value '" + text() + "': expected true or false");
    }
    return node.booleanValue();
  }

  /**
   * Parses this scalar with {@code parser}; its {@link InvalidValueException} becomes a {@link
   * ConfigException} naming this key.
   */
  <T> T as(Function<String, T> parser) {
    String text = text();
    try {
      return parser.apply(text);
    } catch (InvalidValueException e) {
      throw error(Messages.of(e));
    }
  }

  /** An error about this node: {@code <source>: <path>: <message>}. */
  ConfigException error(String message) {
    return new ConfigException(source + ": " + (path.isEmpty() ? "" : path + ": ") + message);
  }

  private String childPath(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  private static String describe(JsonNode node) {
    if (node.isObject()) {
      return "a map";
    }
    if (node.isArray()) {
      return "a list";
    }
    if (node.isNull() || node.isMissingNode()) {
      return "nothing";
    }
    return "'" + node.asText() + "'";
  }
}
