package dev.berth.proxy.blackbox;

import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import dev.berth.storage.Digest;
import dev.berth.storage.testing.MutableClock;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A size-capped berth with a pin, over a WireMock upstream: background eviction keeps the cap and
 * the pin, drops the least recently used image (its tag included, in memory too), and the admin
 * endpoints list, purge, pin and collect.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CacheAdminTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int LAYER = 400_000;
  private static final long MAX = 1_000_000;

  @TempDir Path dir;
  private WireMockServer upstream;
  private RunningBerth berth;
  private final HttpClient http = HttpClient.newHttpClient();
  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));

  @BeforeEach
  void start() throws Exception {
    upstream = new WireMockServer(options().dynamicPort());
    upstream.start();
    berth =
        RunningBerth.start(
            dir,
            RunningBerth.oneUpstream(
                    "upstream.test", "http://127.0.0.1:" + upstream.port(), "if-not-present")
                + "storage:\n  max-size: "
                + MAX
                + "\n  pins:\n    - upstream.test/pinned:1\n",
            clock);
  }

  @AfterEach
  void stop() {
    berth.close();
    upstream.stop();
  }

  private void pull(StubImage image) throws Exception {
    HttpResponse<byte[]> m =
        berth.get(
            "/v2/" + image.repository + "/manifests/" + image.tag,
            "Accept",
            StubImage.OCI_MANIFEST);
    assertEquals(200, m.statusCode());
    for (Digest blob : image.blobs()) {
      assertEquals(200, berth.get("/v2/" + image.repository + "/blobs/" + blob).statusCode());
    }
  }

  private String cacheHeader(String path) throws Exception {
    return berth
        .get(path, "Accept", StubImage.OCI_MANIFEST)
        .headers()
        .firstValue("Berth-Cache")
        .orElse("none");
  }

  private double metric(String series) throws Exception {
    return MetricsValuesTest.scrape(berth.metrics()).getOrDefault(series, -1.0);
  }

  private HttpResponse<String> admin(String method, String path) throws Exception {
    return berth.adminSend(method, path);
  }

  private void awaitStoredAtMost(long bytes) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      Map<String, Double> m = MetricsValuesTest.scrape(berth.metrics());
      double stored = m.get("berth_storage_bytes") + m.get("berth_storage_manifest_bytes");
      if (stored <= bytes) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("stored bytes stayed above " + bytes + ":\n" + berth.metrics());
  }

  @Test
  void evictionKeepsTheCapAndThePin_andForgetsEvictedTags() throws Exception {
    StubImage pinned = new StubImage("pinned", "1", LAYER, 1).stub(upstream);
    StubImage a = new StubImage("a", "1", LAYER, 2).stub(upstream);
    StubImage b = new StubImage("b", "1", LAYER, 3).stub(upstream);
    StubImage c = new StubImage("c", "1", LAYER, 4).stub(upstream);
    pull(pinned);
    clock.advance(Duration.ofMinutes(1)); // least recently used: pinned, then a, then b
    pull(a);
    clock.advance(Duration.ofMinutes(1));
    pull(b); // 3 layers: over the 1 MB cap
    awaitStoredAtMost(MAX * 9 / 10);
    clock.advance(Duration.ofMinutes(1));
    pull(c);
    awaitStoredAtMost(MAX * 9 / 10);

    // The pinned image is older than all, yet fully cached; a and b were least recently used.
    assertEquals("hit", cacheHeader("/v2/pinned/manifests/1"));
    assertEquals("hit", cacheHeader("/v2/pinned/blobs/" + pinned.layerDigest));
    assertEquals("hit", cacheHeader("/v2/c/blobs/" + c.layerDigest));
    int before =
        upstream.findAll(getRequestedFor(urlEqualTo("/v2/a/blobs/" + a.layerDigest))).size();
    assertEquals("miss", cacheHeader("/v2/a/blobs/" + a.layerDigest));
    assertEquals(
        before + 1,
        upstream.findAll(getRequestedFor(urlEqualTo("/v2/a/blobs/" + a.layerDigest))).size());
    // The evicted image's tag went with its manifest, from memory too: resolved upstream again.
    assertEquals("miss", cacheHeader("/v2/b/manifests/1"));

    // a's layer and config, then b's layer (what gets c under the cap; b's config may stay).
    assertTrue(metric("berth_evictions_total{kind=\"blob\",reason=\"size\"}") >= 3);
    assertTrue(metric("berth_evictions_total{kind=\"manifest\",reason=\"size\"}") >= 2);
    assertTrue(metric("berth_evicted_bytes_total{reason=\"size\"}") >= 2 * LAYER);
    assertEquals(1.0, metric("berth_pins"));
    assertEquals((double) MAX, metric("berth_storage_max_bytes"));
  }

  @Test
  void listPurgePinAndGc_onTheAdminPortOnly() throws Exception {
    StubImage app = new StubImage("app", "1", 50_000, 7).stub(upstream);
    StubImage other = new StubImage("other", "1", 50_000, 8).stub(upstream);
    pull(app);
    pull(other);

    JsonNode listing = JSON.readTree(admin("GET", "/admin/cache").body());
    assertEquals(2, listing.get("repositories").size());
    JsonNode appRepo = listing.get("repositories").get(0);
    assertEquals("app", appRepo.get("repository").asText());
    assertEquals(app.manifestDigest.toString(), appRepo.get("tags").get(0).get("digest").asText());
    assertEquals(2, appRepo.get("blobs").size());
    assertEquals(
        app.manifestDigest.toString(), appRepo.get("manifests").get(0).get("digest").asText());
    JsonNode only = JSON.readTree(admin("GET", "/admin/cache?repository=other").body());
    assertEquals(1, only.get("repositories").size());
    assertEquals(404, berth.get("/admin/cache").statusCode(), "not on the registry port");

    HttpResponse<String> purged = admin("DELETE", "/admin/cache?repository=app&tag=1");
    assertEquals(200, purged.statusCode(), purged.body());
    JsonNode report = JSON.readTree(purged.body());
    assertEquals(2, report.get("blobs_removed").asInt());
    assertEquals(1, report.get("manifests_removed").asInt());
    assertEquals(1, report.get("tags_removed").asInt());
    assertEquals("miss", cacheHeader("/v2/app/manifests/1"), "forgotten in memory too");
    assertEquals("hit", cacheHeader("/v2/other/manifests/1"));
    assertEquals(1.0, metric("berth_evictions_total{kind=\"manifest\",reason=\"purge\"}"));

    assertEquals(404, admin("DELETE", "/admin/cache?repository=nothing").statusCode());
    HttpResponse<String> bad = admin("DELETE", "/admin/cache?digest=sha256:zz");
    assertEquals(400, bad.statusCode());
    assertTrue(bad.body().contains("digest"), bad.body());
    assertEquals(400, admin("DELETE", "/admin/cache").statusCode());
    assertEquals(400, admin("DELETE", "/admin/cache?repository=unknown.example/x").statusCode());

    assertEquals(200, admin("PUT", "/admin/pins?image=upstream.test/other:1").statusCode());
    JsonNode pins = JSON.readTree(admin("GET", "/admin/pins").body()).get("pins");
    assertEquals(2, pins.size(), pins.toString());
    HttpResponse<String> refused = admin("DELETE", "/admin/cache?digest=" + other.layerDigest);
    assertEquals(
        other.layerDigest.toString(),
        JSON.readTree(refused.body()).get("kept_pinned").get(0).asText());
    assertEquals(200, admin("DELETE", "/admin/pins?image=upstream.test/other:1").statusCode());
    HttpResponse<String> configPin = admin("DELETE", "/admin/pins?image=upstream.test/pinned:1");
    assertEquals(404, configPin.statusCode());
    assertTrue(configPin.body().contains("config file"), configPin.body());

    HttpResponse<String> gc = admin("POST", "/admin/gc");
    assertEquals(200, gc.statusCode(), gc.body());
    assertTrue(JSON.readTree(gc.body()).get("disk_bytes_after").asLong() > 0);
  }

  @Test
  void purgeUnderAStreamingClient_keepsTheBlobUntilItIsDone() throws Exception {
    // Without a cap: a 24 MiB blob would be evicted by the background run as soon as it is done.
    berth.close();
    berth =
        RunningBerth.start(
            dir,
            dir.resolve("uncapped"),
            RunningBerth.oneUpstream(
                "upstream.test", "http://127.0.0.1:" + upstream.port(), "if-not-present"));
    StubImage big = new StubImage("big", "1", 24 << 20, 9).stub(upstream);
    pull(big);
    HttpResponse<InputStream> streaming =
        http.send(
            HttpRequest.newBuilder(berth.url("/v2/big/blobs/" + big.layerDigest))
                .timeout(Duration.ofSeconds(60))
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream body = streaming.body()) {
      byte[] first = body.readNBytes(64 << 10); // then stall: socket buffers (a few MiB) fill, and
      // the server's reader stays open
      HttpResponse<String> purged = admin("DELETE", "/admin/cache?digest=" + big.layerDigest);
      JsonNode report = JSON.readTree(purged.body());
      assertEquals(
          big.layerDigest.toString(), report.get("kept_in_use").get(0).asText(), purged.body());
      byte[] rest = body.readAllBytes();
      byte[] all = new byte[first.length + rest.length];
      System.arraycopy(first, 0, all, 0, first.length);
      System.arraycopy(rest, 0, all, first.length, rest.length);
      assertArrayEquals(big.layer, all, "the client read the whole blob undisturbed");
    }
    // The server closes its reader once the response has ended; until then the purge keeps it.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    JsonNode second;
    do {
      second = JSON.readTree(admin("DELETE", "/admin/cache?digest=" + big.layerDigest).body());
    } while (second.path("blobs_removed").asInt() == 0 && System.nanoTime() < deadline);
    assertEquals(1, second.path("blobs_removed").asInt(), second.toString());
    assertEquals("miss", cacheHeader("/v2/big/blobs/" + big.layerDigest));
  }

  @Test
  void sameImageInTwoRepositories_belongsToBoth_purgingOneKeepsIt() throws Exception {
    StubImage first = new StubImage("team-a/app", "1", 20_000, 11).stub(upstream);
    StubImage second = new StubImage("team-b/app", "1", 20_000, 11).stub(upstream); // same bytes
    assertEquals(first.manifestDigest, second.manifestDigest);
    pull(first);
    pull(second); // tag resolved upstream, manifest already cached through team-a

    JsonNode b = JSON.readTree(admin("GET", "/admin/cache?repository=team-b/app").body());
    assertEquals(
        second.manifestDigest.toString(),
        b.get("repositories").get(0).get("manifests").get(0).get("digest").asText(),
        "the manifest is listed under both repositories");

    JsonNode report = JSON.readTree(admin("DELETE", "/admin/cache?repository=team-b/app").body());
    assertEquals(1, report.get("tags_removed").asInt(), report.toString());
    assertEquals(0, report.get("blobs_removed").asInt(), "still team-a's: " + report);
    assertEquals("hit", cacheHeader("/v2/team-a/app/manifests/1"));
    assertEquals("hit", cacheHeader("/v2/team-a/app/blobs/" + first.layerDigest));
  }
}
