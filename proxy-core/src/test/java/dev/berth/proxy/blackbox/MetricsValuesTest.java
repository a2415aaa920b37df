package dev.berth.proxy.blackbox;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.berth.storage.Digest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A scripted pull sequence, then {@code /metrics}: each counter must hold exactly what the sequence
 * implies (a dashboard built on them tells the truth).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MetricsValuesTest {
  private static final String OCI = "application/vnd.oci.image.manifest.v1+json";

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
                "upstream.test", "http://127.0.0.1:" + upstream.port(), "if-not-present"));
  }

  @AfterEach
  void stop() {
    berth.close();
    upstream.stop();
  }

  @Test
  void countersMatchTheSequence() throws Exception {
    byte[] layer = new byte[300_000];
    new Random(3).nextBytes(layer);
    Digest layerDigest = Digest.sha256Of(layer);
    byte[] manifest =
        ("{\"schemaVersion\":2,\"mediaType\":\""
                + OCI
                + "\",\"layers\":[{\"digest\":\""
                + layerDigest
                + "\"}]}")
            .getBytes(StandardCharsets.UTF_8);
    Digest manifestDigest = Digest.sha256Of(manifest);
    upstream.stubFor(
        head(urlEqualTo("/v2/app/manifests/1"))
            .willReturn(
                aResponse()
                    .withStatus(200)
                    .withHeader("Content-Type", OCI)
                    .withHeader("Docker-Content-Digest", manifestDigest.toString())
                    .withHeader("Content-Length", Integer.toString(manifest.length))));
    upstream.stubFor(
        get(urlEqualTo("/v2/app/manifests/" + manifestDigest))
            .willReturn(
                aResponse().withStatus(200).withHeader("Content-Type", OCI).withBody(manifest)));
    upstream.stubFor(
        get(urlEqualTo("/v2/app/blobs/" + layerDigest))
            .willReturn(aResponse().withStatus(200).withBody(layer)));

    // The sequence: a tag pulled twice (miss, then hit), its manifest by digest once (hit), the
    // layer twice (miss, then hit), and one unknown blob (upstream 404).
    for (int i = 0; i < 2; i++) {
      assertEquals(200, berth.get("/v2/app/manifests/1", "Accept", OCI).statusCode());
    }
    assertEquals(200, berth.get("/v2/app/manifests/" + manifestDigest, "Accept", OCI).statusCode());
    for (int i = 0; i < 2; i++) {
      assertEquals(200, berth.get("/v2/app/blobs/" + layerDigest).statusCode());
    }
    Digest unknown = Digest.sha256Of(new byte[] {9});
    upstream.stubFor(
        get(urlEqualTo("/v2/app/blobs/" + unknown)).willReturn(aResponse().withStatus(404)));
    assertEquals(404, berth.get("/v2/app/blobs/" + unknown).statusCode());
    // Request metrics are recorded when each response has ended, after the client has it.
    berth.awaitMetric(
        "berth_http_requests_seconds_count{method=\"GET\",route=\"blob\",status=\"404\"} 1\n");

    // The layer's commit may finish just after the client's last byte (issue 14).
    berth.awaitMetric("berth_upstream_downloads_inflight 0.0");
    Map<String, Double> m = scrape(berth.metrics());
    assertEquals(1.0, m.get("berth_cache_requests_total{kind=\"tag\",result=\"miss\"}"));
    assertEquals(1.0, m.get("berth_cache_requests_total{kind=\"tag\",result=\"hit\"}"));
    assertEquals(1.0, m.get("berth_cache_requests_total{kind=\"manifest\",result=\"miss\"}"));
    assertEquals(2.0, m.get("berth_cache_requests_total{kind=\"manifest\",result=\"hit\"}"));
    assertEquals(1.0, m.get("berth_cache_requests_total{kind=\"blob\",result=\"miss\"}"));
    assertEquals(1.0, m.get("berth_cache_requests_total{kind=\"blob\",result=\"hit\"}"));
    // Body bytes, manifests included: from cache the layer once and the manifest twice; fetched,
    // the layer once and the manifest once.
    assertEquals(
        (double) layer.length + 2 * manifest.length,
        m.get("berth_served_bytes_total{source=\"cache\"}"));
    assertEquals(
        (double) layer.length + manifest.length,
        m.get("berth_served_bytes_total{source=\"upstream\"}"));
    assertEquals(2.0, m.get("berth_upstream_downloads_total"), "the layer and the unknown blob");
    assertEquals(0.0, m.get("berth_upstream_downloads_inflight"));
    assertEquals(
        3.0,
        m.get(
            "berth_http_requests_seconds_count{method=\"GET\",route=\"manifest\",status=\"200\"}"));
    assertEquals(
        2.0,
        m.get("berth_http_requests_seconds_count{method=\"GET\",route=\"blob\",status=\"200\"}"));
    assertEquals(
        1.0,
        m.get("berth_http_requests_seconds_count{method=\"GET\",route=\"blob\",status=\"404\"}"));
    assertEquals(
        1.0,
        m.get(
            "berth_upstream_requests_seconds_count{method=\"HEAD\",outcome=\"200\",upstream=\"upstream.test\"}"),
        "one tag resolution: the second request was a hit");
    assertEquals(
        2.0,
        m.get(
            "berth_upstream_requests_seconds_count{method=\"GET\",outcome=\"200\",upstream=\"upstream.test\"}"),
        "the manifest and the layer, once each");
    assertEquals(1.0, m.get("berth_storage_blobs"));
    assertEquals((double) layer.length, m.get("berth_storage_bytes"));
    assertEquals(1.0, m.get("berth_storage_writable"));
    // RocksDB's background state (issue 14): idle after the pulls, and present.
    assertEquals(0.0, m.get("berth_rocksdb_write_stopped"));
    assertEquals(0.0, m.get("berth_rocksdb_background_errors"));
    assertTrue(m.get("berth_rocksdb_flushes_running") >= 0);
    assertTrue(m.get("berth_rocksdb_compaction_pending_bytes") >= 0);
    assertTrue(m.get("berth_rocksdb_delayed_write_rate_bytes_per_second") >= 0);
  }

  static Map<String, Double> scrape(String text) {
    Map<String, Double> values = new HashMap<>();
    for (String line : text.split("\n")) {
      if (line.startsWith("berth_")) {
        int space = line.lastIndexOf(' ');
        values.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
      }
    }
    return values;
  }
}
