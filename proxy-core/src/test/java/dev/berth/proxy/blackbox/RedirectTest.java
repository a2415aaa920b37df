package dev.berth.proxy.blackbox;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.berth.proxy.TestAddresses;
import dev.berth.storage.Digest;
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
 * What an upstream may redirect berth to (issue 13, defects 7 and 8): its CDN yes; another scheme,
 * a Location that is not a URL, this machine (berth's own admin port) or the link-local network (a
 * metadata service) no, with a 502 and no request made there. The upstream is reached through the
 * machine's non-loopback address, as a real registry is not on loopback.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedirectTest {
  @TempDir Path dir;
  private WireMockServer upstream;
  private RunningBerth berth;

  @BeforeEach
  void start() throws Exception {
    upstream = new WireMockServer(options().dynamicPort().bindAddress("0.0.0.0"));
    upstream.start();
    berth =
        RunningBerth.start(
            dir,
            RunningBerth.oneUpstream(
                "example.test",
                "http://" + TestAddresses.nonLoopback() + ":" + upstream.port(),
                "if-not-present"));
  }

  @AfterEach
  void stop() {
    berth.close();
    upstream.stop();
  }

  private HttpResponse<byte[]> blobRedirectedTo(String location, int seed) throws Exception {
    Digest digest = Digest.sha256Of(new byte[] {(byte) seed});
    upstream.stubFor(
        get(urlEqualTo("/v2/team/app/blobs/" + digest))
            .willReturn(aResponse().withStatus(307).withHeader("Location", location)));
    return berth.get("/v2/team/app/blobs/" + digest);
  }

  @Test
  void redirect_toOtherSchemesOrThisMachine_is502() throws Exception {
    String admin = berth.admin("/admin/cache").toString();
    String[] refused = {
      "file:///etc/passwd",
      "gopher://evil.example.com/1",
      "http://[::1",
      admin,
      "http://localhost:" + berth.admin("/").getPort() + "/metrics",
      "http://169.254.169.254/latest/meta-data/"
    };
    int seed = 1;
    for (String location : refused) {
      HttpResponse<byte[]> r = blobRedirectedTo(location, seed++);
      String body = new String(r.body(), StandardCharsets.UTF_8);
      assertEquals(502, r.statusCode(), location + " -> " + body);
      assertTrue(body.contains("redirect"), body);
    }
    assertTrue(
        !berth
            .metrics()
            .contains("berth_http_requests_seconds_count{method=\"GET\",route=\"other\""),
        "nothing reached berth's own listener");
  }

  @Test
  void redirect_toAnotherHost_isFollowed() throws Exception {
    byte[] blob = "layer bytes".getBytes(StandardCharsets.UTF_8);
    Digest digest = Digest.sha256Of(blob);
    upstream.stubFor(get(urlEqualTo("/cdn/blob")).willReturn(aResponse().withBody(blob)));
    upstream.stubFor(
        get(urlEqualTo("/v2/team/app/blobs/" + digest))
            .willReturn(
                aResponse()
                    .withStatus(307)
                    .withHeader(
                        "Location",
                        "http://"
                            + TestAddresses.nonLoopback()
                            + ":"
                            + upstream.port()
                            + "/cdn/blob")));
    HttpResponse<byte[]> r = berth.get("/v2/team/app/blobs/" + digest);
    assertEquals(200, r.statusCode());
  }
}
