package dev.berth.auth.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Strict, typed reads of a Jackson tree's members for the kubelet's config types: an unknown field
 * or a value of the wrong type is recorded as a problem named by its path ({@code
 * providers[1].args[0]}), so that a whole document's problems are reported at once, as the kubelet
 * aggregates them. Also the quoting and type names those messages use.
 */
final class JsonFields {
  private JsonFields() {}

  /** The problems found so far, each {@code where: problem}. */
  static final class Problems {
    final List<String> list = new ArrayList<>();

    void add(String where, String problem) {
      list.add(where.isEmpty() ? problem : where + ": " + problem);
    }
  }

  static void unknownFields(JsonNode object, String at, Set<String> known, Problems problems) {
    for (Iterator<Map.Entry<String, JsonNode>> it = object.properties().iterator();
        it.hasNext(); ) {
      String field = it.next().getKey();
      if (!known.contains(field)) {
        problems.add(at.isEmpty() ? field : at + "." + field, "unknown field");
      }
    }
  }

  /**
   * A member of JSON type {@code type}; null when absent or JSON null; another type is reported as
   * {@code must be <expected>, not <its type>}.
   */
  static @Nullable JsonNode member(
      JsonNode object,
      String field,
      String at,
      JsonNodeType type,
      String expected,
      Problems problems) {
    JsonNode value = object.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (value.getNodeType() != type) {
      problems.add(
          at.isEmpty() ? field : at + "." + field,
          "must be " + expected + ", not " + typeName(value));
      return null;
    }
    return value;
  }

  /** A string member; null when absent or JSON null; a type error is reported. */
  static @Nullable String string(JsonNode object, String field, String at, Problems problems) {
    JsonNode value = member(object, field, at, JsonNodeType.STRING, "a string", problems);
    return value == null ? null : value.textValue();
  }

  /** A list of strings; empty when absent or null; type errors are reported. */
  static List<String> strings(JsonNode object, String field, String at, Problems problems) {
    JsonNode value = member(object, field, at, JsonNodeType.ARRAY, "an array of strings", problems);
    if (value == null) {
      return List.of();
    }
    String fieldAt = at + "." + field;
    List<String> out = new ArrayList<>();
    for (int i = 0; i < value.size(); i++) {
      JsonNode item = value.get(i);
      if (!item.isTextual()) {
        problems.add(fieldAt + "[" + i + "]", "must be a string, not " + typeName(item));
      } else {
        out.add(item.textValue());
      }
    }
    return out;
  }

  static String typeName(JsonNode node) {
    return switch (node.getNodeType()) {
      case OBJECT, POJO -> "object";
      case ARRAY -> "array";
      case STRING -> "string";
      case NUMBER -> "number";
      case BOOLEAN -> "boolean";
      case NULL, MISSING -> "null";
      case BINARY -> "binary";
    };
  }

  static String quote(String s) {
    StringBuilder out = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20 || c == 0x7f) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('"').toString();
  }

  static String sorted(Set<String> values) {
    return values.stream().sorted().map(JsonFields::quote).collect(Collectors.joining(", "));
  }
}
