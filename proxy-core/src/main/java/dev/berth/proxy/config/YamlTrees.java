package dev.berth.proxy.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.util.Iterator;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/** Reads YAML text into a Jackson tree, and layers one tree over another. */
final class YamlTrees {
  // Duplicate keys are errors: with the default "last one wins" a typo'd copy would silently
  // replace the setting above it.
  private static final YAMLMapper MAPPER =
      YAMLMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  private static final Pattern DUPLICATE_FIELD = Pattern.compile("Duplicate field '(.*)'");

  private YamlTrees() {}

  /**
   * Parses {@code yaml}; an empty document is an empty map.
   *
   * @param source names the text in errors, e.g. the file name
   * @throws ConfigException for a syntax error, with its line and column
   */
  static JsonNode parse(String source, String yaml) {
    JsonNode tree;
    try {
      tree = MAPPER.readTree(yaml);
    } catch (JacksonException e) {
      throw new ConfigException(source + ": " + syntaxError(e), e);
    }
    if (tree == null || tree.isMissingNode() || tree.isNull()) {
      return JsonNodeFactory.instance.objectNode();
    }
    return tree;
  }

  /**
   * Lays {@code top} over {@code base}: a key in both whose values are both maps is merged the same
   * way, so {@code storage: {max-size: 10GiB}} keeps the default path; any other value in {@code
   * top}, lists included, replaces the one in {@code base}.
   */
  static JsonNode merge(JsonNode base, JsonNode top) {
    if (!base.isObject() || !top.isObject()) {
      return top;
    }
    ObjectNode merged = ((ObjectNode) base).deepCopy();
    for (Iterator<Map.Entry<String, JsonNode>> it = top.properties().iterator(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      JsonNode below = merged.get(field.getKey());
      merged.set(field.getKey(), below == null ? field.getValue() : merge(below, field.getValue()));
    }
    return merged;
  }

  private static String syntaxError(JacksonException e) {
    // SnakeYAML knows both where the problem is and which construct it was inside; Jackson's
    // location alone often points at the construct's start.
    if (e.getCause() instanceof MarkedYAMLException yaml && yaml.getProblemMark() != null) {
      String message =
          "YAML syntax error at " + position(yaml.getProblemMark()) + ": " + yaml.getProblem();
      if (yaml.getContext() != null && yaml.getContextMark() != null) {
        message += " (" + yaml.getContext() + " at " + position(yaml.getContextMark()) + ")";
      }
      return message;
    }
    String problem = e.getOriginalMessage().lines().findFirst().orElse("").trim();
    JsonLocation where = e.getLocation();
    String at =
        where == null || where.getLineNr() < 1
            ? ""
            : " at line " + where.getLineNr() + ", column " + where.getColumnNr();
    Matcher duplicate = DUPLICATE_FIELD.matcher(problem);
    if (duplicate.matches()) {
      return "duplicate key '" + duplicate.group(1) + "'" + at + " (a key may appear once per map)";
    }
    return "YAML syntax error" + at + ": " + problem;
  }

  private static String position(Mark mark) {
    return "line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
  }
}
