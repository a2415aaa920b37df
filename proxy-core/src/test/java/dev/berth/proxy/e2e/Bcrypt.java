package dev.berth.proxy.e2e;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import org.jspecify.annotations.Nullable;

/**
 * bcrypt ({@code $2y$}) password hashes for htpasswd files, in plain Java.
 *
 * <p>Why: distribution's htpasswd backend accepts only bcrypt entries, the JDK has no bcrypt, and
 * {@code htpasswd} (apache2-utils) is not a package the e2e machines are guaranteed to have. This
 * is OpenBSD's {@code bcrypt()} (the algorithm of jBCrypt): EksBlowfish with {@code 2^cost} key
 * expansions, then 64 encryptions of {@code "OrpheanBeholderScryDoubt"}. Blowfish's initial P-array
 * and S-boxes are by definition the first 8,336 hexadecimal digits of pi's fraction, so they are
 * computed once per JVM (Machin's formula, under a second) instead of being pasted in as 1,042
 * constants.
 *
 * <p>Not for production: no constant-time compare, and test costs are deliberately low.
 */
final class Bcrypt {
  /** The lowest cost Go's {@code golang.org/x/crypto/bcrypt} accepts: 16 expansions, fast. */
  static final int MIN_COST = 4;

  private static final int P_WORDS = 18;
  private static final int S_WORDS = 4 * 256;
  private static final int[] INITIAL_STATE = piWords(P_WORDS + S_WORDS);
  private static final byte[] MAGIC =
      "OrpheanBeholderScryDoubt".getBytes(StandardCharsets.US_ASCII);
  private static final String STANDARD_ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  private static final String BCRYPT_ALPHABET =
      "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final int[] p = Arrays.copyOfRange(INITIAL_STATE, 0, P_WORDS);
  private final int[] s = Arrays.copyOfRange(INITIAL_STATE, P_WORDS, P_WORDS + S_WORDS);

  private Bcrypt() {}

  /**
   * Hashes {@code password} with a random salt.
   *
   * @param cost log2 of the key expansion rounds, 4 to 31
   * @return {@code $2y$<cost>$<22-char salt><31-char hash>}
   */
  static String hash(String password, int cost) {
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    return hash(password, "$2y$" + String.format("%02d", cost) + "$" + encode(salt));
  }

  /**
   * Hashes {@code password} with the version, cost and salt of {@code setting}.
   *
   * @param setting {@code $2a$}, {@code $2b$} or {@code $2y$}, two cost digits, {@code $}, and 22
   *     salt characters; a full hash works too (what follows the salt is ignored)
   */
  static String hash(String password, String setting) {
    if (setting.length() < 29
        || setting.charAt(0) != '$'
        || setting.charAt(1) != '2'
        || "aby".indexOf(setting.charAt(2)) < 0
        || setting.charAt(3) != '$'
        || setting.charAt(6) != '$') {
      throw new IllegalArgumentException("not a bcrypt setting: " + setting);
    }
    int cost = Integer.parseInt(setting.substring(4, 6));
    if (cost < MIN_COST || cost > 31) {
      throw new IllegalArgumentException("bcrypt cost out of range: " + cost);
    }
    String saltText = setting.substring(7, 29);
    byte[] salt = decode(saltText, 16);
    // The key is the password's bytes plus the terminating NUL, at most 72 bytes.
    byte[] utf8 = password.getBytes(StandardCharsets.UTF_8);
    byte[] key = Arrays.copyOf(utf8, Math.min(utf8.length + 1, 72));

    Bcrypt state = new Bcrypt();
    state.expandKey(salt, key);
    for (long round = 0; round < (1L << cost); round++) {
      state.expandKey(null, key);
      state.expandKey(null, salt);
    }
    int[] data = new int[MAGIC.length / 4];
    int[] offset = {0};
    for (int i = 0; i < data.length; i++) {
      data[i] = streamToWord(MAGIC, offset);
    }
    for (int i = 0; i < 64; i++) {
      for (int j = 0; j < data.length; j += 2) {
        state.encipher(data, j);
      }
    }
    byte[] raw = new byte[data.length * 4];
    for (int i = 0; i < data.length; i++) {
      raw[4 * i] = (byte) (data[i] >>> 24);
      raw[4 * i + 1] = (byte) (data[i] >>> 16);
      raw[4 * i + 2] = (byte) (data[i] >>> 8);
      raw[4 * i + 3] = (byte) data[i];
    }
    // Only 23 of the 24 bytes are encoded (a historical quirk every implementation keeps).
    return setting.substring(0, 7) + saltText + encode(Arrays.copyOf(raw, 23));
  }

  /** True when {@code password} hashes to {@code hash}. */
  static boolean verify(String password, String hash) {
    return hash(password, hash).equals(hash);
  }

