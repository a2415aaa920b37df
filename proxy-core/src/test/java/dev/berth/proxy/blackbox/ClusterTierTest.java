package dev.berth.proxy.blackbox;

import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Node berths with a parent berth (the cluster tier) in front of one WireMock registry, all three
 * real servers in this JVM: the registry sees one GET per blob whatever the number of nodes, the
 * nodes pull from the registry itself while the tier is down, and a private repository stays
 * private through both tiers (the default tenancy, {@code verify}, on each).
 */
class ClusterTierTest {
  private static final String OCI = StubImage.OCI_MANIFEST;

  @TempDir Path dir;
  private WireMockServer registry;
  private RunningBerth tier;
  private RunningBerth nodeA;
  private RunningBerth nodeB;

  @BeforeEach
  void start() throws Exception {
    registry = new WireMockServer(options().dynamicPort());
    registry.start();
    String registryUrl = "http://127.0.0.1:" + registry.port();
    for (String d : new String[] {"tier", "a", "b"}) {
      java.nio.file.Files.createDirectories(dir.resolve(d));
    }
    tier = RunningBerth.start(dir.resolve("tier"), upstreams(registryUrl, ""));
    String parent = "    parent: http://127.0.0.1:" + tier.registryPort() + "\n";
    nodeA = RunningBerth.start(dir.resolve("a"), upstreams(registryUrl, parent));
    nodeB = RunningBerth.start(dir.resolve("b"), upstreams(registryUrl, parent));
  }

  /** The embedded defaults (tenancy verify) with one upstream, as an operator would write it. */
  private static String upstreams(String url, String parent) {
    return "upstreams:\n  - name: registry.test\n    url: "
        + url
        + "\n    default: true\n"
        + parent;
  }

  @AfterEach
  void stop() {
    nodeA.close();
    nodeB.close();
    tier.close();
    registry.stop();
  }

  private int gets(String path) {
    return registry.findAll(getRequestedFor(urlEqualTo(path))).size();
  }

  private static void publicRepository(WireMockServer registry, StubImage image) {
    registry.stubFor(
        com.github.tomakehurst.wiremock.client.WireMock.get(
                urlEqualTo("/v2/" + image.repository + "/tags/list?n=1"))
            .willReturn(
                com.github.tomakehurst.wiremock.client.WireMock.aResponse()
                    .withStatus(200)
                    .withBody("{\"tags\":[\"" + image.tag + "\"]}")));
  }

  private static void pull(RunningBerth berth, StubImage image, String... headers)
      throws Exception {
    String[] accept = concat(headers, "Accept", OCI);
    HttpResponse<byte[]> manifest =
        berth.get("/v2/" + image.repository + "/manifests/" + image.tag, accept);
    assertEquals(200, manifest.statusCode(), new String(manifest.body()));
    assertArrayEquals(image.manifest, manifest.body());
    HttpResponse<byte[]> layer =
        berth.get("/v2/" + image.repository + "/blobs/" + image.layerDigest, headers);
    assertEquals(200, layer.statusCode());
    assertArrayEquals(image.layer, layer.body());
  }

  private static String[] concat(String[] a, String... b) {
    String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  @Test
  void twoNodes_oneTier_theRegistrySeesOneGetPerBlob() throws Exception {
    StubImage image = new StubImage("team/app", "1.0", 300_000, 5).stub(registry);
    publicRepository(registry, image);

    pull(nodeA, image);
    pull(nodeB, image);
    pull(nodeA, image);

    assertEquals(1, gets("/v2/team/app/blobs/" + image.layerDigest));
    assertEquals(1, gets("/v2/team/app/manifests/" + image.manifestDigest));
    tier.awaitMetric("berth_storage_blobs 1.0");
  }

  @Test
  void tierDown_theNodesPullFromTheRegistry() throws Exception {
    StubImage image = new StubImage("team/app", "2.0", 100_000, 6).stub(registry);
    publicRepository(registry, image);
    tier.close();

    pull(nodeA, image);
    pull(nodeB, image);

    assertEquals(2, gets("/v2/team/app/blobs/" + image.layerDigest), "each node fetched it");
  }

  @Test
  void privateRepository_staysPrivateThroughBothTiers() throws Exception {
    StubImage image = new StubImage("team/private", "1.0", 50_000, 7).stub(registry);
    BasicAuthUpstream.challengeEverything(registry);
    String alice = BasicAuthUpstream.basic("alice", "alice-pw");
    BasicAuthUpstream.grantTagList(registry, "team/private", alice);

    pull(nodeA, image, "Authorization", alice);
    tier.awaitMetric("berth_storage_blobs 1.0"); // it came through the tier

    HttpResponse<byte[]> anonymous = nodeB.get("/v2/team/private/manifests/1.0", "Accept", OCI);
    HttpResponse<byte[]> bob =
        nodeB.get(
            "/v2/team/private/blobs/" + image.layerDigest,
            "Authorization",
            BasicAuthUpstream.basic("bob", "bob-pw"));
    assertEquals(401, anonymous.statusCode());
    assertTrue(bob.statusCode() == 401 || bob.statusCode() == 403, "bob got " + bob.statusCode());
    assertEquals(1, gets("/v2/team/private/blobs/" + image.layerDigest));
  }
}
