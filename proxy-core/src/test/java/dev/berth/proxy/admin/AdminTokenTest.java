package dev.berth.proxy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdminTokenTest {
  private final AdminToken token = AdminToken.of("s3cret.Token_value~1");

  @Test
  void authorizes_bearerWithTheToken_inAnyCaseOfTheScheme() {
    assertTrue(token.authorizes("Bearer s3cret.Token_value~1"));
    assertTrue(token.authorizes("bearer s3cret.Token_value~1"));
    assertTrue(token.authorizes("BEARER  s3cret.Token_value~1 "));
  }

  @Test
  void authorizes_anythingElse_isRefused() {
    List<String> refused =
        Arrays.asList(
            null,
            "",
            "Bearer",
            "Bearer ",
            "s3cret.Token_value~1",
            "Basic s3cret.Token_value~1",
            "Bearer s3cret.Token_value~",
            "Bearer s3cret.Token_value~12",
            "Bearer S3CRET.TOKEN_VALUE~1",
            "Bearers3cret.Token_value~1");
    for (String header : refused) {
      assertFalse(token.authorizes(header), String.valueOf(header));
    }
  }

  @Test
  void of_notABearerToken_isRefusedWithoutEchoingIt() {
    for (String text : List.of("", "two words", "new\nline", "ünïcode", "=leading")) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> AdminToken.of(text), text);
      assertFalse(!text.isEmpty() && e.getMessage().contains(text), e.getMessage());
    }
  }

  @Test
  void toString_neverShowsTheToken() {
    assertEquals("AdminToken[redacted]", token.toString());
    assertEquals("Bearer s3cret.Token_value~1", token.authorizationHeader());
  }
}
