package dev.berth.auth.gostd;

/**
 * Go's {@code path/filepath.Match} on a Unix separator ({@code /}), ported from the Go source line
 * by line and run on UTF-8 bytes as Go does: literals compare bytes, {@code ?} and classes consume
 * one rune.
 *
 * <pre>
 * pattern:    { term }
 * term:       '*'         any sequence of non-'/' characters (possibly empty)
 *             '?'         any single non-'/' character
 *             '[' [ '^' ] { character-range } ']'   character class (non-empty)
 *             c           matches character c (c != '*', '?', '\\', '[')
 *             '\\' c      matches character c
 * character-range:
 *             c           matches character c (c != '\\', '-', ']')
 *             '\\' c      matches character c
 *             lo '-' hi   matches character c for lo <= c <= hi
 * </pre>
 *
 * <p>Only {@code ^} negates a class; {@code [!a]} is the class of {@code !} and {@code a}, as in
 * Go. A malformed pattern is {@link BadPatternException}, which Go reports even when the name
 * already failed to match (it validates the rest of the pattern before answering {@code false}).
 */
public final class GoGlob {
  private static final byte SEPARATOR = '/';
  private static final int RUNE_ERROR = 0xFFFD;

  /** Go's {@code filepath.ErrBadPattern}. */
  public static final class BadPatternException extends Exception {
    private static final long serialVersionUID = 1L;

    BadPatternException() {
      super("syntax error in pattern");
    }
  }

  private GoGlob() {}

  public static boolean match(byte[] pattern, byte[] name) throws BadPatternException {
    int p = 0;
    int n = 0;
    pattern:
    while (p < pattern.length) {
      boolean star = false;
      while (p < pattern.length && pattern[p] == '*') {
        p++;
        star = true;
      }
      int chunkStart = p;
      int chunkEnd = scanChunk(pattern, p);
      p = chunkEnd;
      if (star && chunkStart == chunkEnd) {
        // Trailing * matches the rest of the name unless it has a separator.
        return indexOf(name, n, SEPARATOR) < 0;
      }
      int t = matchChunk(pattern, chunkStart, chunkEnd, name, n);
      // As the last chunk, it must exhaust the name, or the star may still do better.
      if (t >= 0 && (t == name.length || p < pattern.length)) {
        n = t;
        continue;
      }
      if (star) {
        for (int i = n; i < name.length && name[i] != SEPARATOR; i++) {
          t = matchChunk(pattern, chunkStart, chunkEnd, name, i + 1);
          if (t >= 0) {
            if (p == pattern.length && t < name.length) {
              continue;
            }
            n = t;
            continue pattern;
          }
        }
      }
      // Before answering false, check that the rest of the pattern is well-formed.
      while (p < pattern.length) {
        while (p < pattern.length && pattern[p] == '*') {
          p++;
        }
        int start = p;
        p = scanChunk(pattern, p);
        matchChunk(pattern, start, p, name, name.length);
      }
      return false;
    }
    return n == name.length;
  }

  /** End of the next chunk: the non-star run starting at {@code from}. */
  // Ported line by line from Go's path.scanChunk, labelled break included.
  @SuppressWarnings("StatementSwitchToExpressionSwitch")
  private static int scanChunk(byte[] pattern, int from) {
    boolean inRange = false;
    int i = from;
    scan:
    for (; i < pattern.length; i++) {
      switch (pattern[i]) {
        case '\\':
          if (i + 1 < pattern.length) {
            i++;
          }
          break;
        case '[':
          inRange = true;
          break;
        case ']':
          inRange = false;
          break;
        case '*':
          if (!inRange) {
            break scan;
          }
          break;
        default:
          break;
      }
    }
    return i;
  }

