package dev.berth.proxy.blackbox;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.headRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import dev.berth.storage.Digest;
import dev.berth.storage.testing.MutableClock;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pull-through behaviour against a WireMock upstream that speaks the registry protocol with
 * bearer-token challenges, as Docker Hub and ghcr.io do even for public images.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class PullThroughTest {
  private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  private static final String REPO = "library/nginx";

  @TempDir Path dir;
  private WireMockServer upstream;
  private WireMockServer cdn;
  private RunningBerth berth;

  private final byte[] manifest =
      ("{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\",  \"layers\":[] }\n")
          .getBytes(StandardCharsets.UTF_8);
  private final Digest manifestDigest = Digest.sha256Of(manifest);
  private final byte[] blob = randomBytes(1, 3 * 1024 * 1024 + 17);
  private final Digest blobDigest = Digest.sha256Of(blob);

  @BeforeEach
  void startUpstream() {
    upstream = new WireMockServer(options().dynamicPort());
    upstream.start();
    cdn = new WireMockServer(options().dynamicPort());
    cdn.start();
    String realm = "http://127.0.0.1:" + upstream.port() + "/token";
    // Anything without the token gets the challenge; the token endpoint itself is open.
    upstream.stubFor(
        com.github.tomakehurst.wiremock.client.WireMock.any(
                com.github.tomakehurst.wiremock.client.WireMock.urlMatching("/v2/.*"))
            .atPriority(10)
            .willReturn(
                aResponse()
                    .withStatus(401)
                    .withHeader(
                        "WWW-Authenticate",
                        "Bearer realm=\"" + realm + "\",service=\"test-registry\"")));
    upstream.stubFor(
        get(urlPathEqualTo("/token"))
            .withQueryParam("service", equalTo("test-registry"))
            .withQueryParam("scope", equalTo("repository:" + REPO + ":pull"))
            .willReturn(
                aResponse().withStatus(200).withBody("{\"token\":\"tok\",\"expires_in\":300}")));
  }

  @AfterEach
  void stop() {
    if (berth != null) {
      berth.close();
    }
    upstream.stop();
    cdn.stop();
  }

  private void startBerth(String policy) throws IOException {
    berth =
        RunningBerth.start(
            dir,
            RunningBerth.oneUpstream("upstream.test", "http://127.0.0.1:" + upstream.port(), policy)
                + "    policies:\n      - repositories: \"always/*\"\n        policy: always\n");
  }

  private MappingBuilder authorized(MappingBuilder m) {
    return m.withHeader("Authorization", equalTo("Bearer tok")).atPriority(1);
  }

  private void stubManifest(String tag, int headDelayMillis) {
    var headers =
        aResponse()
            .withStatus(200)
            .withHeader("Content-Type", OCI_MANIFEST)
            .withHeader("Docker-Content-Digest", manifestDigest.toString())
            .withHeader("Content-Length", Integer.toString(manifest.length));
    upstream.stubFor(
        authorized(head(urlEqualTo("/v2/" + REPO + "/manifests/" + tag)))
            .willReturn(headers.withFixedDelay(headDelayMillis)));
    upstream.stubFor(
        authorized(get(urlEqualTo("/v2/" + REPO + "/manifests/" + manifestDigest)))
            .willReturn(
                aResponse()
                    .withStatus(200)
                    .withHeader("Content-Type", OCI_MANIFEST)
                    .withHeader("Docker-Content-Digest", manifestDigest.toString())
                    .withBody(manifest)));
  }

  private void stubBlobRedirectedToCdn() {
    upstream.stubFor(
        authorized(get(urlEqualTo("/v2/" + REPO + "/blobs/" + blobDigest)))
            .willReturn(
                aResponse()
                    .withStatus(307)
                    .withHeader(
                        "Location", "http://localhost:" + cdn.port() + "/cdn/layer?sig=x")));
    cdn.stubFor(
        get(urlPathEqualTo("/cdn/layer")).willReturn(aResponse().withStatus(200).withBody(blob)));
  }

  @Test
  void manifestByTag_always_resolvesEachTimeFetchesOnceTokenOnce() throws Exception {
    stubManifest("1.25", 0);
    startBerth("always");

    for (int i = 0; i < 3; i++) {
      HttpResponse<byte[]> r = berth.get("/v2/library/nginx/manifests/1.25");
      assertEquals(200, r.statusCode());
      assertArrayEquals(manifest, r.body(), "manifest bytes must be served exactly as received");
      assertEquals(
          manifestDigest.toString(), r.headers().firstValue("Docker-Content-Digest").orElse(""));
      assertEquals(OCI_MANIFEST, r.headers().firstValue("Content-Type").orElse(""));
      assertEquals("upstream.test", r.headers().firstValue("OCI-Namespace").orElse(""));
    }
    upstream.verify(
        3,
        headRequestedFor(urlEqualTo("/v2/" + REPO + "/manifests/1.25"))
            .withHeader("Authorization", equalTo("Bearer tok")));
    upstream.verify(1, getRequestedFor(urlEqualTo("/v2/" + REPO + "/manifests/" + manifestDigest)));
    upstream.verify(1, getRequestedFor(urlPathEqualTo("/token")));
  }

  @Test
  void manifestByTag_ifNotPresent_secondRequestStaysLocal() throws Exception {
    stubManifest("1.25", 0);
    startBerth("if-not-present");
    assertEquals(200, berth.get("/v2/library/nginx/manifests/1.25").statusCode());
    assertEquals(200, berth.send("HEAD", "/v2/library/nginx/manifests/1.25").statusCode());
    assertEquals(200, berth.get("/v2/library/nginx/manifests/" + manifestDigest).statusCode());
    upstream.verify(
        1,
        headRequestedFor(urlEqualTo("/v2/" + REPO + "/manifests/1.25"))
            .withHeader("Authorization", equalTo("Bearer tok")));
    upstream.verify(1, getRequestedFor(urlEqualTo("/v2/" + REPO + "/manifests/" + manifestDigest)));
  }

  @Test
  void manifestHead_notCached_answeredFromUpstreamHeadWithoutSpendingAGet() throws Exception {
    stubManifest("1.25", 0);
    startBerth("always");
    HttpResponse<byte[]> r = berth.send("HEAD", "/v2/library/nginx/manifests/1.25");
    assertEquals(200, r.statusCode());
    assertEquals(
        Integer.toString(manifest.length), r.headers().firstValue("Content-Length").orElse(""));
    assertEquals(
        manifestDigest.toString(), r.headers().firstValue("Docker-Content-Digest").orElse(""));
    upstream.verify(0, getRequestedFor(urlEqualTo("/v2/" + REPO + "/manifests/" + manifestDigest)));
  }

  @Test
  void manifestByTag_concurrentAlwaysResolutions_shareOneUpstreamHead() throws Exception {
    stubManifest("latest", 700);
    startBerth("kubernetes");
    HttpClient client = HttpClient.newHttpClient();
    List<CompletableFuture<HttpResponse<Void>>> calls = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      calls.add(
          client.sendAsync(
              HttpRequest.newBuilder(berth.url("/v2/library/nginx/manifests/latest"))
                  .method("HEAD", HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.discarding()));
    }
    for (var call : calls) {
      assertEquals(200, call.get(30, TimeUnit.SECONDS).statusCode());
    }
    // One unauthenticated HEAD learns the challenge; then exactly one resolution for all 16.
    upstream.verify(
        1,
        headRequestedFor(urlEqualTo("/v2/" + REPO + "/manifests/latest"))
            .withHeader("Authorization", equalTo("Bearer tok")));
    assertTrue(berth.metrics().contains("berth_coalesced_requests_total 15.0"), berth.metrics());
  }

  @Test
  void blob_redirectToCdn_noAuthorizationCrossesHosts_thenServedFromCache() throws Exception {
    stubBlobRedirectedToCdn();
    startBerth("kubernetes");

    HttpResponse<byte[]> first = berth.get("/v2/library/nginx/blobs/" + blobDigest);
    HttpResponse<byte[]> second = berth.get("/v2/library/nginx/blobs/" + blobDigest);

    assertEquals(200, first.statusCode());
    assertArrayEquals(blob, first.body());
    assertArrayEquals(blob, second.body());
    assertEquals(
        blobDigest.toString(), second.headers().firstValue("Docker-Content-Digest").orElse(""));
    cdn.verify(
        1, getRequestedFor(urlPathEqualTo("/cdn/layer")).withHeader("Authorization", absent()));
    upstream.verify(
        1,
        getRequestedFor(urlEqualTo("/v2/" + REPO + "/blobs/" + blobDigest))
            .withHeader("Authorization", equalTo("Bearer tok")));
    String metrics = berth.metrics();
    assertTrue(
        metrics.contains("berth_cache_requests_total{kind=\"blob\",result=\"hit\"} 1.0"), metrics);
    assertTrue(
        metrics.contains("berth_cache_requests_total{kind=\"blob\",result=\"miss\"} 1.0"), metrics);
  }

  @Test
  void blob_ranges_onHitAndOnLiveDownload() throws Exception {
    stubBlobRedirectedToCdn();
    startBerth("kubernetes");
    String path = "/v2/library/nginx/blobs/" + blobDigest;

    HttpResponse<byte[]> live = berth.get(path, "Range", "bytes=1048570-1048590");
    assertEquals(206, live.statusCode());
    assertEquals(
        "bytes 1048570-1048590/" + blob.length,
        live.headers().firstValue("Content-Range").orElse(""));
    assertArrayEquals(java.util.Arrays.copyOfRange(blob, 1048570, 1048591), live.body());

    HttpResponse<byte[]> suffix = berth.get(path, "Range", "bytes=-5");
    assertEquals(206, suffix.statusCode());
    assertArrayEquals(
        java.util.Arrays.copyOfRange(blob, blob.length - 5, blob.length), suffix.body());

    HttpResponse<byte[]> beyond = berth.get(path, "Range", "bytes=" + blob.length + "-");
    assertEquals(416, beyond.statusCode());
    assertEquals("bytes */" + blob.length, beyond.headers().firstValue("Content-Range").orElse(""));
    assertEquals(416, berth.get(path, "Range", "bytes=9-2").statusCode());
    cdn.verify(1, getRequestedFor(urlPathEqualTo("/cdn/layer")));
  }

  /**
   * A blob over 4 MiB is stored as a file; its warm hits go out with sendfile over plain HTTP/1.1
   * and a chunk at a time over HTTP/2 (h2c): the same bytes, whole and in ranges, either way.
   */
  @Test
  void largeBlob_warmHitsFromItsFile_wholeAndInRanges_overHttp1AndHttp2() throws Exception {
    byte[] large = randomBytes(2, 6 * 1024 * 1024 + 5);
    Digest digest = Digest.sha256Of(large);
    upstream.stubFor(
        authorized(get(urlEqualTo("/v2/" + REPO + "/blobs/" + digest)))
            .willReturn(aResponse().withStatus(200).withBody(large)));
    startBerth("kubernetes");
    String path = "/v2/library/nginx/blobs/" + digest;
    assertArrayEquals(large, berth.get(path).body(), "the cold GET");

    for (java.net.http.HttpClient.Version version :
        new java.net.http.HttpClient.Version[] {
          java.net.http.HttpClient.Version.HTTP_1_1, java.net.http.HttpClient.Version.HTTP_2
        }) {
      java.net.http.HttpClient client =
          java.net.http.HttpClient.newBuilder().version(version).build();
      // The first request of an h2c client is the upgrade; the ones after it are HTTP/2.
      HttpResponse<byte[]> whole = send(client, path);
      assertEquals(200, whole.statusCode());
      assertArrayEquals(large, whole.body(), version + " whole");
      assertEquals(
          Integer.toString(large.length), whole.headers().firstValue("Content-Length").orElse(""));
      assertEquals("hit", whole.headers().firstValue("Berth-Cache").orElse(""));

      HttpResponse<byte[]> range = send(client, path, "Range", "bytes=1048570-3145800");
      assertEquals(206, range.statusCode());
      assertEquals(version, range.version());
      assertEquals(
          "bytes 1048570-3145800/" + large.length,
          range.headers().firstValue("Content-Range").orElse(""));
      assertArrayEquals(java.util.Arrays.copyOfRange(large, 1048570, 3145801), range.body());

      HttpResponse<byte[]> suffix = send(client, path, "Range", "bytes=-5");
      assertEquals(206, suffix.statusCode());
      assertArrayEquals(
          java.util.Arrays.copyOfRange(large, large.length - 5, large.length), suffix.body());
    }
    upstream.verify(
        1,
        getRequestedFor(urlEqualTo("/v2/" + REPO + "/blobs/" + digest))
            .withHeader("Authorization", equalTo("Bearer tok")));
  }

  private HttpResponse<byte[]> send(java.net.http.HttpClient client, String path, String... headers)
      throws Exception {
    java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(berth.url(path));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  @Test
  void blob_upstreamSendsWrongBytes_clientNeverGetsACleanWrongBlob_nothingCached()
      throws Exception {
    byte[] wrong = randomBytes(2, blob.length);
    upstream.stubFor(
        authorized(get(urlEqualTo("/v2/" + REPO + "/blobs/" + blobDigest)))
            .willReturn(aResponse().withStatus(200).withBody(wrong)));
    startBerth("kubernetes");
    String path = "/v2/library/nginx/blobs/" + blobDigest;

    try {
      HttpResponse<byte[]> r = berth.get(path);
      assertEquals(502, r.statusCode(), "a wrong blob must fail, not be served");
    } catch (IOException cut) {
      // also fine: bytes had started to flow and the connection was cut
    }

    stubBlobRedirectedToCdn();
    HttpResponse<byte[]> retry = berth.get(path);
    assertArrayEquals(blob, retry.body(), "the failed download must not have been cached");
  }

  @Test
  void blob_wrongBytesArrivingSlowly_streamingClientIsCut() throws Exception {
    // A plain JDK server that sends a wrong body slowly, so the client is already streaming when
    // the digest check fails at the end: its connection must be cut before the last byte.
    byte[] wrong = randomBytes(5, blob.length);
    try (SlowUpstream slow = SlowUpstream.serving(wrong, 60)) {
      berth =
          RunningBerth.start(dir, RunningBerth.oneUpstream("slow.test", slow.url(), "kubernetes"));
      HttpClient client = HttpClient.newHttpClient();
      HttpResponse<java.io.InputStream> r =
          client.send(
              HttpRequest.newBuilder(berth.url("/v2/library/app/blobs/" + blobDigest)).build(),
              HttpResponse.BodyHandlers.ofInputStream());
      assertEquals(200, r.statusCode(), "streaming should have started before the end");
      assertEquals(Long.toString(blob.length), r.headers().firstValue("Content-Length").orElse(""));
      long received = 0;
      try (var in = r.body()) {
        byte[] buffer = new byte[65536];
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
          received += n;
        }
        org.junit.jupiter.api.Assertions.fail(
            "the stream ended cleanly after " + received + " bytes");
      } catch (IOException cut) {
        assertTrue(received < blob.length, "all " + received + " bytes arrived");
      }
    }
  }

  @Test
  void blob_smallWrongBlob_failsBeforeAnyByteWith502() throws Exception {
    byte[] small = randomBytes(3, 1000);
    Digest smallDigest = Digest.sha256Of(small);
    upstream.stubFor(
        authorized(get(urlEqualTo("/v2/" + REPO + "/blobs/" + smallDigest)))
            .willReturn(aResponse().withStatus(200).withBody(randomBytes(4, 1000))));
    startBerth("kubernetes");
    HttpResponse<byte[]> r = berth.get("/v2/library/nginx/blobs/" + smallDigest);
    assertEquals(502, r.statusCode());
    assertTrue(new String(r.body(), StandardCharsets.UTF_8).contains("does not match"));
  }

  @Test
  void upstream404_mapsToOciUnknownCodes() throws Exception {
    startBerth("kubernetes");
    upstream.stubFor(
        authorized(head(urlEqualTo("/v2/" + REPO + "/manifests/nope")))
            .willReturn(aResponse().withStatus(404)));
    upstream.stubFor(
        authorized(get(urlEqualTo("/v2/" + REPO + "/blobs/" + blobDigest)))
            .willReturn(aResponse().withStatus(404)));
    HttpResponse<byte[]> m = berth.get("/v2/library/nginx/manifests/nope");
    assertEquals(404, m.statusCode());
    assertTrue(new String(m.body(), StandardCharsets.UTF_8).contains("MANIFEST_UNKNOWN"));
    HttpResponse<byte[]> b = berth.get("/v2/library/nginx/blobs/" + blobDigest);
    assertEquals(404, b.statusCode());
    assertTrue(new String(b.body(), StandardCharsets.UTF_8).contains("BLOB_UNKNOWN"));
  }

  @Test
  void unconfiguredNamespace_refusedWithoutContactingAnyone() throws Exception {
    startBerth("kubernetes");
    HttpResponse<byte[]> r = berth.get("/v2/latest/meta-data/manifests/x?ns=169.254.169.254");
    assertEquals(404, r.statusCode());
    String body = new String(r.body(), StandardCharsets.UTF_8);
    assertTrue(body.contains("NAME_UNKNOWN") && body.contains("169.254.169.254"), body);
    assertEquals(404, berth.get("/v2/evil.example.com/x/manifests/y").statusCode());
    assertEquals(0, upstream.getAllServeEvents().size());
  }

  @Test
  void malformedRequests_clear400s() throws Exception {
    startBerth("kubernetes");
    assertCode(400, "DIGEST_INVALID", berth.get("/v2/library/nginx/blobs/sha256:abc"));
    assertCode(
        400, "DIGEST_INVALID", berth.get("/v2/library/nginx/manifests/sha256:" + "A".repeat(64)));
    // An invalid tag is an unknown manifest, as distribution and the conformance suite have it.
    assertCode(404, "MANIFEST_UNKNOWN", berth.get("/v2/library/nginx/manifests/-bad"));
    assertCode(
        404, "MANIFEST_UNKNOWN", berth.get("/v2/library/nginx/manifests/.INVALID_MANIFEST_NAME"));
    assertEquals(
        404, berth.send("HEAD", "/v2/library/nginx/manifests/.INVALID_MANIFEST_NAME").statusCode());
    assertCode(400, "NAME_INVALID", berth.get("/v2/library/NGINX/manifests/latest"));
    assertCode(
        400, "NAME_INVALID", berth.get("/v2/library/" + "a".repeat(300) + "/manifests/latest"));
    assertCode(400, "NAME_INVALID", berth.get("/v2/library%2Fnginx/manifests/latest"));
    assertEquals(0, upstream.getAllServeEvents().size());
  }

  /** Issue 13, defect 8: malformed query strings were a 500 with a stack trace in the log. */
  @Test
  void malformedQuery_clear400() throws Exception {
    startBerth("kubernetes");
    for (String target :
        new String[] {
          "/v2/library/nginx/manifests/latest?ns=%zz",
          "/v2/library/nginx/manifests/latest?%%%",
          "/v2/library/nginx/tags/list?n=%G1",
          "/v2/?%%%"
        }) {
      String response = berth.raw("GET " + target + " HTTP/1.1");
      assertTrue(response.startsWith("HTTP/1.1 400"), target + " -> " + response);
      assertTrue(response.contains("\"code\":\"") && response.contains("query"), response);
    }
    assertEquals(0, upstream.getAllServeEvents().size());
  }

  @Test
  void writes_refusedAsUnsupported() throws Exception {
    startBerth("kubernetes");
    assertCode(405, "UNSUPPORTED", berth.send("PUT", "/v2/library/nginx/manifests/latest"));
    assertCode(405, "UNSUPPORTED", berth.send("POST", "/v2/library/nginx/blobs/uploads/"));
    assertCode(405, "UNSUPPORTED", berth.send("DELETE", "/v2/library/nginx/blobs/" + blobDigest));
  }

  @Test
  void upstreamDown_cachedContentStillServed_alwaysFailsClearly() throws Exception {
    stubManifest("1.25", 0);
    upstream.stubFor(
        authorized(head(urlEqualTo("/v2/always/app/manifests/1.25")))
            .willReturn(
                aResponse()
                    .withStatus(200)
                    .withHeader("Content-Type", OCI_MANIFEST)
                    .withHeader("Docker-Content-Digest", manifestDigest.toString())
                    .withHeader("Content-Length", Integer.toString(manifest.length))));
    upstream.stubFor(
        get(urlPathEqualTo("/token"))
            .withQueryParam("scope", equalTo("repository:always/app:pull"))
            .willReturn(aResponse().withStatus(200).withBody("{\"token\":\"tok\"}")));
    stubBlobRedirectedToCdn();
    startBerth("if-not-present");
    assertEquals(200, berth.get("/v2/library/nginx/manifests/1.25").statusCode());
    assertEquals(200, berth.get("/v2/library/nginx/blobs/" + blobDigest).statusCode());
    assertEquals(200, berth.get("/v2/always/app/manifests/1.25").statusCode());

    upstream.stop();
    cdn.stop();

    assertArrayEquals(manifest, berth.get("/v2/library/nginx/manifests/1.25").body());
    assertArrayEquals(manifest, berth.get("/v2/library/nginx/manifests/" + manifestDigest).body());
    assertArrayEquals(blob, berth.get("/v2/library/nginx/blobs/" + blobDigest).body());
    // always: the tag cannot be revalidated; its last resolution is served stale (the manifest is
    // cached, and linked to always/app since the upstream resolved the tag there).
    HttpResponse<byte[]> stale = berth.get("/v2/always/app/manifests/1.25");
    assertEquals(200, stale.statusCode());
    assertTrue(stale.headers().firstValue("Warning").orElse("").startsWith("110"));
    // A tag never resolved has nothing to fall back on: a clear 503 naming the upstream.
    HttpResponse<byte[]> always = berth.get("/v2/always/app/manifests/2.0");
    assertEquals(503, always.statusCode());
    String body = new String(always.body(), StandardCharsets.UTF_8);
    assertTrue(body.contains("UNAVAILABLE") && body.contains("upstream.test"), body);
    assertTrue(always.headers().firstValue("Retry-After").isPresent(), always.headers().toString());
    // A blob that is not cached meets the outage: a 503 that says when to come back too.
    HttpResponse<byte[]> blobMiss =
        berth.get(
            "/v2/library/nginx/blobs/sha256:"
                + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    assertEquals(503, blobMiss.statusCode());
    assertEquals("10", blobMiss.headers().firstValue("Retry-After").orElse(""));
  }

  @Test
  void neverPolicy_servesWhatIsCached_missIsA404WithoutUpstream() throws Exception {
    stubManifest("1.25", 0);
    stubBlobRedirectedToCdn();
    startBerth("if-not-present");
    assertEquals(200, berth.get("/v2/library/nginx/manifests/1.25").statusCode());
    assertEquals(200, berth.get("/v2/library/nginx/blobs/" + blobDigest).statusCode());
    berth.close();
    upstream.resetRequests();

    startBerth("never");
    assertArrayEquals(manifest, berth.get("/v2/library/nginx/manifests/1.25").body());
    assertArrayEquals(blob, berth.get("/v2/library/nginx/blobs/" + blobDigest).body());
    assertCode(404, "MANIFEST_UNKNOWN", berth.get("/v2/library/nginx/manifests/other"));
    assertCode(
        404,
        "BLOB_UNKNOWN",
        berth.get("/v2/library/nginx/blobs/" + Digest.sha256Of(new byte[] {9})));
    assertEquals(
        0, upstream.getAllServeEvents().size(), "policy never must not contact the upstream");
  }

  @Test
  void blob_clientLeavesEarly_downloadCompletesAndIsCached() throws Exception {
    try (SlowUpstream slow = SlowUpstream.serving(blob, 40)) {
      berth =
          RunningBerth.start(dir, RunningBerth.oneUpstream("slow.test", slow.url(), "kubernetes"));
      String path = "/v2/library/app/blobs/" + blobDigest;
      HttpResponse<java.io.InputStream> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(berth.url(path)).build(),
                  HttpResponse.BodyHandlers.ofInputStream());
      assertEquals(200, r.statusCode());
      r.body().readNBytes(1000);
      r.body().close(); // the client gives up after 1000 bytes

      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (!berth.metrics().contains("berth_storage_blobs 1.0") && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      HttpResponse<byte[]> again = berth.get(path);
      assertArrayEquals(blob, again.body());
      assertEquals(1, slow.requests(), "the download must have survived its only client");
    }
  }

  @Test
  void metrics_countRequestsByRouteAndUpstreamExchanges() throws Exception {
    stubManifest("1.25", 0);
    stubBlobRedirectedToCdn();
    startBerth("if-not-present");
    berth.get("/v2/library/nginx/manifests/1.25");
    berth.get("/v2/library/nginx/manifests/1.25");
    berth.get("/v2/library/nginx/blobs/" + blobDigest);
    String m = berth.metrics();
    assertTrue(
        m.contains(
            "berth_http_requests_seconds_count{method=\"GET\",route=\"manifest\",status=\"200\"} 2"),
        m);
    assertTrue(m.contains("berth_cache_requests_total{kind=\"tag\",result=\"hit\"} 1.0"), m);
    assertTrue(m.contains("berth_cache_requests_total{kind=\"tag\",result=\"miss\"} 1.0"), m);
    assertTrue(
        m.contains(
            "berth_upstream_requests_seconds_count{method=\"HEAD\",outcome=\"401\",upstream=\"upstream.test\"} 1"),
        m);
    assertTrue(m.contains("berth_upstream_token_fetches_total 1.0"), m);
    assertTrue(
        m.contains(
                "berth_served_bytes_total{source=\"upstream\"} "
                    + (double) (blob.length + manifest.length))
            || m.contains("berth_served_bytes_total{source=\"upstream\"}"),
        m);
    assertTrue(m.contains("berth_upstream_downloads_total 1.0"), m);
  }

  @Test
  void bearer_tokenRejectedLater_isRefreshedOnceAndTheRequestRetried() throws Exception {
    // The token server hands out t1, then t2; tag "a" still takes t1, tag "b" only t2 (as if t1
    // had expired early): the second request must drop t1, fetch t2 and succeed.
    String scenario = "tokens";
    upstream.stubFor(
        get(urlPathEqualTo("/token"))
            .inScenario(scenario)
            .whenScenarioStateIs(com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED)
            .willSetStateTo("second")
            .atPriority(1)
            .willReturn(
                aResponse().withStatus(200).withBody("{\"token\":\"t1\",\"expires_in\":300}")));
    upstream.stubFor(
        get(urlPathEqualTo("/token"))
            .inScenario(scenario)
            .whenScenarioStateIs("second")
            .atPriority(1)
            .willReturn(
                aResponse().withStatus(200).withBody("{\"token\":\"t2\",\"expires_in\":300}")));
    for (String[] tagToken : new String[][] {{"a", "t1"}, {"b", "t2"}}) {
      upstream.stubFor(
          head(urlEqualTo("/v2/" + REPO + "/manifests/" + tagToken[0]))
              .withHeader("Authorization", equalTo("Bearer " + tagToken[1]))
              .atPriority(1)
              .willReturn(
                  aResponse()
                      .withStatus(200)
                      .withHeader("Content-Type", OCI_MANIFEST)
                      .withHeader("Docker-Content-Digest", manifestDigest.toString())
                      .withHeader("Content-Length", Integer.toString(manifest.length))));
    }
    startBerth("always");
    assertEquals(200, berth.send("HEAD", "/v2/library/nginx/manifests/a").statusCode());
    assertEquals(200, berth.send("HEAD", "/v2/library/nginx/manifests/b").statusCode());
    upstream.verify(2, getRequestedFor(urlPathEqualTo("/token")));
    upstream.verify(
        1,
        headRequestedFor(urlEqualTo("/v2/" + REPO + "/manifests/b"))
            .withHeader("Authorization", equalTo("Bearer t1")));
  }

  @Test
  void bearer_realmOnAForeignHost_isRefusedAndNeverContacted() throws Exception {
    WireMockServer foreign = new WireMockServer(options().dynamicPort());
    foreign.start();
    try {
      upstream.stubFor(
          head(urlEqualTo("/v2/" + REPO + "/manifests/x"))
              .atPriority(1)
              .willReturn(
                  aResponse()
                      .withStatus(401)
                      .withHeader(
                          "WWW-Authenticate",
                          "Bearer realm=\"http://localhost:"
                              + foreign.port()
                              + "/token\",service=\"s\"")));
      startBerth("always");
      HttpResponse<byte[]> r = berth.send("HEAD", "/v2/library/nginx/manifests/x");
      assertEquals(502, r.statusCode());
      HttpResponse<byte[]> g = berth.get("/v2/library/nginx/manifests/x");
      String body = new String(g.body(), StandardCharsets.UTF_8);
      assertTrue(body.contains("realm host localhost") && body.contains("token-realms"), body);
      assertEquals(0, foreign.getAllServeEvents().size(), "credentials went to a foreign realm");
    } finally {
      foreign.stop();
    }
  }

  @Test
  void upstreamDown_alwaysServesStaleMarked_thenBacksOffFast() throws Exception {
    stubManifest("1.25", 0);
    startBerth("always");
    assertEquals(200, berth.get("/v2/library/nginx/manifests/1.25").statusCode());
    upstream.stop();

    HttpResponse<byte[]> stale = berth.get("/v2/library/nginx/manifests/1.25");
    assertEquals(200, stale.statusCode());
    assertArrayEquals(manifest, stale.body());
    assertEquals("110 - \"Response is Stale\"", stale.headers().firstValue("Warning").orElse(""));
    assertTrue(stale.headers().firstValue("Berth-Stale-Seconds").isPresent());
    assertTrue(berth.metrics().contains("berth_stale_serves_total 1.0"), berth.metrics());

    // Inside the back-off window nothing is attempted: an uncached tag fails fast, saying when.
    long started = System.nanoTime();
    HttpResponse<byte[]> fast = berth.get("/v2/library/other/manifests/1");
    long millis = (System.nanoTime() - started) / 1_000_000;
    assertEquals(503, fast.statusCode());
    String body = new String(fast.body(), StandardCharsets.UTF_8);
    assertTrue(body.contains("backs off"), body);
    assertTrue(fast.headers().firstValue("Retry-After").isPresent());
    assertTrue(millis < 1000, "took " + millis + " ms");
    assertTrue(berth.metrics().contains("berth_upstream_backoff_closed 2.0"), berth.metrics());
  }

  @Test
  void upstreamDown_pastMaxStale_failsNamingIt() throws Exception {
    stubManifest("1.25", 0);
    // The default max-stale (24h), passed on berth's clock rather than waited for.
    MutableClock clock = new MutableClock(Instant.now());
    berth =
        RunningBerth.start(
            dir,
            RunningBerth.oneUpstream(
                "upstream.test", "http://127.0.0.1:" + upstream.port(), "always"),
            clock);
    assertEquals(200, berth.get("/v2/library/nginx/manifests/1.25").statusCode());
    upstream.stop();
    HttpResponse<byte[]> withinMaxStale = berth.get("/v2/library/nginx/manifests/1.25");
    assertEquals(200, withinMaxStale.statusCode(), "stale, within max-stale");
    clock.advance(Duration.ofHours(24).plusSeconds(1));
    HttpResponse<byte[]> r = berth.get("/v2/library/nginx/manifests/1.25");
    assertEquals(503, r.statusCode());
    assertTrue(new String(r.body(), StandardCharsets.UTF_8).contains("past max-stale"));
  }

  @Test
  void dockerHubRateLimitHeaders_becomeGauges() throws Exception {
    upstream.stubFor(
        authorized(head(urlEqualTo("/v2/" + REPO + "/manifests/rl")))
            .willReturn(
                aResponse()
                    .withStatus(200)
                    .withHeader("Content-Type", OCI_MANIFEST)
                    .withHeader("Docker-Content-Digest", manifestDigest.toString())
                    .withHeader("Content-Length", Integer.toString(manifest.length))
                    .withHeader("ratelimit-limit", "100;w=21600")
                    .withHeader("ratelimit-remaining", "42;w=21600")));
    startBerth("always");
    assertEquals(200, berth.send("HEAD", "/v2/library/nginx/manifests/rl").statusCode());
    String m = berth.metrics();
    assertTrue(
        m.contains("berth_upstream_ratelimit_remaining{upstream=\"upstream.test\"} 42.0"), m);
    assertTrue(m.contains("berth_upstream_ratelimit_limit{upstream=\"upstream.test\"} 100.0"), m);
  }

  @Test
  void slowUpstream_readTimeoutPerUpstream_failsFast() throws Exception {
    stubManifest("slow", 4000);
    berth =
        RunningBerth.start(
            dir,
            RunningBerth.oneUpstream(
                    "upstream.test", "http://127.0.0.1:" + upstream.port(), "always")
                + "    read-timeout: 1s\n    connect-timeout: 1s\n");
    long started = System.nanoTime();
    HttpResponse<byte[]> r = berth.send("HEAD", "/v2/library/nginx/manifests/slow");
    long millis = (System.nanoTime() - started) / 1_000_000;
    assertEquals(503, r.statusCode());
    assertTrue(millis < 3500, "took " + millis + " ms with a 1 s read timeout");
  }

  @Test
  void tag404_isRememberedBriefly() throws Exception {
    upstream.stubFor(
        authorized(head(urlEqualTo("/v2/" + REPO + "/manifests/nope")))
            .willReturn(aResponse().withStatus(404)));
    startBerth("always");
    for (int i = 0; i < 3; i++) {
      assertEquals(404, berth.send("HEAD", "/v2/library/nginx/manifests/nope").statusCode());
    }
    upstream.verify(
        1,
        headRequestedFor(urlEqualTo("/v2/" + REPO + "/manifests/nope"))
            .withHeader("Authorization", equalTo("Bearer tok")));
  }

  private static void assertCode(int status, String code, HttpResponse<byte[]> r) {
    String body = new String(r.body(), StandardCharsets.UTF_8);
    assertEquals(status, r.statusCode(), body);
    assertTrue(body.contains("\"" + code + "\""), body);
  }

  private static byte[] randomBytes(long seed, int n) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }
}
