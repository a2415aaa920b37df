package dev.berth.proxy.blackbox;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlMatching;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, defect 10: berth remembers an upstream's last Bearer challenge and fetches tokens from
 * its realm before asking; when one repository's realm failed, every repository of that upstream
 * failed until restart. A failing remembered realm is now forgotten and the repository's own
 * challenge is asked for.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RealmPerRepositoryTest {
  private static final String DIGEST =
      "sha256:0000000000000000000000000000000000000000000000000000000000000002";

  @TempDir Path dir;
  private WireMockServer upstream;
  private RunningBerth berth;

  @BeforeEach
  void start() throws Exception {
    upstream = new WireMockServer(options().dynamicPort());
    upstream.start();
    String base = "http://127.0.0.1:" + upstream.port();
    // broken/app's challenge names a realm that answers 404; good/app's a working one.
    upstream.stubFor(
        any(urlMatching("/v2/broken/.*"))
            .atPriority(10)
            .willReturn(
                aResponse()
                    .withStatus(401)
                    .withHeader(
                        "WWW-Authenticate",
                        "Bearer realm=\"" + base + "/missing-token\",service=\"svc\"")));
    upstream.stubFor(
        any(urlMatching("/v2/good/.*"))
            .atPriority(10)
            .willReturn(
                aResponse()
                    .withStatus(401)
                    .withHeader(
                        "WWW-Authenticate",
                        "Bearer realm=\"" + base + "/token\",service=\"svc\"")));
    upstream.stubFor(get(urlPathEqualTo("/missing-token")).willReturn(aResponse().withStatus(404)));
    upstream.stubFor(
        get(urlPathEqualTo("/token"))
            .willReturn(aResponse().withStatus(200).withBody("{\"token\":\"granted\"}")));
    upstream.stubFor(
        head(urlEqualTo("/v2/good/app/manifests/1"))
            .withHeader("Authorization", equalTo("Bearer granted"))
            .atPriority(1)
            .willReturn(
                aResponse()
                    .withStatus(200)
                    .withHeader("Content-Type", "application/vnd.oci.image.manifest.v1+json")
                    .withHeader("Docker-Content-Digest", DIGEST)
                    .withHeader("Content-Length", "10")));
    berth = RunningBerth.start(dir, RunningBerth.oneUpstream("tokens.test", base, "always"));
  }

  @AfterEach
  void stop() {
    berth.close();
    upstream.stop();
  }

  @Test
  void failingRealmOfOneRepository_doesNotBreakTheOthers() throws Exception {
    assertNotEquals(200, berth.send("HEAD", "/v2/broken/app/manifests/1").statusCode());
    assertEquals(200, berth.send("HEAD", "/v2/good/app/manifests/1").statusCode());
    // And the other way round: a working remembered realm does not hide a broken one's failure.
    assertNotEquals(200, berth.send("HEAD", "/v2/broken/app/manifests/1").statusCode());
    assertEquals(200, berth.send("HEAD", "/v2/good/app/manifests/1").statusCode());
  }
}
