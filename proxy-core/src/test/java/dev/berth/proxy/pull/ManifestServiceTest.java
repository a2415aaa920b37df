package dev.berth.proxy.pull;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlMatching;
import static dev.berth.proxy.pull.PullFixture.await;
import static dev.berth.proxy.pull.PullFixture.failure;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.proxy.blackbox.StubImage;
import dev.berth.proxy.image.Reference;
import dev.berth.proxy.policy.PullPolicy;
import dev.berth.proxy.upstream.Candidates;
import dev.berth.proxy.upstream.RoutedRepository;
import dev.berth.proxy.upstream.UpstreamException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ManifestService} on in-memory storage with a fake clock: tag policies, stale-if-error, the
 * negative cache and what a full disk or a lying upstream leave behind. Time passes by {@link
 * dev.berth.storage.testing.MutableClock#advance}, never by sleeping.
 */
class ManifestServiceTest {
  private final PullFixture f = new PullFixture();
  private final StubImage image = new StubImage("team/app", "1.0", 1000, 7).stub(f.upstream);
  private int staleServed;
  private final ManifestService service =
      new ManifestService(
          f.client,
          f.access,
          f.clock,
          hit -> {},
          f.backoff,
          () -> staleServed++,
          ManifestService.NEGATIVE_TTL);

  @AfterEach
  void close() throws Exception {
    f.close();
  }

  private ServedManifest pull(RoutedRepository repo, String tag) throws Exception {
    return await(service.get(repo, new Reference.Tag(tag), false, Candidates.ANONYMOUS));
  }

  private int upstreamRequests() {
    return f.upstream.countRequestsMatching(anyRequestedFor(anyUrl()).build()).getCount();
  }

  private int manifestGets() {
    return f.upstream
        .countRequestsMatching(getRequestedFor(urlMatching("/v2/.*/manifests/.*")).build())
        .getCount();
  }

  @Test
  void always_revalidatesEveryPull_butFetchesTheBytesOnce_andStoresWhatItServes() throws Exception {
    RoutedRepository repo = f.repo("team/app");

    ServedManifest first = pull(repo, "1.0");
    f.clock.advance(Duration.ofMinutes(5));
    ServedManifest second = pull(repo, "1.0");

    assertEquals(ServedManifest.Source.UPSTREAM, first.source());
    assertEquals(ServedManifest.Source.CACHE, second.source());
    assertArrayEquals(image.manifest, second.bytes());
    assertEquals(1, manifestGets(), "the bytes were fetched again");
    assertEquals(
        f.clock.instant(),
        f.storage.tags().get("registry.test", "team/app", "1.0").orElseThrow().resolvedAt(),
        "the revalidation was not recorded");
    assertTrue(f.storage.links().isLinked("registry.test", "team/app", image.manifestDigest));
  }

  @Test
  void ttlPolicy_servesTheStoredResolution_untilItIsOlderThanTheTtl() throws Exception {
    RoutedRepository repo =
        f.repo("team/app", new PullPolicy.Ttl(Duration.ofMinutes(10)), Duration.ofHours(24));
    pull(repo, "1.0");
    f.upstream.resetRequests();

    f.clock.advance(Duration.ofMinutes(9));
    assertEquals(ServedManifest.Source.CACHE, pull(repo, "1.0").source());
    assertEquals(0, upstreamRequests(), "asked the upstream inside the ttl");

    f.clock.advance(Duration.ofMinutes(2));
    pull(repo, "1.0");
    assertEquals(1, upstreamRequests(), "one HEAD once the ttl passed");
  }

  @Test
  void ifNotPresent_neverAsksTheUpstreamAgain() throws Exception {
    RoutedRepository repo =
        f.repo("team/app", PullPolicy.IfNotPresent.INSTANCE, Duration.ofHours(24));
    pull(repo, "1.0");
    f.upstream.resetRequests();

    f.clock.advance(Duration.ofDays(30));
    assertArrayEquals(image.manifest, pull(repo, "1.0").bytes());
    assertEquals(0, upstreamRequests());
  }

  @Test
  void staleIfError_servesTheLastResolution_untilMaxStale() throws Exception {
    RoutedRepository repo = f.repo("team/app", PullPolicy.Always.INSTANCE, Duration.ofHours(6));
    pull(repo, "1.0");
    f.upstream.stubFor(
        head(urlEqualTo("/v2/team/app/manifests/1.0"))
            .atPriority(1)
            .willReturn(aResponse().withStatus(503)));

    f.clock.advance(Duration.ofHours(5));
    ServedManifest stale = pull(repo, "1.0");

    assertEquals(Duration.ofHours(5), stale.staleAge());
    assertArrayEquals(image.manifest, stale.bytes());
    assertEquals(1, staleServed);

    f.clock.advance(Duration.ofHours(2));
    Throwable tooOld =
        failure(service.get(repo, new Reference.Tag("1.0"), false, Candidates.ANONYMOUS));
    UpstreamException e = assertInstanceOf(UpstreamException.class, tooOld);
    assertEquals(UpstreamException.Kind.UNAVAILABLE, e.kind());
    assertTrue(e.getMessage().contains("past max-stale 360 min"), e.getMessage());
  }

  @Test
  void upstreamNotFound_isRememberedForTheNegativeTtl_thenAskedAgain() throws Exception {
    RoutedRepository repo = f.repo("team/app");
    f.upstream.stubFor(
        head(urlEqualTo("/v2/team/app/manifests/gone")).willReturn(aResponse().withStatus(404)));
    f.upstream.stubFor(
        get(urlEqualTo("/v2/team/app/manifests/gone")).willReturn(aResponse().withStatus(404)));

    Throwable first =
        failure(service.get(repo, new Reference.Tag("gone"), false, Candidates.ANONYMOUS));
    assertEquals(UpstreamException.Kind.NOT_FOUND, ((UpstreamException) first).kind());
    int asked = upstreamRequests();

    f.clock.advance(ManifestService.NEGATIVE_TTL.minusSeconds(1));
    Throwable remembered =
        failure(service.get(repo, new Reference.Tag("gone"), false, Candidates.ANONYMOUS));
    assertEquals(UpstreamException.Kind.NOT_FOUND, ((UpstreamException) remembered).kind());
    assertEquals(asked, upstreamRequests(), "the 404 was not remembered");

    f.clock.advance(Duration.ofSeconds(2));
    failure(service.get(repo, new Reference.Tag("gone"), false, Candidates.ANONYMOUS));
    assertTrue(upstreamRequests() > asked, "the 404 was remembered past its ttl");
  }

  @Test
  void upstreamBytesNotMatchingTheDigest_failAndStoreNothing() throws Exception {
    byte[] lie = "{\"schemaVersion\":2}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    f.upstream.stubFor(
        get(urlEqualTo("/v2/team/app/manifests/" + image.manifestDigest))
            .atPriority(1)
            .willReturn(
                aResponse()
                    .withStatus(200)
                    .withHeader("Content-Type", StubImage.OCI_MANIFEST)
                    .withHeader("Docker-Content-Digest", image.manifestDigest.toString())
                    .withBody(lie)));

    Throwable e =
        failure(
            service.get(f.repo("team/app"), new Reference.Tag("1.0"), false, Candidates.ANONYMOUS));

    assertEquals(UpstreamException.Kind.BAD_RESPONSE, ((UpstreamException) e).kind(), e.toString());
    assertTrue(e.getMessage().contains(image.manifestDigest.toString()), e.getMessage());
    assertEquals(0, f.storage.manifests().count());
    assertFalse(f.storage.links().isLinked("registry.test", "team/app", image.manifestDigest));
  }

  @Test
  void fullDisk_theManifestIsStillServed_andCacheWritesPause() throws Exception {
    f.storage.disk().fill();

    ServedManifest served = pull(f.repo("team/app"), "1.0");

    assertArrayEquals(image.manifest, served.bytes());
    assertEquals(0, f.storage.manifests().count());
    assertFalse(f.writes.accepting(), "the full disk did not pause cache writes");
    assertNull(served.staleAge());
  }
}
