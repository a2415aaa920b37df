package dev.berth.proxy.e2e;

import static dev.berth.proxy.e2e.TokenAuthRegistry.ADMIN;
import static dev.berth.proxy.e2e.TokenAuthRegistry.ALICE;
import static dev.berth.proxy.e2e.TokenAuthRegistry.BOB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The token-auth upstream with per-user grants, with skopeo and the JDK client. */
@Timeout(60)
class TokenAuthRegistryTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private static TokenAuthRegistry upstream;
  private static Skopeo skopeo;
  private static PushedImage teamA;
  private static PushedImage teamB;
  private static PushedImage publicImage;

  @BeforeAll
  static void start() {
    E2eTools.require("docker-registry", "skopeo");
    upstream = TokenAuthRegistry.startWithTeams();
    skopeo = Skopeo.create();
    TestImages images = TestImages.pushingTo(upstream);
    teamA = images.withCredentials(ALICE).smallImage("team-a/app", "1", 21);
    teamB = images.withCredentials(BOB).smallImage("team-b/app", "1", 22);
    publicImage = images.withCredentials(ADMIN).smallImage("public/app", "1", 23);
  }

  @AfterAll
  static void stop() {
    if (upstream != null) {
      upstream.close();
    }
  }

  @BeforeEach
  void clearRecords() {
    upstream.clearTokenRequests();
  }

  @Test
  void alice_pullsTeamA_butNotTeamB(@TempDir Path dir) {
    Skopeo alice = skopeo.withCredentials(ALICE);

    assertEquals(teamA.manifest(), alice.copyToOciDir(teamA.reference(), dir.resolve("a"), true));
    CommandFailedException refused =
        assertThrows(
            CommandFailedException.class,
            () -> alice.copyToOciDir(teamB.reference(), dir.resolve("b"), true));

    assertTrue(refused.stderr().contains("unauthorized"), refused.stderr());
    assertRefused(RegistryProbe.as(ALICE).headManifest(upstream.url(), "team-b/app", "1"));
    assertEquals(
        teamA.digest(), RegistryProbe.as(ALICE).manifestDigest(upstream.url(), "team-a/app", "1"));
  }

  @Test
  void bob_pullsTeamB_butNotTeamA(@TempDir Path dir) {
    Skopeo bob = skopeo.withCredentials(BOB);

    assertEquals(teamB.digest(), bob.inspectDigest(teamB.reference()));
    assertEquals(teamB.manifest(), bob.copyToOciDir(teamB.reference(), dir.resolve("b"), true));
    assertThrows(
        CommandFailedException.class,
        () -> bob.copyToOciDir(teamA.reference(), dir.resolve("a"), true));
    assertRefused(RegistryProbe.as(BOB).headManifest(upstream.url(), "team-a/app", "1"));
  }

  @Test
  void anonymous_pullsPublicOnly(@TempDir Path dir) {
    assertEquals(
        publicImage.manifest(),
        skopeo.copyToOciDir(publicImage.reference(), dir.resolve("p"), true));
    assertThrows(
        CommandFailedException.class,
        () -> skopeo.copyToOciDir(teamA.reference(), dir.resolve("a"), true));
    assertEquals(
        publicImage.digest(),
        RegistryProbe.anonymousToken().manifestDigest(upstream.url(), "public/app", "1"));
    assertRefused(RegistryProbe.anonymousToken().headManifest(upstream.url(), "team-a/app", "1"));
    assertEquals(
        401,
        RegistryProbe.headManifest(upstream.url(), "public/app", "1").status(),
        "without a token even public/* is refused");

    List<TokenServer.TokenRequest> requests = upstream.tokenRequests();
    assertFalse(requests.isEmpty());
    assertTrue(
        requests.stream().allMatch(TokenServer.TokenRequest::anonymous), requests.toString());
    assertTrue(
        requests.stream()
            .anyMatch(r -> r.grantedScopes().equals(List.of("repository:public/app:pull"))),
        requests.toString());
    assertTrue(
        requests.stream()
            .filter(r -> r.scopes().contains("repository:team-a/app:pull"))
            .allMatch(r -> r.succeeded() && r.granted().isEmpty()),
        "an anonymous token for team-a is issued but grants nothing: " + requests);
  }

  @Test
  void everyone_canPullWhatAnonymousMay() {
    assertEquals(
        publicImage.digest(), skopeo.withCredentials(ALICE).inspectDigest(publicImage.reference()));
  }

  @Test
  void push_outsideGrant_fails() {
    TestImages asAlice = TestImages.pushingTo(upstream).withCredentials(ALICE);

    assertThrows(CommandFailedException.class, () -> asAlice.smallImage("team-b/intruder", "1"));
    assertThrows(CommandFailedException.class, () -> asAlice.smallImage("public/intruder", "1"));
    assertTrue(
        upstream.tokenRequests().stream()
            .filter(r -> r.scopes().contains("repository:team-b/intruder:pull,push"))
            .allMatch(r -> "alice".equals(r.user()) && r.granted().isEmpty()),
        upstream.tokenRequests().toString());
  }

  @Test
  void wrongPassword_tokenServerAnswers401(@TempDir Path dir) {
    Credentials wrong = new Credentials("alice", "bob-pw");

    CommandFailedException e =
        assertThrows(
            CommandFailedException.class,
            () ->
                skopeo
                    .withCredentials(wrong)
                    .copyToOciDir(teamA.reference(), dir.resolve("a"), true));

    assertTrue(e.stderr().contains("invalid username/password"), e.stderr());
    assertEquals(
        401, RegistryProbe.as(wrong).headManifest(upstream.url(), "team-a/app", "1").status());
    TokenServer.TokenRequest last =
        upstream.tokenRequests().get(upstream.tokenRequests().size() - 1);
    assertEquals("alice", last.user());
    assertEquals(401, last.status());
    assertTrue(last.granted().isEmpty());
  }

  @Test
  void rawFlow_challengeTokenBearer() throws Exception {
    // 1. Anonymous HEAD: 401 with a Bearer challenge naming realm, service and scope.
    HttpRequest.Builder head =
        HttpRequest.newBuilder(URI.create(upstream.url() + "/v2/team-a/app/manifests/1"))
            .method("HEAD", HttpRequest.BodyPublishers.noBody())
            .header("Accept", E2eMediaTypes.MANIFEST_ACCEPT)
            .timeout(Duration.ofSeconds(10));
    HttpResponse<Void> challenged = HTTP.send(head.build(), HttpResponse.BodyHandlers.discarding());
    assertEquals(401, challenged.statusCode());
    RegistryAuth.Challenge challenge = RegistryAuth.challengeOf(challenged).orElseThrow();
    assertTrue(challenge.isBearer(), challenge.toString());
    assertEquals(upstream.realm(), challenge.realm());
    assertEquals(upstream.service(), challenge.service().orElseThrow());
    assertEquals("repository:team-a/app:pull", challenge.scope().orElseThrow());

    // 2. GET the token with alice's Basic credentials.
    URI tokenUri =
        URI.create(
            challenge.realm()
                + "?service="
                + URLEncoder.encode(upstream.service(), StandardCharsets.UTF_8)
                + "&scope="
                + URLEncoder.encode(challenge.scope().orElseThrow(), StandardCharsets.UTF_8));
    HttpResponse<String> tokenResponse =
        HTTP.send(
            HttpRequest.newBuilder(tokenUri)
                .header("Authorization", ALICE.basicAuthorization())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, tokenResponse.statusCode(), tokenResponse.body());
    JsonNode body = JSON.readTree(tokenResponse.body());
    String token = body.get("token").asText();
    assertEquals(token, body.get("access_token").asText());
    assertEquals(300, body.get("expires_in").asInt());
    Instant issuedAt = Instant.parse(body.get("issued_at").asText());
    assertTrue(Duration.between(issuedAt, Instant.now()).abs().toSeconds() < 30);

    // The JWT: ES256 with the certificate in x5c, claims for alice and only team-a/app pull.
    String[] parts = token.split("\\.");
    assertEquals(3, parts.length);
    JsonNode header = JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
    JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
    assertEquals("ES256", header.get("alg").asText());
    assertEquals(1, header.get("x5c").size());
    assertEquals(64, Base64.getUrlDecoder().decode(parts[2]).length, "r || s, not DER");
    assertEquals(upstream.tokenServer().issuer(), claims.get("iss").asText());
    assertEquals("alice", claims.get("sub").asText());
    assertEquals(upstream.service(), claims.get("aud").asText());
    assertEquals(claims.get("iat").asLong() + 300, claims.get("exp").asLong());
    assertTrue(claims.get("nbf").asLong() <= claims.get("iat").asLong());
    assertFalse(claims.get("jti").asText().isEmpty());
    assertEquals(
        JSON.readTree("[{\"type\":\"repository\",\"name\":\"team-a/app\",\"actions\":[\"pull\"]}]"),
        claims.get("access"));

    // 3. Retry with the bearer token.
    HttpResponse<Void> served =
        HTTP.send(
            head.header("Authorization", "Bearer " + token).build(),
            HttpResponse.BodyHandlers.discarding());
    assertEquals(200, served.statusCode());
    assertEquals(
        teamA.digest(), served.headers().firstValue("Docker-Content-Digest").orElseThrow());

    // The same token is no good for team-b: 401 insufficient_scope.
    HttpResponse<Void> otherRepo =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(upstream.url() + "/v2/team-b/app/manifests/1"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .header("Authorization", "Bearer " + token)
                .build(),
            HttpResponse.BodyHandlers.discarding());
    assertEquals(401, otherRepo.statusCode());
    assertEquals(
        "insufficient_scope",
        RegistryAuth.challengeOf(otherRepo).flatMap(RegistryAuth.Challenge::error).orElseThrow());

    TokenServer.TokenRequest recorded = upstream.tokenRequests().get(0);
    assertEquals("GET", recorded.method());
    assertEquals("alice", recorded.user());
    assertEquals(upstream.service(), recorded.service());
    assertEquals(List.of("repository:team-a/app:pull"), recorded.scopes());
    assertEquals(List.of("repository:team-a/app:pull"), recorded.grantedScopes());
  }

  @Test
  void skopeoPush_asksForPullPush_andGetsBoth() {
    TestImages.pushingTo(upstream).withCredentials(ALICE).smallImage("team-a/pushed", "1", 24);

    List<TokenServer.TokenRequest> requests = upstream.tokenRequests();
    assertTrue(requests.stream().allMatch(r -> "alice".equals(r.user())), requests.toString());
    assertTrue(
        requests.stream()
            .anyMatch(
                r ->
                    r.scopes().contains("repository:team-a/pushed:pull,push")
                        && r.grantedScopes().contains("repository:team-a/pushed:pull,push")),
        requests.toString());
  }

  @Test
  void oauthPasswordGrant_post() throws Exception {
    String form =
        "grant_type=password&client_id=berth-e2e&username=bob&password=bob-pw&service="
            + upstream.service()
            + "&scope="
            + URLEncoder.encode(
                "repository:team-b/app:pull repository:team-a/app:pull", StandardCharsets.UTF_8);
    HttpResponse<String> response = post(form);
    HttpResponse<String> refresh = post("grant_type=refresh_token&refresh_token=x");
    HttpResponse<String> wrong = post("grant_type=password&username=bob&password=nope");

    assertEquals(200, response.statusCode(), response.body());
    String token = JSON.readTree(response.body()).get("access_token").asText();
    assertEquals(
        "repository:team-b/app:pull", JSON.readTree(response.body()).get("scope").asText());
    HttpResponse<Void> served =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(upstream.url() + "/v2/team-b/app/manifests/1"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .header("Accept", E2eMediaTypes.MANIFEST_ACCEPT)
                .header("Authorization", "Bearer " + token)
                .build(),
            HttpResponse.BodyHandlers.discarding());
    assertEquals(200, served.statusCode());
    assertEquals(400, refresh.statusCode());
    assertEquals(401, wrong.statusCode());
    assertEquals(
        List.of("POST"),
        upstream.tokenRequests().stream()
            .map(TokenServer.TokenRequest::method)
            .distinct()
            .toList());
  }

  @Test
  void setGrants_appliesToNewTokens() {
    try {
      upstream.tokenServer().setGrants("bob", TokenServer.Grant.pull("team-a/*"));
      assertEquals(
          teamA.digest(), RegistryProbe.as(BOB).manifestDigest(upstream.url(), "team-a/app", "1"));
      assertRefused(RegistryProbe.as(BOB).headManifest(upstream.url(), "team-b/app", "1"));
    } finally {
      upstream.tokenServer().setGrants("bob", TokenServer.Grant.pullPush("team-b/*"));
    }
  }

  @Test
  void expiredToken_refused() throws Exception {
    // The registry allows 60 s of clock skew, so "expired" means more than a minute ago.
    String expired =
        upstream
            .tokenServer()
            .mintToken(
                "alice",
                List.of(new TokenServer.Access("repository", "team-a/app", List.of("pull"))),
                Duration.ofMinutes(-2));
    String fresh =
        upstream
            .tokenServer()
            .mintToken(
                "alice",
                List.of(new TokenServer.Access("repository", "team-a/app", List.of("pull"))),
                Duration.ofMinutes(1));

    assertEquals(401, headWithBearer("team-a/app", expired));
    assertEquals(200, headWithBearer("team-a/app", fresh));
  }

  @Test
  void stop_thenStart_sameUpstreamStillServes() {
    upstream.stop();
    assertFalse(upstream.isRunning());
    assertFalse(upstream.tokenServer().isRunning());

    upstream.start();

    assertTrue(upstream.isRunning());
    assertEquals(
        teamB.digest(), RegistryProbe.as(BOB).manifestDigest(upstream.url(), "team-b/app", "1"));
  }

  @Test
  void kidHeader_alsoAccepted(@TempDir Path dir) {
    try (TokenAuthRegistry kid =
        TokenAuthRegistry.builder()
            .user(ALICE, TokenServer.Grant.pullPush("team-a/*"))
            .keyHint(TokenServer.KeyHint.KID)
            .start()) {
      PushedImage image =
          TestImages.pushingTo(kid).withCredentials(ALICE).smallImage("team-a/kid", "1", 25);

      assertEquals(
          image.manifest(),
          skopeo.withCredentials(ALICE).copyToOciDir(image.reference(), dir.resolve("k"), true));
      assertTrue(
          kid.tokenRequests().stream().anyMatch(r -> "alice".equals(r.user()) && r.succeeded()),
          kid.tokenRequests().toString());
    }
  }

  private static void assertRefused(RegistryProbe.ManifestResponse response) {
    assertTrue(
        response.status() == 401 || response.status() == 403,
        "expected 401 or 403, got " + response.status());
  }

  private static int headWithBearer(String repository, String token) throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(
                    URI.create(upstream.url() + "/v2/" + repository + "/manifests/1"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .header("Accept", E2eMediaTypes.MANIFEST_ACCEPT)
                .header("Authorization", "Bearer " + token)
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  private static HttpResponse<String> post(String form) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(upstream.realm()))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
