package dev.berth.auth.gostd;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
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
    Parser parser = new Parser(text);
    if (!text.isEmpty() && text.charAt(0) == '\uFEFF') {
      throw parser.error("the text starts with a byte order mark, which JSON does not allow");
    }
    parser.skipWhitespace();
    Object value = parser.value(0);
    parser.skipWhitespace();
    if (parser.pos < text.length()) {
      throw parser.error("unexpected content after the top-level value");
    }
    return value;
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

  private static final class Parser {
    private final String text;
    private int pos;

    Parser(String text) {
      this.text = text;
    }

    // Kept as the Go decoder reads: a statement switch per leading byte.
    @SuppressWarnings({"StatementSwitchToExpressionSwitch", "BooleanLiteral"})
    Object value(int depth) throws SyntaxException {
      if (pos >= text.length()) {
        throw error("unexpected end of input, expected a value");
      }
      char c = text.charAt(pos);
      switch (c) {
        case '{':
          return object(depth + 1);
        case '[':
          return array(depth + 1);
        case '"':
          return string();
        case 't':
          literal("true");
          return Boolean.TRUE;
        case 'f':
          literal("false");
          return Boolean.FALSE;
        case 'n':
          literal("null");
          return NULL;
        default:
          if (c == '-' || (c >= '0' && c <= '9')) {
            return number();
          }
          throw error("unexpected character, expected a value");
      }
    }

    private Map<String, Object> object(int depth) throws SyntaxException {
      checkDepth(depth);
      pos++; // '{'
      Map<String, Object> members = new LinkedHashMap<>();
      skipWhitespace();
      if (peek() == '}') {
        pos++;
        return Collections.unmodifiableMap(members);
      }
      while (true) {
        skipWhitespace();
        if (peek() != '"') {
          throw error(
              pos >= text.length()
                  ? "unexpected end of input, expected an object key"
                  : "expected a string as object key");
        }
        String key = string();
        skipWhitespace();
        expect(':', "expected ':' after an object key");
        skipWhitespace();
        // Go's encoding/json keeps the last of repeated keys; so does the kubelet.
        members.remove(key);
        members.put(key, value(depth));
        skipWhitespace();
        char c = peek();
        if (c == ',') {
          pos++;
        } else if (c == '}') {
          pos++;
          return Collections.unmodifiableMap(members);
        } else {
          throw error(
              pos >= text.length()
                  ? "unexpected end of input inside an object"
                  : "expected ',' or '}' after an object member");
        }
      }
    }

    private List<Object> array(int depth) throws SyntaxException {
      checkDepth(depth);
      pos++; // '['
      List<Object> items = new ArrayList<>();
      skipWhitespace();
      if (peek() == ']') {
        pos++;
        return Collections.unmodifiableList(items);
      }
      while (true) {
        skipWhitespace();
        items.add(value(depth));
        skipWhitespace();
        char c = peek();
        if (c == ',') {
          pos++;
        } else if (c == ']') {
          pos++;
          return Collections.unmodifiableList(items);
        } else {
          throw error(
              pos >= text.length()
                  ? "unexpected end of input inside an array"
                  : "expected ',' or ']' after an array element");
        }
      }
    }

    private String string() throws SyntaxException {
      int start = pos;
      pos++; // opening quote
      StringBuilder out = null;
      int runStart = pos;
      while (true) {
        if (pos >= text.length()) {
          pos = start;
          throw error("unterminated string");
        }
        char c = text.charAt(pos);
        if (c == '"') {
          String s =
              out == null
                  ? text.substring(runStart, pos)
                  : out.append(text, runStart, pos).toString();
          pos++;
          return s;
        }
        if (c < 0x20) {
          throw error("control character in a string (it must be escaped)");
        }
        if (c != '\\') {
          pos++;
          continue;
        }
        if (out == null) {
          out = new StringBuilder();
        }
        out.append(text, runStart, pos);
        pos++; // backslash
        if (pos >= text.length()) {
          pos = start;
          throw error("unterminated string");
        }
        char e = text.charAt(pos);
        switch (e) {
          case '"' -> out.append('"');
          case '\\' -> out.append('\\');
          case '/' -> out.append('/');
          case 'b' -> out.append('\b');
          case 'f' -> out.append('\f');
          case 'n' -> out.append('\n');
          case 'r' -> out.append('\r');
          case 't' -> out.append('\t');
          case 'u' -> {
            char unit = hex4(pos + 1);
            pos += 4;
            if (Character.isHighSurrogate(unit) && isEscapeU(pos + 1)) {
              char low = hex4(pos + 3);
              if (Character.isLowSurrogate(low)) {
                out.append(unit).append(low);
                pos += 6;
                break;
              }
            }
            // A lone surrogate cannot be encoded; Go substitutes U+FFFD, and so do we.
            out.append(Character.isSurrogate(unit) ? '\uFFFD' : unit);
          }
          default -> throw error("invalid escape sequence in a string");
        }
        pos++;
        runStart = pos;
      }
    }

    private boolean isEscapeU(int at) {
      return at + 1 < text.length() && text.charAt(at) == '\\' && text.charAt(at + 1) == 'u';
    }

    private char hex4(int at) throws SyntaxException {
      if (at + 4 > text.length()) {
        pos = Math.min(at, text.length());
        throw error("\\u escape needs four hex digits");
      }
      int v = 0;
      for (int i = at; i < at + 4; i++) {
        int d = Character.digit(text.charAt(i), 16);
        if (d < 0 || text.charAt(i) > 'f') {
          pos = i;
          throw error("\\u escape needs four hex digits");
        }
        v = (v << 4) | d;
      }
      return (char) v;
    }

    private Num number() throws SyntaxException {
      int start = pos;
      if (peek() == '-') {
        pos++;
      }
      if (peek() == '0') {
        pos++;
        if (isDigit(peek())) {
          throw error("leading zeros are not allowed in a number");
        }
      } else if (isDigit(peek())) {
        digits();
      } else {
        throw error("expected a digit");
      }
      if (peek() == '.') {
        pos++;
        if (!isDigit(peek())) {
          throw error("expected a digit after the decimal point");
        }
        digits();
      }
      if (peek() == 'e' || peek() == 'E') {
        pos++;
        if (peek() == '+' || peek() == '-') {
          pos++;
        }
        if (!isDigit(peek())) {
          throw error("expected a digit in the exponent");
        }
        digits();
      }
      return new Num(text.substring(start, pos));
    }

    private void digits() {
      while (isDigit(peek())) {
        pos++;
      }
    }

    private static boolean isDigit(char c) {
      return c >= '0' && c <= '9';
    }

    private void literal(String word) throws SyntaxException {
      if (!text.startsWith(word, pos)) {
        throw error("unexpected character, expected a value");
      }
      pos += word.length();
    }

    private void expect(char c, String message) throws SyntaxException {
      if (peek() != c) {
        throw error(message);
      }
      pos++;
    }

    private void checkDepth(int depth) throws SyntaxException {
      if (depth > MAX_DEPTH) {
        throw error("nesting deeper than " + MAX_DEPTH + " levels");
      }
    }

    /** The current character, or U+0000 at the end (never a valid structural character). */
    private char peek() {
      return pos < text.length() ? text.charAt(pos) : '\0';
    }

    void skipWhitespace() {
      while (pos < text.length()) {
        char c = text.charAt(pos);
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
          return;
        }
        pos++;
      }
    }

    SyntaxException error(String reason) {
      int line = 1;
      int lineStart = 0;
      int end = Math.min(pos, text.length());
      for (int i = 0; i < end; i++) {
        if (text.charAt(i) == '\n') {
          line++;
          lineStart = i + 1;
        }
      }
      return new SyntaxException(end, line, end - lineStart + 1, reason);
    }
  }
}
