package dev.berth.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Challenge parsing and the token server's grant patterns, without processes. */
class RegistryAuthTest {
  @Test
  void parse_bearerWithQuotedCommas() {
    RegistryAuth.Challenge challenge =
        RegistryAuth.Challenge.parse(
                "Bearer realm=\"http://127.0.0.1:5001/token\",service=\"berth-e2e\","
                    + "scope=\"repository:team-a/app:pull,push\",error=\"insufficient_scope\"")
            .orElseThrow();

    assertTrue(challenge.isBearer());
    assertEquals("http://127.0.0.1:5001/token", challenge.realm());
    assertEquals(Optional.of("berth-e2e"), challenge.service());
    assertEquals(Optional.of("repository:team-a/app:pull,push"), challenge.scope());
    assertEquals(Optional.of("insufficient_scope"), challenge.error());
  }

  @Test
  void parse_basicAndUnquotedAndSpaces() {
    RegistryAuth.Challenge basic =
        RegistryAuth.Challenge.parse("Basic realm=\"basic-realm\"").orElseThrow();
    RegistryAuth.Challenge loose =
        RegistryAuth.Challenge.parse("bearer  Realm=x , Service=\"a \\\"b\\\"\"").orElseThrow();

    assertTrue(basic.isBasic());
    assertEquals("basic-realm", basic.realm());
    assertEquals(Map.of("realm", "x", "service", "a \"b\""), loose.params());
  }

  @Test
  void grant_patterns() {
    TokenServer.Grant teamA = TokenServer.Grant.pullPush("team-a/*");
    TokenServer.Grant all = TokenServer.Grant.pull("*");
    TokenServer.Grant exact = TokenServer.Grant.pull("lib.x/app");

    assertTrue(teamA.matches("team-a/app"));
    assertTrue(teamA.matches("team-a/x/y"));
    assertTrue(!teamA.matches("team-b/app") && !teamA.matches("team-a"));
    assertTrue(all.matches("anything/at/all"));
    assertTrue(exact.matches("lib.x/app") && !exact.matches("libxx/app"));
  }
}