  /**
   * Whether the chunk {@code pattern[from, to)} matches the start of {@code name[at...]}.
   *
   * @return the index in {@code name} after the match, or -1 for no match
   */
  private static int matchChunk(byte[] pattern, int from, int to, byte[] name, int at)
      throws BadPatternException {
    // After a mismatch Go keeps walking the chunk, only to check that it is well-formed.
    boolean failed = false;
    int c = from;
    int s = at;
    while (c < to) {
      if (!failed && s == name.length) {
        failed = true;
      }
      switch (pattern[c]) {
        case '[' -> {
          int r = 0;
          if (!failed) {
            long decoded = decodeRune(name, s);
            r = (int) decoded;
            s += (int) (decoded >>> 32);
          }
          c++;
          boolean negated = false;
          if (c < to && pattern[c] == '^') {
            negated = true;
            c++;
          }
          boolean match = false;
          int ranges = 0;
          while (true) {
            if (c < to && pattern[c] == ']' && ranges > 0) {
              c++;
              break;
            }
            long lo = getEsc(pattern, c, to);
            c = (int) (lo >>> 32);
            long hi = lo;
            if (pattern[c] == '-') {
              hi = getEsc(pattern, c + 1, to);
              c = (int) (hi >>> 32);
            }
            if ((int) lo <= r && r <= (int) hi) {
              match = true;
            }
            ranges++;
          }
          if (match == negated) {
            failed = true;
          }
        }
        case '?' -> {
          if (!failed) {
            if (name[s] == SEPARATOR) {
              failed = true;
            }
            s += (int) (decodeRune(name, s) >>> 32);
          }
          c++;
        }
        case '\\' -> {
          c++;
          if (c == to) {
            throw new BadPatternException();
          }
          if (!failed) {
            if (pattern[c] != name[s]) {
              failed = true;
            }
            s++;
          }
          c++;
        }
        default -> {
          if (!failed) {
            if (pattern[c] != name[s]) {
              failed = true;
            }
            s++;
          }
          c++;
        }
      }
    }
    return failed ? -1 : s;
  }

  /**
   * A possibly escaped rune of a character class, starting at {@code at}.
   *
   * @return the rune in the low 32 bits, the index after it in the high 32 bits
   */
  private static long getEsc(byte[] pattern, int at, int to) throws BadPatternException {
    if (at >= to || pattern[at] == '-' || pattern[at] == ']') {
      throw new BadPatternException();
    }
    if (pattern[at] == '\\') {
      at++;
      if (at == to) {
        throw new BadPatternException();
      }
    }
    long decoded = decodeRune(pattern, at, to);
    int r = (int) decoded;
    int size = (int) (decoded >>> 32);
    if (r == RUNE_ERROR && size == 1) {
      throw new BadPatternException();
    }
    int next = at + size;
    if (next == to) {
      throw new BadPatternException();
    }
    return ((long) next << 32) | (r & 0xffffffffL);
  }

  private static long decodeRune(byte[] b, int at) {
    return decodeRune(b, at, b.length);
  }

  /**
   * Go's {@code utf8.DecodeRune} on {@code b[at, to)}: invalid or truncated input gives (U+FFFD,
   * 1); empty input gives (U+FFFD, 0).
   *
   * @return the rune in the low 32 bits, its byte length in the high 32 bits
   */
  public static long decodeRune(byte[] b, int at, int to) {
    if (at >= to) {
      return RUNE_ERROR;
    }
    int b0 = b[at] & 0xff;
    if (b0 < 0x80) {
      return (1L << 32) | b0;
    }
    int size;
    int min;
    int r;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      size = 2;
      min = 0x80;
      r = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      size = 3;
      min = 0x800;
      r = b0 & 0x0F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      size = 4;
      min = 0x10000;
      r = b0 & 0x07;
    } else {
      return (1L << 32) | RUNE_ERROR;
    }
    if (at + size > to) {
      return (1L << 32) | RUNE_ERROR;
    }
    for (int i = 1; i < size; i++) {
      int bi = b[at + i] & 0xff;
      if ((bi & 0xC0) != 0x80) {
        return (1L << 32) | RUNE_ERROR;
      }
      r = (r << 6) | (bi & 0x3F);
    }
    if (r < min || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) {
      return (1L << 32) | RUNE_ERROR;
    }
    return ((long) size << 32) | r;
  }

  private static int indexOf(byte[] s, int from, byte b) {
    for (int i = from; i < s.length; i++) {
      if (s[i] == b) {
        return i;
      }
    }
    return -1;
  }
}
