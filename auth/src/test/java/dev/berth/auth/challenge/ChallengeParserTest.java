package dev.berth.auth.challenge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChallengeParserTest {
  @Test
  void parse_dockerHubBearer() {
    List<AuthChallenge> cs =
        ChallengeParser.parse(
            "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                + "scope=\"repository:samalba/my-app:pull,push\"");
    assertEquals(1, cs.size());
    AuthChallenge c = cs.get(0);
    assertTrue(c.isBearer());
    assertEquals("https://auth.docker.io/token", c.realm().orElseThrow());
    assertEquals("registry.docker.io", c.service().orElseThrow());
    assertEquals(
        List.of(new TokenScope("repository", "samalba/my-app", Set.of("pull", "push"))),
        c.scopes());
  }

  @Test
  void parse_caseInsensitiveSchemeAndNames_unquotedValues_spaces() {
    AuthChallenge c =
        ChallengeParser.parse("BEARER  Realm = https://ghcr.io/token , SERVICE=ghcr.io").get(0);
    assertTrue(c.isBearer());
    assertEquals("https://ghcr.io/token", c.realm().orElseThrow());
    assertEquals("ghcr.io", c.service().orElseThrow());
  }

  @Test
  void parse_severalChallengesInOneHeader() {
    List<AuthChallenge> cs =
        ChallengeParser.parse(
            "Basic realm=\"simple\", Bearer realm=\"https://a/t\", error=\"insufficient_scope\"");
    assertEquals(2, cs.size());
    assertTrue(cs.get(0).isBasic());
    assertEquals("simple", cs.get(0).realm().orElseThrow());
    assertTrue(cs.get(1).isBearer());
    assertEquals("insufficient_scope", cs.get(1).param("error").orElseThrow());
  }

  @Test
  void parse_severalHeaders() {
    List<AuthChallenge> cs =
        ChallengeParser.parse(List.of("Basic realm=\"registry\"", "Bearer realm=\"https://x/t\""));
    assertEquals(List.of("basic", "bearer"), cs.stream().map(AuthChallenge::scheme).toList());
  }

  @Test
  void parse_quotedStringWithCommasAndEscapes() {
    AuthChallenge c =
        ChallengeParser.parse(
                "Bearer realm=\"https://a/t?x=1,y=2\",scope=\"repository:a/b:pull repository:c/d:pull\",note=\"say \\\"hi\\\"\"")
            .get(0);
    assertEquals("https://a/t?x=1,y=2", c.realm().orElseThrow());
    assertEquals(2, c.scopes().size());
    assertEquals("say \"hi\"", c.param("note").orElseThrow());
  }

  @Test
  void parse_token68() {
    List<AuthChallenge> cs = ChallengeParser.parse("Negotiate abc123==, Basic realm=\"r\"");
    assertEquals(2, cs.size());
    assertEquals(Map.of("", "abc123=="), cs.get(0).params());
    assertEquals("r", cs.get(1).realm().orElseThrow());
  }

  @Test
  void parse_schemeOnly_andEmpty() {
    assertEquals(List.of(), ChallengeParser.parse(""));
    assertEquals("basic", ChallengeParser.parse("Basic").get(0).scheme());
  }

  @Test
  void parse_garbage_neverThrows() {
    Random random = new Random(3);
    String alphabet = "Bearer realm=\"\\,; =abc/:";
    for (int i = 0; i < 20_000; i++) {
      StringBuilder s = new StringBuilder();
      for (int j = random.nextInt(60); j > 0; j--) {
        s.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      ChallengeParser.parse(s.toString());
    }
  }

  @Test
  void scope_hostPortResourceName() {
    TokenScope s = TokenScope.tryParse("repository:localhost:5000/foo/bar:pull").orElseThrow();
    assertEquals("repository", s.type());
    assertEquals("localhost:5000/foo/bar", s.name());
    assertEquals(Set.of("pull"), s.actions());
    assertEquals(
        "registry:catalog:*", TokenScope.tryParse("registry:catalog:*").orElseThrow().toString());
    assertEquals(
        "repository:x/y:pull",
        TokenScope.tryParse("repository(plugin):x/y:pull").orElseThrow().toString());
    assertTrue(TokenScope.tryParse("repository:x").isEmpty());
    assertTrue(TokenScope.tryParse("repository::pull").isEmpty());
    assertTrue(TokenScope.tryParse(":x:pull").isEmpty());
  }
}
