package dev.berth.proxy.blackbox;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tag lists and referrers pass through berth when the upstream answers 200 (issue 13, defect 1: the
 * paused upstream body was never read, so the client got nothing until the idle timeout), and
 * bodies past their bound are refused without being buffered whole (defect 4).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ListingTest {
  private static final String DIGEST =
      "sha256:0000000000000000000000000000000000000000000000000000000000000001";

  @TempDir Path dir;
  private WireMockServer upstream;
  private RunningBerth berth;

  @BeforeEach
  void start() throws Exception {
    upstream = new WireMockServer(options().dynamicPort());
    upstream.start();
    berth =
        RunningBerth.start(
            dir,
            RunningBerth.oneUpstream(
                "example.test", "http://127.0.0.1:" + upstream.port(), "if-not-present"));
  }

  @AfterEach
  void stop() {
    berth.close();
    upstream.stop();
  }

  @Test
  void tagsList_upstream200_passesThroughWithItsLink() throws Exception {
    String body = "{\"name\":\"team/app\",\"tags\":[\"1.0\",\"1.1\"]}";
    upstream.stubFor(
        get(urlPathEqualTo("/v2/team/app/tags/list"))
            .willReturn(
                aResponse()
                    .withStatus(200)
                    .withHeader("Content-Type", "application/json")
                    .withHeader("Link", "</v2/team/app/tags/list?n=2&last=1.1>; rel=\"next\"")
                    .withBody(body)));
    HttpResponse<byte[]> r = berth.get("/v2/team/app/tags/list?n=2");
    assertEquals(200, r.statusCode());
    assertEquals(body, new String(r.body(), StandardCharsets.UTF_8));
    assertEquals(
        "</v2/team/app/tags/list?n=2&last=1.1>; rel=\"next\"",
        r.headers().firstValue("Link").orElse(""));
  }

  @Test
  void referrers_upstream200_passesThrough() throws Exception {
    String index =
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
            + "\"manifests\":[]}";
    upstream.stubFor(
        get(urlPathEqualTo("/v2/team/app/referrers/" + DIGEST))
            .willReturn(
                aResponse()
                    .withStatus(200)
                    .withHeader("Content-Type", "application/vnd.oci.image.index.v1+json")
                    .withBody(index)));
    HttpResponse<byte[]> r = berth.get("/v2/team/app/referrers/" + DIGEST);
    assertEquals(200, r.statusCode());
    assertEquals(index, new String(r.body(), StandardCharsets.UTF_8));
  }

  @Test
  void tagsList_bodyPastTheBound_isRefusedAs502() throws Exception {
    upstream.stubFor(
        get(urlPathEqualTo("/v2/team/app/tags/list"))
            .willReturn(aResponse().withStatus(200).withBody(new byte[(4 << 20) + 1])));
    HttpResponse<byte[]> r = berth.get("/v2/team/app/tags/list");
    assertEquals(502, r.statusCode());
    assertTrue(new String(r.body(), StandardCharsets.UTF_8).contains("larger than"));
  }
}
