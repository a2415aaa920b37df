package dev.berth.auth.gostd;

import java.util.List;
import java.util.Map;

/**
 * A small strict JSON (RFC 8259) reader for docker credential files. It predates Jackson in this
 * module (the provider package uses Jackson for kubelet YAML configs) and stays because it follows
 * Go's {@code encoding/json} where RFC 8259 leaves a choice, as the kubelet's reads of the same
 * files do, and these files are small.
 *
 * <p>Values map to: object → unmodifiable {@code Map<String, Object>} in document order, array →
 * unmodifiable {@code List<Object>}, string → {@link String}, number → {@link Num} (the literal
 * text; nothing here needs arithmetic), {@code true}/{@code false} → {@link Boolean}, {@code null}
 * → {@link #NULL}.
 *
 * <p>Where RFC 8259 leaves a choice, this follows Go's {@code encoding/json}, because the kubelet
 * reads the same files with it: a repeated object key keeps the last value, and an escaped lone
 * surrogate ({@code "\ud800"}) becomes U+FFFD. Everything else outside the grammar is an error with
 * its line, column and offset: comments, trailing commas, single quotes, leading zeros, unescaped
 * control characters in strings, a byte order mark, content after the value.
 *
 * <p>Error messages never quote the input: the text may be a credential file, and even one
 * character of a password does not belong in a log.
 */
public final class Json {
  /** JSON {@code null}: a sentinel, because this package is null-marked. */
  public static final Object NULL = JsonNull.INSTANCE;

  /** Deep enough for any credential file, shallow enough that recursion cannot overflow. */
  public static final int MAX_DEPTH = 256;

  private enum JsonNull {
    INSTANCE;

    @Override
    public String toString() {
      return "null";
    }
  }

  /** A JSON number, kept as its literal text. */
  public record Num(String text) {
    @Override
    public String toString() {
      return text;
    }
  }

  /** A syntax error, located in the input. */
  public static final class SyntaxException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int offset;
    private final int line;
    private final int column;
    private final String reason;

    SyntaxException(int offset, int line, int column, String reason) {
      super("invalid JSON at line " + line + ", column " + column + ": " + reason);
      this.offset = offset;
      this.line = line;
      this.column = column;
      this.reason = reason;
    }

    /** 0-based offset in UTF-16 code units. */
    int offset() {
      return offset;
    }

    /** 1-based. */
    int line() {
      return line;
    }

    /** 1-based, in UTF-16 code units from the start of the line. */
    int column() {
      return column;
    }

    String reason() {
      return reason;
    }
  }

  private Json() {}

  /**
   * Parses one JSON value that must span the whole text (surrounding whitespace allowed).
   *
   * @throws SyntaxException for anything outside the grammar, with its position
   */
  public static Object parse(String text) throws SyntaxException {
    return StrictJsonParser.parse(text);
  }

  /** The JSON type name of a parsed value, for error messages. */
  public static String typeName(Object value) {
    if (value instanceof Map) {
      return "object";
    } else if (value instanceof List) {
      return "array";
    } else if (value instanceof String) {
      return "string";
    } else if (value instanceof Num) {
      return "number";
    } else if (value instanceof Boolean) {
      return "boolean";
    }
    return "null";
  }

  /** Quotes {@code s} as a JSON string literal (for naming keys in messages). */
  public static String quote(String s) {
    StringBuilder out = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}
