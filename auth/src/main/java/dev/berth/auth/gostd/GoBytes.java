package dev.berth.auth.gostd;

/**
 * Searches in byte arrays, as Go's {@code bytes} and {@code strings} functions do on the byte
 * strings {@code net/url} works on; a needle given as a {@code String} is ASCII.
 */
final class GoBytes {
  private GoBytes() {}

  static int indexOf(byte[] s, byte b, int from) {
    for (int i = from; i < s.length; i++) {
      if (s[i] == b) {
        return i;
      }
    }
    return -1;
  }

  static int indexOf(byte[] s, String needle) {
    outer:
    for (int i = 0; i + needle.length() <= s.length; i++) {
      for (int j = 0; j < needle.length(); j++) {
        if (s[i + j] != needle.charAt(j)) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  static int lastIndexOf(byte[] s, byte b) {
    for (int i = s.length - 1; i >= 0; i--) {
      if (s[i] == b) {
        return i;
      }
    }
    return -1;
  }

  static boolean startsWith(byte[] s, int from, String prefix) {
    if (from + prefix.length() > s.length) {
      return false;
    }
    for (int j = 0; j < prefix.length(); j++) {
      if (s[from + j] != prefix.charAt(j)) {
        return false;
      }
    }
    return true;
  }
}
