package dev.berth.proxy.prefetch;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.ObjIntConsumer;
import org.jspecify.annotations.Nullable;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Splits a manifest stream into its documents, numbered from 1 the way a reader counts them, so
 * that an error's "doc 3" is the third document in the file: {@code ---} separates documents, one
 * at the very top only opens the first, and empty documents count. Documents are parsed one at a
 * time, so an error in a later one is found only after the earlier ones have been handed over.
 *
 * <p>As kubectl's {@code YAMLOrJSONDecoder} does, a stream whose first non-blank character is
 * <code>{</code> is read as JSON (one object, or several concatenated) and anything else as YAML.
 * JSON is mostly YAML too, but not with the tab indentation that JSON files often have.
 */
final class ManifestDocuments {
  // Enough to skip the indentation and blank lines in front of a JSON object; a stream with more
  // leading blanks than this is read as YAML, which also accepts JSON without tabs.
  private static final int SNIFF_LIMIT = 64 * 1024;

  // Duplicate keys are errors: with "last one wins" a duplicated `image:` would silently pick one
  // of the two. The caller opened the stream, so the caller closes it.
  private static final ObjectMapper YAML =
      YAMLMapper.builder(yamlFactory())
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .disable(StreamReadFeature.AUTO_CLOSE_SOURCE)
          .build();
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .disable(StreamReadFeature.AUTO_CLOSE_SOURCE)
          .build();

  private ManifestDocuments() {}

  /**
   * Passes each non-empty document to {@code visitor} with its number; a visitor's exception stops
   * the reading and propagates as is.
   *
   * @param source names the stream in errors, e.g. the file name
   * @param in read to its end or to the first error; not closed
   * @throws PrefetchInputException for a document that is not valid YAML or JSON, naming {@code
   *     source}, the document number and the line
   */
  static void forEach(String source, InputStream in, ObjIntConsumer<JsonNode> visitor) {
    int number = 0;
    try {
      BufferedInputStream buffered = new BufferedInputStream(in);
      boolean json = startsWithBrace(buffered);
      ObjectMapper mapper = json ? JSON : YAML;
      try (MappingIterator<JsonNode> documents =
          mapper.readerFor(JsonNode.class).readValues(buffered)) {
        while (true) {
          @Nullable JsonNode document;
          try {
            if (!documents.hasNextValue()) {
              return;
            }
            document = documents.nextValue();
          } catch (JacksonException e) {
            throw new PrefetchInputException(
                source + " doc " + (number + 1) + ": " + syntaxError(json, e), e);
          }
          number++;
          if (document != null && !document.isNull() && !document.isMissingNode()) {
            visitor.accept(document, number);
          }
        }
      }
    } catch (IOException e) {
      throw PrefetchInputException.cannotRead(source, e);
    }
  }

  private static YAMLFactory yamlFactory() {
    LoaderOptions options = new LoaderOptions();
    // SnakeYAML's 3 MiB guard against hostile input counts the whole stream here, not each
    // document, and would reject e.g. a `helm template` of a chart with its CRDs. The input is
    // the operator's own file.
    options.setCodePointLimit(Integer.MAX_VALUE);
    return YAMLFactory.builder().loaderOptions(options).build();
  }

  private static boolean startsWithBrace(BufferedInputStream in) throws IOException {
    in.mark(SNIFF_LIMIT);
    try {
      for (int i = 0; i < SNIFF_LIMIT; i++) {
        int b = in.read();
        // A UTF-8 byte order mark (EF BB BF) counts as blank.
        if (b == ' ' || b == '\t' || b == '\r' || b == '\n' || b == 0xEF || b == 0xBB
            || b == 0xBF) {
          continue;
        }
        return b == '{';
      }
      return false;
    } finally {
      in.reset();
    }
  }

  private static String syntaxError(boolean json, JacksonException e) {
    String format = json ? "JSON" : "YAML";
    // SnakeYAML knows both where the problem is and which construct it was inside; Jackson's
    // location alone often points at the construct's start.
    if (e.getCause() instanceof MarkedYAMLException yaml && yaml.getProblemMark() != null) {
      String message =
          "not valid YAML at " + position(yaml.getProblemMark()) + ": " + yaml.getProblem();
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
    return "not valid " + format + at + ": " + problem;
  }

  private static String position(Mark mark) {
    return "line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
  }
}
