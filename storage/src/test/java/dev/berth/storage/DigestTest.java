package dev.berth.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Vectors from docs/protocol.md §1.4 and §1.5 (go-digest validation). */
class DigestTest {
  private static final String F64 = "f".repeat(64);
  private static final String EMPTY_SHA256 =
      "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  @Test
  void parse_sha256_roundTrips() {
    Digest d = Digest.parse("sha256:" + F64);
    assertEquals(Digest.Algorithm.SHA256, d.algorithm());
    assertEquals(F64, d.hex());
    assertEquals("sha256:" + F64, d.toString());
    assertEquals(d, Digest.parse(d.toString()));
  }

  @Test
  void parse_sha512_accepted() {
    Digest d = Digest.parse("sha512:" + "ab".repeat(64));
    assertEquals(Digest.Algorithm.SHA512, d.algorithm());
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "sha256:ffffffffffffffffffffffffffffffffff | needs 64 hex characters, got 34",
        "invaliddigest:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff | unsupported algorithm 'invaliddigest'",
        "sha256:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF | lowercase",
        "sha256: | expected <algorithm>:<hex>",
        ":ffff | expected <algorithm>:<hex>",
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff | expected <algorithm>:<hex>",
        "sha256:gggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggg | lowercase",
        "sha512:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff | needs 128 hex characters",
        "sha 256:ffff | malformed algorithm",
        "md5:d41d8cd98f00b204e9800998ecf8427e | unsupported algorithm 'md5'",
      })
  void parse_invalid_namesTheProblem(String input, String expected) {
    InvalidDigestException e =
        assertThrows(InvalidDigestException.class, () -> Digest.parse(input));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
    assertTrue(e.getMessage().contains(input.substring(0, Math.min(10, input.length()))));
    assertEquals(input, e.input());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        ":",
        "sha256",
        "sha256:fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\n"
      })
  void parse_edgeCases_rejected(String input) {
    assertThrows(InvalidDigestException.class, () -> Digest.parse(input));
  }

  @Test
  void sha256Of_matchesKnownVector() {
    assertEquals(EMPTY_SHA256, Digest.sha256Of(new byte[0]).toString());
  }

  @Test
  void keyBytes_roundTrip() {
    Digest d = Digest.sha256Of("x".getBytes(StandardCharsets.UTF_8));
    byte[] key = d.toKeyBytes();
    assertEquals(33, key.length);
    assertEquals(d, Digest.fromKeyBytes(key, 0));
    Digest big = Digest.parse("sha512:" + "0a".repeat(64));
    assertEquals(big, Digest.fromKeyBytes(big.toKeyBytes(), 0));
  }

  @Test
  void verifier_streamingMatchesWholeHash() {
    byte[] data = new byte[100_000];
    new Random(1).nextBytes(data);
    Digest expected = Digest.sha256Of(data);
    DigestVerifier v = expected.newVerifier();
    ByteBuffer whole = ByteBuffer.wrap(data);
    int offset = 0;
    for (int size : new int[] {1, 7, 4096, 30_000, 65_896}) {
      ByteBuffer piece = whole.slice(offset, size);
      v.update(piece);
      assertEquals(0, piece.position(), "update must not consume the caller's buffer");
      offset += size;
    }
    assertEquals(data.length, v.length());
    assertTrue(v.verify());
  }

  @Test
  void verifier_wrongBytes_doNotVerify() {
    Digest expected = Digest.sha256Of(new byte[] {1, 2, 3});
    DigestVerifier v = expected.newVerifier();
    v.update(new byte[] {1, 2, 4}, 0, 3);
    assertFalse(v.verify());
    DigestVerifier w = expected.newVerifier();
    w.update(new byte[] {1, 2, 3}, 0, 3);
    assertArrayEquals(expected.toKeyBytes(), w.finish().toKeyBytes());
  }

  @Test
  void parse_fuzzedInput_neverThrowsAnythingButInvalidDigest() {
    Random random = new Random(99);
    String alphabet = "sha256512:0123456789abcdefABCDEF-_+.\u00e9 ";
    for (int i = 0; i < 20_000; i++) {
      StringBuilder s = new StringBuilder(random.nextBoolean() ? "sha256:" : "");
      int len = random.nextInt(140);
      for (int j = 0; j < len; j++) {
        s.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      try {
        Digest d = Digest.parse(s.toString());
        assertEquals(s.toString(), d.toString());
      } catch (InvalidDigestException expected) {
        // fine: rejected with a message
      }
    }
  }
}
