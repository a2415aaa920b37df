package dev.berth.proxy.blackbox;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.headRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default pull policy, {@code always}: an upstream that names no policy sees every tag request,
 * so a tag moved upstream is served as moved at once, non-{@code latest} tags included (the kubelet
 * asks a mirror only when it means to pull; berth cannot see the pod's policy), and the last
 * resolution stands in while the upstream is down.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DefaultPolicyTest {
  @TempDir Path dir;
  private WireMockServer upstream;
  private RunningBerth berth;

  @BeforeEach
  void start() throws Exception {
    upstream = new WireMockServer(options().dynamicPort());
    upstream.start();
    upstream.stubFor(
        get(urlPathEqualTo("/v2/team/app/tags/list"))
            .willReturn(aResponse().withStatus(200).withBody("{\"tags\":[\"1.0\"]}")));
    // No policy key: the default applies (tenancy too).
    berth =
        RunningBerth.start(
            dir,
            "upstreams:\n  - name: example.test\n    url: http://127.0.0.1:"
                + upstream.port()
                + "\n    default: true\n");
  }

  @AfterEach
  void stop() {
    berth.close();
    upstream.stop();
  }

  private HttpResponse<byte[]> manifest() throws Exception {
    return berth.get("/v2/team/app/manifests/1.0", "Accept", StubImage.OCI_MANIFEST);
  }

  @Test
  void movedTag_isServedAsMovedAtOnce_andTheLastResolutionStandsInDuringAnOutage()
      throws Exception {
    StubImage first = new StubImage("team/app", "1.0", 1000, 1).stub(upstream);
    assertArrayEquals(first.manifest, manifest().body());
    assertArrayEquals(first.manifest, manifest().body());
    upstream.verify(2, headRequestedFor(urlEqualTo("/v2/team/app/manifests/1.0")));

    // The tag is retargeted upstream (a rebuilt image pushed under the same tag).
    StubImage second = new StubImage("team/app", "1.0", 1000, 2).stub(upstream);
    HttpResponse<byte[]> moved = manifest();
    assertEquals(200, moved.statusCode());
    assertArrayEquals(second.manifest, moved.body());
    assertEquals(
        second.manifestDigest.toString(),
        moved.headers().firstValue("Docker-Content-Digest").orElse(""));

    // The upstream goes away: the last resolution is served, marked stale.
    upstream.stop();
    HttpResponse<byte[]> stale = manifest();
    assertEquals(200, stale.statusCode());
    assertArrayEquals(second.manifest, stale.body());
    assertTrue(
        stale.headers().firstValue("Warning").orElse("").startsWith("110"),
        stale.headers().toString());
  }

  @Test
  void headOnlyRevalidation_spendsNoManifestGet() throws Exception {
    StubImage image = new StubImage("team/app", "1.0", 1000, 3).stub(upstream);
    assertEquals(200, manifest().statusCode());
    upstream.resetRequests();
    for (int i = 0; i < 3; i++) {
      assertArrayEquals(image.manifest, manifest().body());
    }
    upstream.verify(3, headRequestedFor(urlEqualTo("/v2/team/app/manifests/1.0")));
    assertEquals(
        0,
        upstream.findAll(getRequestedFor(urlEqualTo("/v2/team/app/manifests/1.0"))).size(),
        "a revalidation is a HEAD: Docker Hub does not count it as a pull");
  }
}
