package dev.berth.proxy.upstream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.headRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import dev.berth.proxy.TestAddresses;
import dev.berth.proxy.config.UpstreamConfig;
import dev.berth.proxy.image.RepositoryName;
import dev.berth.proxy.upstream.calls.BlobHead;
import dev.berth.storage.Digest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import java.net.InetAddress;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Redirects to a host name are judged by the addresses it resolves to (issue 13: a DNS name
 * pointing at 127.0.0.1 reached berth's admin port though {@code RedirectPolicy} refused the
 * literal), and the connection goes to the address that was judged. Names resolve through a fake
 * resolver; the upstream is reached through the machine's non-loopback address, as a real registry
 * is not on loopback.
 */
class RedirectResolutionTest {
  private static final Digest DIGEST = Digest.sha256Of(new byte[] {42});

  private final Vertx vertx = Vertx.vertx();
  private WireMockServer upstream;
  private String machine;

  @BeforeEach
  void start() throws Exception {
    machine = TestAddresses.nonLoopback();
    upstream = new WireMockServer(options().dynamicPort().bindAddress("0.0.0.0"));
    upstream.start();
  }

  @AfterEach
  void stop() {
    upstream.stop();
    vertx.close();
  }

  private Future<Long> headVia(Map<String, String> dns, String location) {
    upstream.stubFor(
        head(urlEqualTo("/v2/team/app/blobs/" + DIGEST))
            .willReturn(aResponse().withStatus(307).withHeader("Location", location)));
    UpstreamClient client =
        new UpstreamClient(
            vertx.createHttpClient(new HttpClientOptions()),
            UpstreamTimeouts.DEFAULTS,
            Clock.systemUTC(),
            UpstreamObserver.NONE,
            System::nanoTime,
            host -> {
              String address = dns.get(host);
              try {
                return address == null
                    ? Future.failedFuture(new java.net.UnknownHostException(host))
                    : Future.succeededFuture(List.of(InetAddress.getByName(address)));
              } catch (java.net.UnknownHostException e) {
                return Future.failedFuture(e);
              }
            });
    Upstream up =
        new Upstream(
            UpstreamConfig.of(
                "example.test", URI.create("http://" + machine + ":" + upstream.port())));
    RoutedRepository repo = new RoutedRepository(up, new RepositoryName("team/app"));
    return client.call(repo, new BlobHead(DIGEST, "blob " + repo), Candidates.ANONYMOUS);
  }

  private static Throwable failure(Future<?> f) throws Exception {
    try {
      f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      throw new AssertionError("expected a failure, got " + f.result());
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }

  @Test
  void nameResolvingToLoopback_isRefused_andNothingIsSentThere() throws Exception {
    WireMockServer local = new WireMockServer(options().dynamicPort());
    local.start();
    try {
      local.stubFor(WireMock.any(WireMock.anyUrl()).willReturn(aResponse().withStatus(200)));
      Throwable e =
          failure(
              headVia(
                  Map.of("cdn.evil.test", "127.0.0.1"),
                  "http://cdn.evil.test:" + local.port() + "/admin/cache"));
      UpstreamException ue = assertInstanceOf(UpstreamException.class, e);
      assertEquals(UpstreamException.Kind.BAD_RESPONSE, ue.kind());
      assertTrue(ue.getMessage().contains("resolves to a loopback"), ue.getMessage());
      assertEquals(0, local.getAllServeEvents().size(), "no request reached the local address");
    } finally {
      local.stop();
    }
  }

  @Test
  void nameResolvingElsewhere_isFollowed_toTheAddressThatWasChecked() throws Exception {
    upstream.stubFor(
        head(urlEqualTo("/cdn/blob"))
            .withHeader("Host", WireMock.equalTo("cdn.good.test:" + upstream.port()))
            .willReturn(aResponse().withStatus(200).withHeader("Content-Length", "1")));
    Future<Long> size =
        headVia(
            Map.of("cdn.good.test", machine),
            "http://cdn.good.test:" + upstream.port() + "/cdn/blob");
    assertEquals(1L, size.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS));
    upstream.verify(1, headRequestedFor(urlEqualTo("/cdn/blob")));
  }

  @Test
  void unresolvableRedirectHost_isAnUnavailableUpstream() throws Exception {
    Throwable e = failure(headVia(Map.of(), "http://nowhere.test/blob"));
    UpstreamException ue = assertInstanceOf(UpstreamException.class, e);
    assertEquals(UpstreamException.Kind.UNAVAILABLE, ue.kind());
    assertTrue(ue.getMessage().contains("cannot resolve redirect host nowhere.test"));
  }
}