  /**
   * XORs the key into P, then re-keys P and S by encrypting a running block, mixing in {@code salt}
   * when given ({@code ExpandKey(state, salt, key)} of the bcrypt paper).
   */
  private void expandKey(byte @Nullable [] salt, byte[] key) {
    int[] keyOffset = {0};
    for (int i = 0; i < P_WORDS; i++) {
      p[i] ^= streamToWord(key, keyOffset);
    }
    int[] block = {0, 0};
    int[] saltOffset = {0};
    for (int i = 0; i < P_WORDS; i += 2) {
      mixSalt(block, salt, saltOffset);
      encipher(block, 0);
      p[i] = block[0];
      p[i + 1] = block[1];
    }
    for (int i = 0; i < S_WORDS; i += 2) {
      mixSalt(block, salt, saltOffset);
      encipher(block, 0);
      s[i] = block[0];
      s[i + 1] = block[1];
    }
  }

  private static void mixSalt(int[] block, byte @Nullable [] salt, int[] offset) {
    if (salt != null) {
      block[0] ^= streamToWord(salt, offset);
      block[1] ^= streamToWord(salt, offset);
    }
  }

  /** Blowfish's 16 rounds on {@code lr[off]} (left) and {@code lr[off + 1]} (right). */
  private void encipher(int[] lr, int off) {
    int l = lr[off] ^ p[0];
    int r = lr[off + 1];
    for (int i = 1; i <= 16; i += 2) {
      r ^= f(l) ^ p[i];
      l ^= f(r) ^ p[i + 1];
    }
    lr[off] = r ^ p[17];
    lr[off + 1] = l;
  }

  private int f(int x) {
    return ((s[x >>> 24] + s[0x100 | ((x >>> 16) & 0xff)]) ^ s[0x200 | ((x >>> 8) & 0xff)])
        + s[0x300 | (x & 0xff)];
  }

  /** The next four bytes of {@code data} as a big-endian word, cycling over the array. */
  private static int streamToWord(byte[] data, int[] offset) {
    int word = 0;
    int off = offset[0];
    for (int i = 0; i < 4; i++) {
      word = (word << 8) | (data[off] & 0xff);
      off = (off + 1) % data.length;
    }
    offset[0] = off;
    return word;
  }

  /** bcrypt's base64: standard bit order, no padding, alphabet {@code ./A-Za-z0-9}. */
  private static String encode(byte[] bytes) {
    String standard = Base64.getEncoder().withoutPadding().encodeToString(bytes);
    StringBuilder out = new StringBuilder(standard.length());
    for (int i = 0; i < standard.length(); i++) {
      out.append(BCRYPT_ALPHABET.charAt(STANDARD_ALPHABET.indexOf(standard.charAt(i))));
    }
    return out.toString();
  }

  private static byte[] decode(String text, int length) {
    StringBuilder standard = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      int index = BCRYPT_ALPHABET.indexOf(text.charAt(i));
      if (index < 0) {
        throw new IllegalArgumentException("not bcrypt base64: " + text);
      }
      standard.append(STANDARD_ALPHABET.charAt(index));
    }
    // 22 characters carry 132 bits; the last 4 are padding bits that the decoder must not reject.
    int lastIndex = STANDARD_ALPHABET.indexOf(standard.charAt(standard.length() - 1));
    standard.setCharAt(standard.length() - 1, STANDARD_ALPHABET.charAt(lastIndex & 0x30));
    return Arrays.copyOf(Base64.getDecoder().decode(standard.toString()), length);
  }

  /**
   * The first {@code count} 32-bit words of pi's fractional part: {@code 0x243F6A88, 0x85A308D3,
   * ...}, from {@code pi = 16 atan(1/5) - 4 atan(1/239)} in fixed point with 64 guard bits.
   */
  static int[] piWords(int count) {
    int bits = 32 * count;
    int precision = bits + 64;
    BigInteger pi =
        arctanInverse(5, precision)
            .shiftLeft(4)
            .subtract(arctanInverse(239, precision).shiftLeft(2));
    BigInteger fraction = pi.subtract(BigInteger.valueOf(3).shiftLeft(precision)).shiftRight(64);
    int[] words = new int[count];
    for (int i = 0; i < count; i++) {
      words[i] = fraction.shiftRight(bits - 32 * (i + 1)).intValue();
    }
    return words;
  }

  /** {@code atan(1/x) * 2^precision} by its Taylor series, truncating each term. */
  private static BigInteger arctanInverse(int x, int precision) {
    BigInteger xSquared = BigInteger.valueOf((long) x * x);
    BigInteger power = BigInteger.ONE.shiftLeft(precision).divide(BigInteger.valueOf(x));
    BigInteger sum = power;
    boolean subtract = true;
    for (long n = 3; power.signum() != 0; n += 2) {
      power = power.divide(xSquared);
      BigInteger term = power.divide(BigInteger.valueOf(n));
      sum = subtract ? sum.subtract(term) : sum.add(term);
      subtract = !subtract;
    }
    return sum;
  }
}
