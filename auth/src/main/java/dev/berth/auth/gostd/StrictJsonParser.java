package dev.berth.auth.gostd;

import dev.berth.auth.gostd.Json.Num;
import dev.berth.auth.gostd.Json.SyntaxException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The recursive-descent parser behind {@link Json#parse}: one instance reads one text, keeping the
 * position for located errors. The grammar and Go's choices are described on {@link Json}.
 */
final class StrictJsonParser {
  private final String text;
  private int pos;

  private StrictJsonParser(String text) {
    this.text = text;
  }

  /** {@link Json#parse}. */
  static Object parse(String text) throws SyntaxException {
    StrictJsonParser parser = new StrictJsonParser(text);
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

  // Kept as the Go decoder reads: a statement switch per leading byte.
  @SuppressWarnings({"StatementSwitchToExpressionSwitch", "BooleanLiteral"})
  private Object value(int depth) throws SyntaxException {
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
        return Json.NULL;
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
    if (depth > Json.MAX_DEPTH) {
      throw error("nesting deeper than " + Json.MAX_DEPTH + " levels");
    }
  }

  /** The current character, or U+0000 at the end (never a valid structural character). */
  private char peek() {
    return pos < text.length() ? text.charAt(pos) : '\0';
  }

  private void skipWhitespace() {
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return;
      }
      pos++;
    }
  }

  private SyntaxException error(String reason) {
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
