package dev.berth.proxy.upstream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.headRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import dev.berth.auth.credential.Credential;
import dev.berth.proxy.config.UpstreamConfig;
import dev.berth.proxy.image.RepositoryName;
import dev.berth.proxy.upstream.calls.ManifestHead;
import dev.berth.storage.Digest;
import dev.berth.storage.testing.MutableClock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An upstream with a {@code parent}: the parent is asked first with {@code ns=} naming the registry
 * and only the client's credential; when it does not answer the registry itself is asked, and the
 * parent is skipped for {@link ParentTier#RETRY_AFTER} (on a clock the test moves).
 */
class ParentTierTest {
  private static final Digest DIGEST = Digest.sha256Of(new byte[] {1});
  private static final String MANIFEST = "/v2/team/app/manifests/1.0";
  private static final Credential CLIENT = Credential.basic("alice", "alice-pw");
  private static final Credential NODE = Credential.basic("node", "node-secret");

  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
  private final Vertx vertx = Vertx.vertx();
  private final WireMockServer parent = started();
  private final WireMockServer registry = started();
  private final UpstreamClient client =
      new UpstreamClient(
          vertx.createHttpClient(new HttpClientOptions()),
          UpstreamTimeouts.DEFAULTS,
          clock,
          UpstreamObserver.NONE);

  private static WireMockServer started() {
    WireMockServer server = new WireMockServer(options().dynamicPort());
    server.start();
    server.stubFor(
        head(urlPathEqualTo(MANIFEST))
            .willReturn(
                aResponse()
                    .withStatus(200)
                    .withHeader("Docker-Content-Digest", DIGEST.toString())
                    .withHeader("Content-Type", "application/vnd.oci.image.manifest.v1+json")
                    .withHeader("Content-Length", "100")));
    return server;
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    parent.stop();
    registry.stop();
  }

  private RoutedRepository repo(URI parentUrl) {
    UpstreamConfig config =
        UpstreamConfig.of("registry.test", URI.create("http://127.0.0.1:" + registry.port()))
            .withParent(Optional.of(parentUrl));
    return new RoutedRepository(new Upstream(config), new RepositoryName("team/app"));
  }

  private URI parentUrl() {
    return URI.create("http://127.0.0.1:" + parent.port());
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private Optional<ManifestHead.Descriptor> headManifest(
      RoutedRepository repo, Candidates candidates) throws Exception {
    return await(client.call(repo, new ManifestHead("1.0", "test"), candidates));
  }

  private static int requests(WireMockServer server) {
    return server.countRequestsMatching(anyRequestedFor(anyUrl()).build()).getCount();
  }

  private static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString(
                (user + ":" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  void parentUp_isAskedWithNsNamingTheRegistry_andTheRegistryIsNot() throws Exception {
    assertEquals(
        DIGEST, headManifest(repo(parentUrl()), Candidates.ANONYMOUS).orElseThrow().digest());

    parent.verify(
        headRequestedFor(urlPathEqualTo(MANIFEST)).withQueryParam("ns", equalTo("registry.test")));
    assertEquals(0, requests(registry));
  }

  @Test
  void theClientsCredentialGoesToTheParent_theNodesNever() throws Exception {
    parent.stubFor(
        head(urlPathEqualTo(MANIFEST))
            .atPriority(1)
            .withHeader("Authorization", WireMock.absent())
            .willReturn(
                aResponse()
                    .withStatus(401)
                    .withHeader("WWW-Authenticate", "Basic realm=\"berth\"")));

    Candidates fromClient =
        new Candidates(List.of(Optional.of(CLIENT), Optional.of(NODE)), Optional.of(CLIENT));
    headManifest(repo(parentUrl()), fromClient);
    Candidates nodeOnly = new Candidates(List.of(Optional.of(NODE)));
    Throwable refused =
        assertInstanceOf(
            ExecutionException.class,
            org.junit.jupiter.api.Assertions.assertThrows(
                ExecutionException.class, () -> headManifest(repo(parentUrl()), nodeOnly)));

    List<String> sent =
        parent.findAll(headRequestedFor(urlPathEqualTo(MANIFEST))).stream()
            .map(r -> r.containsHeader("Authorization") ? r.getHeader("Authorization") : "")
            .toList();
    assertTrue(sent.contains(basic("alice", "alice-pw")), sent.toString());
    assertTrue(
        sent.stream().noneMatch(h -> h.equals(basic("node", "node-secret"))),
        "the node's credential reached the parent: " + sent);
    UpstreamException e = assertInstanceOf(UpstreamException.class, refused.getCause());
    assertEquals(UpstreamException.Kind.UNAUTHORIZED, e.kind(), "a refusal is the parent's answer");
    assertEquals(0, requests(registry), "a refusal from the parent is final");
  }

  @Test
  void parentNotFound_isFinal() throws Exception {
    parent.stubFor(
        head(urlPathEqualTo(MANIFEST)).atPriority(1).willReturn(aResponse().withStatus(404)));

    ExecutionException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ExecutionException.class, () -> headManifest(repo(parentUrl()), Candidates.ANONYMOUS));

    assertEquals(
        UpstreamException.Kind.NOT_FOUND, ((UpstreamException) e.getCause()).kind(), e.toString());
    assertEquals(0, requests(registry));
  }

  @Test
  void parentFailing_theRegistryAnswers_andTheParentRestsForRetryAfter() throws Exception {
    parent.stubFor(
        head(urlPathEqualTo(MANIFEST)).atPriority(1).willReturn(aResponse().withStatus(503)));
    RoutedRepository repo = repo(parentUrl());

    assertEquals(DIGEST, headManifest(repo, Candidates.ANONYMOUS).orElseThrow().digest());
    assertEquals(1, requests(parent));
    assertEquals(1, requests(registry));

    clock.advance(ParentTier.RETRY_AFTER.minusSeconds(1));
    headManifest(repo, Candidates.ANONYMOUS);
    assertEquals(1, requests(parent), "the failed parent was asked again within the back-off");
    assertEquals(2, requests(registry));

    clock.advance(Duration.ofSeconds(2));
    parent.resetMappings();
    parent.stubFor(
        head(urlPathEqualTo(MANIFEST))
            .willReturn(
                aResponse()
                    .withStatus(200)
                    .withHeader("Docker-Content-Digest", DIGEST.toString())
                    .withHeader("Content-Length", "100")));
    headManifest(repo, Candidates.ANONYMOUS);
    assertEquals(2, requests(parent), "the parent was not asked again after the back-off");
    assertEquals(2, requests(registry));
  }

  /**
   * The parent answers 503 because its registry failed (it says so with {@link
   * UpstreamException#RELAYED_HEADER}): that is final, the node does not ask the failing registry
   * again itself, and the parent is not rested (it answered).
   */
  @Test
  void aRegistryFailureTheParentRelays_isFinal_andTheParentStaysInUse() throws Exception {
    parent.stubFor(
        head(urlPathEqualTo(MANIFEST))
            .atPriority(1)
            .willReturn(
                aResponse()
                    .withStatus(503)
                    .withHeader(UpstreamException.RELAYED_HEADER, "registry.test")
                    .withHeader("Retry-After", "7")));
    RoutedRepository repo = repo(parentUrl());

    for (int i = 1; i <= 2; i++) {
      ExecutionException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              ExecutionException.class, () -> headManifest(repo, Candidates.ANONYMOUS));
      UpstreamException ue = assertInstanceOf(UpstreamException.class, e.getCause());
      assertEquals(UpstreamException.Kind.UNAVAILABLE, ue.kind());
      assertTrue(ue.relayed());
      assertEquals(Optional.of(Duration.ofSeconds(7)), ue.retryAfter());
      assertEquals(i, requests(parent), "the parent was rested after relaying a failure");
      assertEquals(0, requests(registry), "the node asked the failing registry itself");
    }
  }

  @Test
  void parentUnreachable_theRegistryAnswers() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    assertEquals(
        DIGEST,
        headManifest(repo(URI.create("http://127.0.0.1:" + closed)), Candidates.ANONYMOUS)
            .orElseThrow()
            .digest());
    assertEquals(1, requests(registry));
  }
}
