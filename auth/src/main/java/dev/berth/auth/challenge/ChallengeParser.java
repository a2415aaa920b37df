package dev.berth.auth.challenge;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Parses {@code WWW-Authenticate} values per RFC 7235 §4.1 and §2.1: one or more challenges per
 * header, each a scheme followed by comma-separated {@code name=token} or {@code name="quoted"}
 * auth-params (or a token68), and several headers in a response. Malformed input never throws: the
 * parser keeps what it could read, so one odd parameter does not lose the realm.
 *
 * <pre>
 * challenge   = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 * auth-param  = token BWS "=" BWS ( token / quoted-string )
 * </pre>
 */
public final class ChallengeParser {
  private ChallengeParser() {}

  /** All challenges of all given header values, in order. */
  public static List<AuthChallenge> parse(List<String> headerValues) {
    List<AuthChallenge> challenges = new ArrayList<>();
    for (String value : headerValues) {
      new Cursor(value).readChallenges(challenges);
    }
    return challenges;
  }

  public static List<AuthChallenge> parse(String headerValue) {
    return parse(List.of(headerValue));
  }

  private static final class Cursor {
    private final String s;
    private int i;

    Cursor(String s) {
      this.s = s;
    }

    void readChallenges(List<AuthChallenge> out) {
      String scheme = null;
      Map<String, String> params = new LinkedHashMap<>();
      boolean justReadScheme = false;
      while (true) {
        boolean sawComma = skipSpacesAndCommas();
        if (i >= s.length()) {
          break;
        }
        String token = readToken();
        if (token.isEmpty()) {
          i++; // an unexpected character: skip it
          continue;
        }
        skipSpaces();
        if (peek() == '=' && scheme != null && !(justReadScheme && isToken68End())) {
          i++;
          skipSpaces();
          String value = peek() == '"' ? readQuoted() : readBareValue();
          params.putIfAbsent(token.toLowerCase(Locale.ROOT), value);
          justReadScheme = false;
        } else if (scheme != null && justReadScheme && !sawComma) {
          // token68 (e.g. "Negotiate abc=="), kept under the empty name
          params.put("", token + readEquals());
          justReadScheme = false;
        } else {
          if (scheme != null) {
            out.add(new AuthChallenge(scheme, params));
          }
          scheme = token;
          params = new LinkedHashMap<>();
          justReadScheme = true;
        }
      }
      if (scheme != null) {
        out.add(new AuthChallenge(scheme, params));
      }
    }

    /** At "=": a run of "=" ending the header or followed by a comma closes a token68. */
    private boolean isToken68End() {
      int j = i;
      while (j < s.length() && s.charAt(j) == '=') {
        j++;
      }
      while (j < s.length() && s.charAt(j) == ' ') {
        j++;
      }
      return j >= s.length() || s.charAt(j) == ',';
    }

    private String readEquals() {
      int start = i;
      while (i < s.length() && s.charAt(i) == '=') {
        i++;
      }
      return s.substring(start, i);
    }

    private char peek() {
      return i < s.length() ? s.charAt(i) : '\0';
    }

    private void skipSpaces() {
      while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
        i++;
      }
    }

    /** Skips separators; returns whether a comma was among them. */
    private boolean skipSpacesAndCommas() {
      boolean comma = false;
      while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t' || s.charAt(i) == ',')) {
        comma |= s.charAt(i) == ',';
        i++;
      }
      return comma;
    }

    private String readToken() {
      int start = i;
      while (i < s.length() && isTokenChar(s.charAt(i))) {
        i++;
      }
      return s.substring(start, i);
    }

    /**
     * An unquoted value. RFC 7235 allows only a token, but servers send realms like {@code
     * https://host/token} bare, so read up to the next separator.
     */
    private String readBareValue() {
      int start = i;
      while (i < s.length() && s.charAt(i) != ',' && s.charAt(i) != ' ' && s.charAt(i) != '\t') {
        i++;
      }
      return s.substring(start, i);
    }

    private String readQuoted() {
      StringBuilder b = new StringBuilder();
      i++; // opening quote
      while (i < s.length()) {
        char c = s.charAt(i++);
        if (c == '\\' && i < s.length()) {
          b.append(s.charAt(i++));
        } else if (c == '"') {
          return b.toString();
        } else {
          b.append(c);
        }
      }
      return b.toString(); // unterminated: keep what was there
    }

    /** RFC 7230 tchar, plus "/" so that token68 values survive. */
    private static boolean isTokenChar(char c) {
      return (c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || "!#$%&'*+-.^_`|~/".indexOf(c) >= 0;
    }
  }
}
