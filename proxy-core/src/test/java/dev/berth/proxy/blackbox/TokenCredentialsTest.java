package dev.berth.proxy.blackbox;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlMatching;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The token kinds of a docker {@code config.json}: an {@code identitytoken} is exchanged at the
 * realm as an OAuth2 refresh token; a {@code registrytoken} is sent to the registry as it is.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TokenCredentialsTest {
  private static final String DIGEST = "sha256:" + "d".repeat(64);

  @TempDir Path dir;
  private WireMockServer upstream;
  private RunningBerth berth;

  @BeforeEach
  void start() {
    upstream = new WireMockServer(options().dynamicPort());
    upstream.start();
    upstream.stubFor(
        any(urlMatching("/v2/.*"))
            .atPriority(10)
            .willReturn(
                aResponse()
                    .withStatus(401)
                    .withHeader(
                        "WWW-Authenticate",
                        "Bearer realm=\"http://127.0.0.1:"
                            + upstream.port()
                            + "/token\",service=\"svc\"")));
    upstream.stubFor(
        head(urlEqualTo("/v2/team/app/manifests/1"))
            .withHeader("Authorization", equalTo("Bearer granted"))
            .atPriority(1)
            .willReturn(
                aResponse()
                    .withStatus(200)
                    .withHeader("Content-Type", "application/vnd.oci.image.manifest.v1+json")
                    .withHeader("Docker-Content-Digest", DIGEST)
                    .withHeader("Content-Length", "10")));
  }

  @AfterEach
  void stop() {
    if (berth != null) {
      berth.close();
    }
    upstream.stop();
  }

  private void startBerth(String entry) throws Exception {
    Path config =
        Files.writeString(
            dir.resolve("config.json"), "{\"auths\":{\"tokens.test\":" + entry + "}}");
    berth =
        RunningBerth.start(
            dir,
            "tenancy: open\ncredentials:\n  docker-config:\n    - "
                + config
                + "\nupstreams:\n  - name: tokens.test\n    url: http://127.0.0.1:"
                + upstream.port()
                + "\n    default: true\n    policy: always\n");
  }

  @Test
  void identityToken_isExchangedAsRefreshToken() throws Exception {
    upstream.stubFor(
        post(urlPathEqualTo("/token"))
            .withRequestBody(containing("grant_type=refresh_token"))
            .withRequestBody(containing("refresh_token=my-refresh-token"))
            .withRequestBody(containing("service=svc"))
            .withRequestBody(containing("scope=repository%3Ateam%2Fapp%3Apull"))
            .willReturn(aResponse().withStatus(200).withBody("{\"access_token\":\"granted\"}")));
    startBerth("{\"identitytoken\":\"my-refresh-token\"}");

    assertEquals(200, berth.send("HEAD", "/v2/team/app/manifests/1").statusCode());
    upstream.verify(1, postRequestedFor(urlPathEqualTo("/token")));
  }

  /**
   * Issue 13, defect 2: the token client followed redirects by itself, so a realm answering 302 to
   * another host received the node's Basic credentials. Token redirects are not followed.
   */
  @Test
  void tokenRealmRedirect_isNotFollowed_credentialsStayHome() throws Exception {
    WireMockServer elsewhere = new WireMockServer(options().dynamicPort());
    elsewhere.start();
    try {
      elsewhere.stubFor(
          any(urlMatching("/.*"))
              .willReturn(aResponse().withStatus(200).withBody("{\"token\":\"granted\"}")));
      upstream.stubFor(
          get(urlPathEqualTo("/token"))
              .willReturn(
                  aResponse()
                      .withStatus(302)
                      .withHeader(
                          "Location", "http://localhost:" + elsewhere.port() + "/collect")));
      startBerth(
          "{\"auth\":\""
              + java.util.Base64.getEncoder()
                  .encodeToString("robot:s3cret".getBytes(java.nio.charset.StandardCharsets.UTF_8))
              + "\"}");

      int status = berth.send("HEAD", "/v2/team/app/manifests/1").statusCode();
      assertEquals(502, status, "no token: the realm's answer is unusable");
      assertEquals(0, elsewhere.getAllServeEvents().size(), "nothing reached the other host");
    } finally {
      elsewhere.stop();
    }
  }

  /** Issue 13, defect 4: a token response is read up to 1 MiB and no further. */
  @Test
  void tokenResponsePastOneMiB_isRefusedWithoutBufferingIt() throws Exception {
    upstream.stubFor(
        get(urlPathEqualTo("/token"))
            .willReturn(aResponse().withStatus(200).withBody(new byte[(1 << 20) + 10])));
    startBerth(
        "{\"auth\":\""
            + java.util.Base64.getEncoder()
                .encodeToString("robot:pw".getBytes(java.nio.charset.StandardCharsets.UTF_8))
            + "\"}");
    var r = berth.get("/v2/team/app/manifests/1");
    assertEquals(502, r.statusCode());
    String body = new String(r.body(), java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(body.contains("larger than 1048576 bytes"), body);
  }

  @Test
  void registryToken_isSentAsTheBearerToken() throws Exception {
    startBerth("{\"registrytoken\":\"granted\"}");
    assertEquals(200, berth.send("HEAD", "/v2/team/app/manifests/1").statusCode());
    assertEquals(
        0,
        upstream
            .findAll(
                com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor(
                    urlPathEqualTo("/token")))
            .size(),
        "a registry token needs no token server");
  }
}
