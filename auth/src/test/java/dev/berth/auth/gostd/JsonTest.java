package dev.berth.auth.gostd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class JsonTest {

  @Test
  void parse_allValueTypes() throws Exception {
    Object value =
        Json.parse(
            " {\"o\": {\"a\": [1, -2.5e+3, 0, 0.25E-1]}, \"s\": \"x\", \"t\": true,"
                + " \"f\": false, \"n\": null, \"e\": [], \"eo\": {}}\n");
    Map<?, ?> top = (Map<?, ?>) value;
    assertEquals(List.of("o", "s", "t", "f", "n", "e", "eo"), List.copyOf(top.keySet()));
    Map<?, ?> o = (Map<?, ?>) top.get("o");
    assertEquals(
        List.of(
            new Json.Num("1"), new Json.Num("-2.5e+3"), new Json.Num("0"), new Json.Num("0.25E-1")),
        o.get("a"));
    assertEquals("x", top.get("s"));
    assertEquals(Boolean.TRUE, top.get("t"));
    assertEquals(Boolean.FALSE, top.get("f"));
    assertSame(Json.NULL, top.get("n"));
    assertEquals(List.of(), top.get("e"));
    assertEquals(Map.of(), top.get("eo"));
  }

  @Test
  void parse_stringEscapes() throws Exception {
    assertEquals(
        "\" \\ / \b \f \n \r \t é €",
        Json.parse("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\u20AC\""));
  }

  @Test
  void parse_surrogatePairEscape_becomesOneCodePoint() throws Exception {
    String s = (String) Json.parse("\"\\ud83d\\ude00\"");
    assertEquals("\uD83D\uDE00", s);
    assertEquals(1, s.codePointCount(0, s.length()));
  }

  @ParameterizedTest
  @ValueSource(strings = {"\"\\ud83d\"", "\"\\ude00\"", "\"\\ud83dx\"", "\"\\ud83d\\u0041\""})
  void parse_loneSurrogateEscape_becomesReplacementCharacterLikeGo(String json) throws Exception {
    String s = (String) Json.parse(json);
    assertTrue(s.startsWith("\uFFFD"), s);
  }

  @Test
  void parse_rawNonAsciiText_kept() throws Exception {
    assertEquals("日本 \uD83D\uDE00", Json.parse("\"日本 \uD83D\uDE00\""));
  }

  @Test
  void parse_repeatedKey_lastWinsLikeGo() throws Exception {
    Map<?, ?> top = (Map<?, ?>) Json.parse("{\"a\": 1, \"b\": 2, \"a\": 3}");
    assertEquals(new Json.Num("3"), top.get("a"));
    assertEquals(List.of("b", "a"), List.copyOf(top.keySet()));
  }

  @Test
  void parse_result_isUnmodifiable() throws Exception {
    Map<?, ?> top = (Map<?, ?>) Json.parse("{\"a\": [1]}");
    assertThrows(UnsupportedOperationException.class, () -> top.remove("a"));
    assertThrows(UnsupportedOperationException.class, () -> ((List<?>) top.get("a")).clear());
  }

  @ParameterizedTest(name = "[{index}] {3}")
  @CsvSource(
      delimiter = '|',
      value = {
        "''                        | 1 | 1 | unexpected end of input, expected a value",
        "'{'                       | 1 | 2 | unexpected end of input, expected an object key",
        "'{\"a\" 1}'               | 1 | 6 | expected ':' after an object key",
        "'{\"a\": 1,}'             | 1 | 9 | expected a string as object key",
        "'{\"a\": 1 \"b\": 2}'     | 1 | 9 | expected ',' or '}' after an object member",
        "'[1, 2'                   | 1 | 6 | unexpected end of input inside an array",
        "'[1 2]'                   | 1 | 4 | expected ',' or ']' after an array element",
        "'[1,]'                    | 1 | 4 | unexpected character, expected a value",
        "'{''a'': 1}'              | 1 | 2 | expected a string as object key",
        "'01'                      | 1 | 2 | leading zeros are not allowed in a number",
        "'-'                       | 1 | 2 | expected a digit",
        "'1.'                      | 1 | 3 | expected a digit after the decimal point",
        "'1e'                      | 1 | 3 | expected a digit in the exponent",
        "'+1'                      | 1 | 1 | unexpected character, expected a value",
        "'.5'                      | 1 | 1 | unexpected character, expected a value",
        "'tru'                     | 1 | 1 | unexpected character, expected a value",
        "'nul'                     | 1 | 1 | unexpected character, expected a value",
        "'{} {}'                   | 1 | 4 | unexpected content after the top-level value",
        "'\"abc'                   | 1 | 1 | unterminated string",
        "'\"a\\x\"'                | 1 | 4 | invalid escape sequence in a string",
        "'\"\\u12\"'               | 1 | 4 | \\u escape needs four hex digits",
        "'\"\\u12G4\"'             | 1 | 6 | \\u escape needs four hex digits",
        "'// c\n{}'                | 1 | 1 | unexpected character, expected a value",
        "'{\n  \"a\": [\n    x]}'  | 3 | 5 | unexpected character, expected a value",
      })
  void parse_invalid_reportsPosition(String json, int line, int column, String reason) {
    Json.SyntaxException e = assertThrows(Json.SyntaxException.class, () -> Json.parse(json));
    assertEquals(reason, e.reason());
    assertEquals(line, e.line(), "line");
    assertEquals(column, e.column(), "column");
    assertEquals(
        "invalid JSON at line " + line + ", column " + column + ": " + reason, e.getMessage());
  }

  @Test
  void parse_controlCharacterInString_rejected() {
    Json.SyntaxException e = assertThrows(Json.SyntaxException.class, () -> Json.parse("\"a\tb\""));
    assertEquals("control character in a string (it must be escaped)", e.reason());
    assertEquals(2, e.offset());
  }

  @Test
  void parse_byteOrderMark_rejectedWithHint() {
    Json.SyntaxException e = assertThrows(Json.SyntaxException.class, () -> Json.parse("\uFEFF{}"));
    assertTrue(e.reason().contains("byte order mark"), e.reason());
  }

  @Test
  void parse_nestingDeeperThanLimit_rejectedWithoutStackOverflow() {
    String deep = "[".repeat(Json.MAX_DEPTH + 1) + "]".repeat(Json.MAX_DEPTH + 1);
    Json.SyntaxException e = assertThrows(Json.SyntaxException.class, () -> Json.parse(deep));
    assertTrue(e.reason().startsWith("nesting deeper than"), e.reason());
  }

  @Test
  void parse_nestingAtLimit_accepted() throws Exception {
    String ok = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
    assertTrue(Json.parse(ok) instanceof List);
  }

  @Test
  void parse_errorMessage_neverQuotesTheInput() {
    String secretish = "{\"password\": s3cr3t-value}";
    Json.SyntaxException e = assertThrows(Json.SyntaxException.class, () -> Json.parse(secretish));
    assertFalse(e.getMessage().contains("s3cr3t"), e.getMessage());
    assertFalse(e.getMessage().contains("'s'"), e.getMessage());
  }

  @Test
  void typeName_namesEveryType() throws Exception {
    assertEquals("object", Json.typeName(Json.parse("{}")));
    assertEquals("array", Json.typeName(Json.parse("[]")));
    assertEquals("string", Json.typeName(Json.parse("\"\"")));
    assertEquals("number", Json.typeName(Json.parse("1")));
    assertEquals("boolean", Json.typeName(Json.parse("true")));
    assertEquals("null", Json.typeName(Json.parse("null")));
  }

  @Test
  void quote_escapesQuotesBackslashesAndControls() {
    assertEquals("\"a\\\"b\\\\c\\n\\u0001\"", Json.quote("a\"b\\c\n\u0001"));
  }
}
