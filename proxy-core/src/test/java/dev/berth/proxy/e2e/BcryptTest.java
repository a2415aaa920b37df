package dev.berth.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The test bcrypt against reference hashes (OpenBSD/jBCrypt vectors, glibc's crypt). */
class BcryptTest {
  @Test
  void piWords_areBlowfishInitialState() {
    int[] words = Bcrypt.piWords(1042);

    assertEquals(0x243f6a88, words[0], "P[0]");
    assertEquals(0x8979fb1b, words[17], "P[17]");
    assertEquals(0xd1310ba6, words[18], "S0[0]");
    assertEquals(0x3ac372e6, words[1041], "S3[255]");
  }

  @Test
  void hash_referenceVectors() {
    assertEquals(
        "$2a$06$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s.",
        Bcrypt.hash("", "$2a$06$DCq7YPn5Rq63x1Lad4cll."));
    assertEquals(
        "$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i",
        Bcrypt.hash("abc", "$2a$06$If6bvum7DFjUnE9p2uDeDu"));
    assertEquals(
        "$2y$04$abcdefghijklmnopqrstuuHCSenwm8buK215m4R4q2ZmPL95d0lX2",
        Bcrypt.hash("alice-secret", "$2y$04$abcdefghijklmnopqrstuu"));
  }

  @Test
  void hash_longPassword_truncatedAt72Bytes() {
    String expected = "$2b$05$DCq7YPn5Rq63x1Lad4cll.bGEIdAPeabNxkKkkjy2Le0zLUHEF4fm";

    assertEquals(expected, Bcrypt.hash("a".repeat(80), "$2b$05$DCq7YPn5Rq63x1Lad4cll."));
    assertTrue(Bcrypt.verify("a".repeat(72), expected));
  }

  @Test
  void hash_randomSalt_verifiesOnlyTheRightPassword() {
    String hash = Bcrypt.hash("s3cret:with colon", Bcrypt.MIN_COST);

    assertTrue(hash.startsWith("$2y$04$"), hash);
    assertEquals(60, hash.length());
    assertTrue(Bcrypt.verify("s3cret:with colon", hash));
    assertFalse(Bcrypt.verify("s3cret", hash));
  }

  @Test
  void hash_badSetting_throws() {
    assertThrows(IllegalArgumentException.class, () -> Bcrypt.hash("x", "$1$abc"));
    assertThrows(
        IllegalArgumentException.class, () -> Bcrypt.hash("x", "$2y$03$abcdefghijklmnopqrstuu"));
  }
}
