package dev.berth.proxy.blackbox;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlMatching;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A WireMock registry behind HTTP Basic, as the tenancy tests need it: every {@code /v2/} request
 * is challenged unless a stub granted it, and a grant answers berth's access question ({@code GET
 * tags/list?n=1}) for one user and repository.
 */
public final class BasicAuthUpstream {
  private BasicAuthUpstream() {}

  /** {@code Authorization} value for {@code user:password}. */
  public static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  /** Challenges every {@code /v2/} request no other stub answers (lowest priority). */
  public static void challengeEverything(WireMockServer upstream) {
    upstream.stubFor(
        any(urlMatching("/v2/.*"))
            .atPriority(10)
            .willReturn(
                aResponse().withStatus(401).withHeader("WWW-Authenticate", "Basic realm=\"up\"")));
  }

  /** {@code authorization} may list the tags of {@code repository}: access checks answer 200. */
  public static void grantTagList(
      WireMockServer upstream, String repository, String authorization) {
    upstream.stubFor(
        get(urlEqualTo("/v2/" + repository + "/tags/list?n=1"))
            .withHeader("Authorization", equalTo(authorization))
            .atPriority(1)
            .willReturn(aResponse().withStatus(200).withBody("{\"tags\":[\"1\"]}")));
  }
}
