package dev.berth.auth.gostd;

import dev.berth.auth.gostd.GoUrl.ParseException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Go's percent-encoding rules from {@code net/url} ({@code unescape}, {@code shouldEscape}) for the
 * parts of a URL that {@link GoUrl#parse} unescapes, with the per-part checks Go makes, and Go's
 * {@code %q} for the fragments its errors quote.
 */
final class PercentEncoding {
  /** Which part of the URL is unescaped; Go's {@code encoding} modes. */
  enum Mode {
    PATH,
    HOST,
    ZONE,
    USER_PASSWORD,
    FRAGMENT
  }

  private PercentEncoding() {}

  /** Go's {@code unescape} for the modes Parse uses; {@code +} is never special here. */
  static String unescape(byte[] s, Mode mode) throws ParseException {
    for (int i = 0; i < s.length; ) {
      int c = s[i] & 0xff;
      if (c == '%') {
        if (i + 2 >= s.length || !isHex(s[i + 1]) || !isHex(s[i + 2])) {
          throw new ParseException(
              "invalid URL escape " + goQuote(Arrays.copyOfRange(s, i, Math.min(i + 3, s.length))));
        }
        // In a host, %-encoding is only for non-ASCII bytes, plus %25 for IPv6 zones.
        if (mode == Mode.HOST && unhex(s[i + 1]) < 8 && !isPercent25(s, i)) {
          throw new ParseException(
              "invalid URL escape " + goQuote(Arrays.copyOfRange(s, i, i + 3)));
        }
        if (mode == Mode.ZONE) {
          int v = unhex(s[i + 1]) << 4 | unhex(s[i + 2]);
          if (!isPercent25(s, i) && v != ' ' && shouldEscape(v, Mode.HOST)) {
            throw new ParseException(
                "invalid URL escape " + goQuote(Arrays.copyOfRange(s, i, i + 3)));
          }
        }
        i += 3;
      } else {
        if ((mode == Mode.HOST || mode == Mode.ZONE) && c < 0x80 && shouldEscape(c, mode)) {
          throw new ParseException(
              "invalid character " + goQuote(new byte[] {(byte) c}) + " in host name");
        }
        i++;
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length);
    for (int i = 0; i < s.length; i++) {
      if (s[i] == '%') {
        out.write(unhex(s[i + 1]) << 4 | unhex(s[i + 2]));
        i += 2;
      } else {
        out.write(s[i]);
      }
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(out.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      throw new ParseException("percent-escapes decode to invalid UTF-8");
    }
  }

  /** Go's {@code shouldEscape}, restricted to the modes used by {@code unescape} checks. */
  private static boolean shouldEscape(int c, Mode mode) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      return false;
    }
    if ((mode == Mode.HOST || mode == Mode.ZONE) && "!$&'()*+,;=:[]<>\"".indexOf(c) >= 0) {
      return false;
    }
    if (c == '-' || c == '_' || c == '.' || c == '~') {
      return false;
    }
    // Reserved characters that Go lets through in other modes are not reached from HOST/ZONE.
    return true;
  }

  private static boolean isPercent25(byte[] s, int i) {
    return s[i + 1] == '2' && s[i + 2] == '5';
  }

  private static boolean isHex(byte b) {
    return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
  }

  private static int unhex(byte b) {
    if (b >= '0' && b <= '9') {
      return b - '0';
    } else if (b >= 'a' && b <= 'f') {
      return b - 'a' + 10;
    }
    return b - 'A' + 10;
  }

  /** Go's {@code %q} of a short fragment (host and port characters only, never userinfo). */
  static String goQuote(byte[] b) {
    return Json.quote(new String(b, StandardCharsets.UTF_8));
  }
}
