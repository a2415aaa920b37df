package dev.berth.proxy.blackbox;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.berth.proxy.TestAddresses;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code credentials.node-identity}: a request without credentials from the node itself reads what
 * the node's credentials can (CRI-O, skopeo and {@code berth prefetch} on the node send none), one
 * from anywhere else only public repositories. berth listens on all interfaces here, so the same
 * server is reached over loopback and over the machine's own non-loopback address.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NodeIdentityTest {
  @TempDir Path dir;
  private WireMockServer upstream;
  private RunningBerth berth;
  private final StubImage image = new StubImage("team-a/app", "1", 100_000, 7);
  private String elsewhere;

  @BeforeEach
  void start() throws Exception {
    elsewhere = TestAddresses.nonLoopback();
    upstream = new WireMockServer(options().dynamicPort());
    upstream.start();
    // Nothing is anonymous; the node's credential (alice) reads team-a.
    BasicAuthUpstream.challengeEverything(upstream);
    String alice = basic("alice", "alice-pw");
    BasicAuthUpstream.grantTagList(upstream, "team-a/app", alice);
    for (String reference : new String[] {"1", image.manifestDigest.toString()}) {
      String path = "/v2/team-a/app/manifests/" + reference;
      upstream.stubFor(
          head(urlEqualTo(path))
              .withHeader("Authorization", equalTo(alice))
              .atPriority(1)
              .willReturn(manifest(false)));
      upstream.stubFor(
          get(urlEqualTo(path))
              .withHeader("Authorization", equalTo(alice))
              .atPriority(1)
              .willReturn(manifest(true)));
    }
  }

  private com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder manifest(boolean body) {
    var r =
        aResponse()
            .withStatus(200)
            .withHeader("Content-Type", StubImage.OCI_MANIFEST)
            .withHeader("Docker-Content-Digest", image.manifestDigest.toString())
            .withHeader("Content-Length", Integer.toString(image.manifest.length));
    return body ? r.withBody(image.manifest) : r;
  }

  @AfterEach
  void stop() {
    if (berth != null) {
      berth.close();
    }
    upstream.stop();
  }

  /** berth with the default tenancy and node identity, plus {@code credentials} lines. */
  private void startBerth(String... credentialLines) throws Exception {
    if (berth != null) {
      berth.close();
    }
    Path config =
        Files.writeString(
            dir.resolve("config.json"),
            "{\"auths\":{\"private.test/team-a\":{\"auth\":\""
                + Base64.getEncoder()
                    .encodeToString("alice:alice-pw".getBytes(StandardCharsets.UTF_8))
                + "\"}}}");
    StringBuilder yaml =
        new StringBuilder("credentials:\n  docker-config:\n    - ").append(config).append('\n');
    for (String line : credentialLines) {
      yaml.append("  ").append(line).append('\n');
    }
    yaml.append("upstreams:\n  - name: private.test\n    url: http://127.0.0.1:")
        .append(upstream.port())
        .append("\n    default: true\n");
    berth = RunningBerth.start(dir, dir.resolve("data"), yaml.toString(), "0.0.0.0:0");
  }

  private HttpResponse<byte[]> manifestVia(String host, String... headers) throws Exception {
    return berth.sendVia(
        host,
        "GET",
        "/v2/team-a/app/manifests/1",
        concat(headers, "Accept", StubImage.OCI_MANIFEST));
  }

  @Test
  void anonymousFromLoopback_readsWithTheNodesCredentials_fromElsewhereIsChallenged()
      throws Exception {
    startBerth();
    HttpResponse<byte[]> node = manifestVia("127.0.0.1");
    assertEquals(200, node.statusCode(), new String(node.body(), StandardCharsets.UTF_8));
    assertArrayEquals(image.manifest, node.body());

    HttpResponse<byte[]> other = manifestVia(elsewhere);
    assertEquals(401, other.statusCode(), "from " + elsewhere);
    assertEquals(
        "Basic realm=\"berth\"", other.headers().firstValue("WWW-Authenticate").orElse(""));
    // Credentials are the identity wherever they come from: wrong ones are not the node's.
    assertEquals(
        401, manifestVia("127.0.0.1", "Authorization", basic("alice", "wrong")).statusCode());
    // The right ones work from anywhere.
    assertEquals(
        200, manifestVia(elsewhere, "Authorization", basic("alice", "alice-pw")).statusCode());
    String metrics = berth.metrics();
    assertTrue(
        metrics.contains("berth_access_decisions_total{basis=\"node\",result=\"allowed\"}"),
        metrics);
    assertTrue(
        metrics.contains("berth_access_decisions_total{basis=\"anonymous\",result=\"denied\"}"),
        metrics);
  }

  @Test
  void nodeAddresses_addTheNodesOtherAddresses() throws Exception {
    startBerth("node-addresses: [\"" + elsewhere + "/32\"]");
    assertEquals(200, manifestVia(elsewhere).statusCode());
    assertEquals(200, manifestVia("127.0.0.1").statusCode());
  }

  @Test
  void nodeIdentityOff_everyClientMustPresentCredentials() throws Exception {
    startBerth("node-identity: false");
    assertEquals(401, manifestVia("127.0.0.1").statusCode());
    assertEquals(
        200, manifestVia("127.0.0.1", "Authorization", basic("alice", "alice-pw")).statusCode());
  }

  private static String[] concat(String[] a, String... b) {
    String[] all = new String[a.length + b.length];
    System.arraycopy(a, 0, all, 0, a.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  private static String basic(String user, String password) {
    return BasicAuthUpstream.basic(user, password);
  }

  /** An IPv4 address of this machine that is not loopback: how a pod on another host looks. */
}
