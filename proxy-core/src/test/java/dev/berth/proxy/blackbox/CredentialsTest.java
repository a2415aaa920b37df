package dev.berth.proxy.blackbox;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.berth.storage.Digest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Upstream credentials and tenant isolation against a WireMock registry that uses HTTP Basic per
 * user: alice may read {@code team-a/*}, bob {@code team-b/*}, nobody is anonymous.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CredentialsTest {
  private static final String OCI = "application/vnd.oci.image.manifest.v1+json";

  @TempDir Path dir;
  private WireMockServer upstream;
  private RunningBerth berth;

  private final byte[] layer = random(1, 300_000);
  private final Digest layerDigest = Digest.sha256Of(layer);
  private final byte[] manifest =
      ("{\"schemaVersion\":2,\"mediaType\":\""
              + OCI
              + "\",\"layers\":[{\"digest\":\""
              + layerDigest
              + "\",\"size\":300000}]}")
          .getBytes(StandardCharsets.UTF_8);
  private final Digest manifestDigest = Digest.sha256Of(manifest);

  private static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  @BeforeEach
  void start() {
    upstream = new WireMockServer(options().dynamicPort());
    upstream.start();
    upstream.stubFor(
        any(urlMatching("/v2/.*"))
            .atPriority(10)
            .willReturn(
                aResponse().withStatus(401).withHeader("WWW-Authenticate", "Basic realm=\"up\"")));
    grant("alice", "alice-pw", "team-a");
    grant("bob", "bob-pw", "team-b");
  }

  /** {@code user} may read {@code repo}/app: its tag list, manifest and layer. */
  private void grant(String user, String password, String team) {
    String auth = basic(user, password);
    String base = "/v2/" + team + "/app/";
    upstream.stubFor(
        get(urlEqualTo(base + "tags/list?n=1"))
            .withHeader("Authorization", equalTo(auth))
            .atPriority(1)
            .willReturn(aResponse().withStatus(200).withBody("{\"name\":\"x\",\"tags\":[\"1\"]}")));
    upstream.stubFor(
        head(urlEqualTo(base + "manifests/1"))
            .withHeader("Authorization", equalTo(auth))
            .atPriority(1)
            .willReturn(
                aResponse()
                    .withStatus(200)
                    .withHeader("Content-Type", OCI)
                    .withHeader("Docker-Content-Digest", manifestDigest.toString())
                    .withHeader("Content-Length", Integer.toString(manifest.length))));
    upstream.stubFor(
        get(urlEqualTo(base + "manifests/" + manifestDigest))
            .withHeader("Authorization", equalTo(auth))
            .atPriority(1)
            .willReturn(
                aResponse().withStatus(200).withHeader("Content-Type", OCI).withBody(manifest)));
    if (team.equals("team-a")) {
      upstream.stubFor(
          get(urlEqualTo(base + "blobs/" + layerDigest))
              .withHeader("Authorization", equalTo(auth))
              .atPriority(1)
              .willReturn(aResponse().withStatus(200).withBody(layer)));
    } else {
      // bob's repository does not have alice's layer
      upstream.stubFor(
          head(urlEqualTo(base + "blobs/" + layerDigest))
              .withHeader("Authorization", equalTo(auth))
              .atPriority(1)
              .willReturn(aResponse().withStatus(404)));
    }
  }

  @AfterEach
  void stop() {
    if (berth != null) {
      berth.close();
    }
    upstream.stop();
  }

  private void startBerth(String tenancy, String dockerConfigJson) throws Exception {
    Path config = Files.writeString(dir.resolve("config.json"), dockerConfigJson);
    berth =
        RunningBerth.start(
            dir,
            "tenancy: "
                + tenancy
                + "\ncredentials:\n  docker-config:\n    - "
                + config
                + "\nupstreams:\n  - name: private.test\n    url: http://127.0.0.1:"
                + upstream.port()
                + "\n    default: true\n    policy: if-not-present\n");
  }

  private static String dockerConfig(String... keyUserPassword) {
    StringBuilder auths = new StringBuilder();
    for (int i = 0; i < keyUserPassword.length; i += 3) {
      if (auths.length() > 0) {
        auths.append(',');
      }
      String auth =
          Base64.getEncoder()
              .encodeToString(
                  (keyUserPassword[i + 1] + ":" + keyUserPassword[i + 2])
                      .getBytes(StandardCharsets.UTF_8));
      auths
          .append('"')
          .append(keyUserPassword[i])
          .append("\":{\"auth\":\"")
          .append(auth)
          .append("\"}");
    }
    return "{\"auths\":{" + auths + "}}";
  }

  @Test
  void tenancyVerify_onlyClientsTheUpstreamAcceptsReadCachedContent() throws Exception {
    startBerth("verify", "{\"auths\":{}}");
    String alice = basic("alice", "alice-pw");

    HttpResponse<byte[]> first = berth.get("/v2/team-a/app/manifests/1", "Authorization", alice);
    assertEquals(200, first.statusCode());
    assertArrayEquals(manifest, first.body());
    assertArrayEquals(
        layer, berth.get("/v2/team-a/app/blobs/" + layerDigest, "Authorization", alice).body());

    for (String[] other :
        new String[][] {{"Authorization", basic("bob", "bob-pw")}, {"X-Nobody", "anonymous"}}) {
      HttpResponse<byte[]> m = berth.get("/v2/team-a/app/manifests/1", other);
      assertEquals(401, m.statusCode(), "manifest for " + other[1]);
      assertEquals("Basic realm=\"berth\"", m.headers().firstValue("WWW-Authenticate").orElse(""));
      assertEquals(
          401, berth.get("/v2/team-a/app/manifests/" + manifestDigest, other).statusCode());
      assertEquals(401, berth.get("/v2/team-a/app/blobs/" + layerDigest, other).statusCode());
    }
    // bob may read team-b, but alice's layer is not in team-b: the digest alone reads nothing.
    HttpResponse<byte[]> probe =
        berth.get("/v2/team-b/app/blobs/" + layerDigest, "Authorization", basic("bob", "bob-pw"));
    assertEquals(404, probe.statusCode());
    assertFalse(
        new String(probe.body(), StandardCharsets.ISO_8859_1)
            .contains(new String(layer, 0, 50, StandardCharsets.ISO_8859_1)));

    upstream.resetRequests();
    assertArrayEquals(
        manifest, berth.get("/v2/team-a/app/manifests/1", "Authorization", alice).body());
    assertArrayEquals(
        layer, berth.get("/v2/team-a/app/blobs/" + layerDigest, "Authorization", alice).body());
    assertEquals(0, upstream.getAllServeEvents().size(), "alice's second pull must be local");
    // Requests without credentials come from loopback, i.e. from the node, which holds no
    // credentials here: refused as the node (NodeIdentityTest covers clients from elsewhere).
    String metrics = berth.metrics();
    assertTrue(
        metrics.contains("berth_access_decisions_total{basis=\"node\",result=\"denied\"}"),
        metrics);
  }

  @Test
  void tenancyOpen_nodeCredentialsServeEveryone() throws Exception {
    startBerth("open", dockerConfig("private.test/team-a", "alice", "alice-pw"));
    HttpResponse<byte[]> r = berth.get("/v2/team-a/app/manifests/1");
    assertEquals(200, r.statusCode());
    assertArrayEquals(manifest, r.body());
    assertEquals(
        401, berth.get("/v2/team-b/app/manifests/1").statusCode(), "no key matches team-b");
  }

  @Test
  void nodeKeyring_refusedCandidateFallsThroughToTheNext() throws Exception {
    // Most specific key first: the wrong password for team-a is tried before the right one.
    startBerth(
        "open",
        dockerConfig("private.test/team-a", "alice", "wrong", "private.test", "alice", "alice-pw"));
    assertEquals(200, berth.get("/v2/team-a/app/manifests/1").statusCode());
    assertArrayEquals(layer, berth.get("/v2/team-a/app/blobs/" + layerDigest).body());
    String metrics = berth.metrics();
    assertTrue(metrics.contains("berth_credentials_keys 2.0"), metrics);
  }

  @Test
  void clientCredentials_areUsedUpstreamAndNeverEchoed() throws Exception {
    startBerth("open", "{\"auths\":{}}");
    HttpResponse<byte[]> ok =
        berth.get("/v2/team-b/app/manifests/1", "Authorization", basic("bob", "bob-pw"));
    assertEquals(200, ok.statusCode());
    HttpResponse<byte[]> wrong =
        berth.get("/v2/team-a/app/manifests/1", "Authorization", basic("bob", "s3cret-value"));
    assertEquals(401, wrong.statusCode());
    String body = new String(wrong.body(), StandardCharsets.UTF_8);
    assertFalse(body.contains("s3cret-value"), body);
    assertFalse(berth.metrics().contains("s3cret-value"));
  }

  @Test
  void brokenCredentialFile_keepsServingAndCounts() throws Exception {
    startBerth("open", dockerConfig("private.test", "alice", "alice-pw"));
    assertEquals(200, berth.get("/v2/team-a/app/manifests/1").statusCode());
    Files.writeString(dir.resolve("config.json"), "{\"auths\": {\"x\": {\"auth\": \"%%%\"}}");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (!berth.metrics().contains("berth_credentials_reload_failures_total 1.0")
        && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    assertTrue(
        berth.metrics().contains("berth_credentials_reload_failures_total 1.0"), berth.metrics());
    assertEquals(
        200,
        berth.get("/v2/team-a/app/blobs/" + layerDigest).statusCode(),
        "the last good keyring stays");
  }

  private static byte[] random(long seed, int n) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }
}
