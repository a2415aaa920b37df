package dev.berth.proxy.blackbox;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.berth.storage.Digest;
import dev.berth.storage.testing.SizeCappedFilesystem;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hostile-upstream suite (issue 13): upstreams that stall, never end, lie about lengths or
 * answer 200 to every HEAD. Every exchange must end within its bounds, free its download slot,
 * cache nothing unverified and open nothing that belongs to another upstream. The rest of the
 * suite: {@link StallTest} (a cached download that stalls), {@link RedirectTest} (redirects to
 * loopback, the admin port, other schemes), {@link RealmPerRepositoryTest} and {@link
 * TokenCredentialsTest} (token realms that redirect, fail or never end), {@link ListingTest} (tag
 * and referrer lists).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HostileUpstreamTest {
  private static final byte[] BLOB = bytes(7, 200_000);
  private static final Digest DIGEST = Digest.sha256Of(BLOB);

  @TempDir Path dir;

  /** What a client got: a status, or -1 when the connection was cut mid-body. */
  private record Outcome(int status, byte[] body, long millis) {}

  private static Outcome fetch(RunningBerth berth, String path) throws Exception {
    long started = System.nanoTime();
    int status;
    byte[] body = new byte[0];
    try {
      HttpResponse<byte[]> r = berth.get(path);
      status = r.statusCode();
      body = r.body();
    } catch (IOException cut) {
      status = -1;
    }
    return new Outcome(status, body, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
  }

  private static String config(String url, String extra) {
    return RunningBerth.oneUpstream("hostile.test", url, "if-not-present") + extra;
  }

  @Test
  void endlessChunkedBlob_isCutAtMaxBlobSize_nothingCached_slotFree() throws Exception {
    try (RawUpstream upstream =
            new RawUpstream(
                (line, out) -> {
                  out.write(RawUpstream.head("200 OK", "Transfer-Encoding: chunked"));
                  RawUpstream.endlessChunks(out, new byte[64 << 10]);
                });
        RunningBerth berth =
            RunningBerth.start(
                dir,
                config(upstream.url(), "    max-blob-size: 2MiB\nlimits:\n  max-downloads: 1\n"))) {
      for (int attempt = 0; attempt < 2; attempt++) {
        Outcome o = fetch(berth, "/v2/library/app/blobs/" + DIGEST);
        // Cut mid-body (-1) or refused before the body (502): never a whole blob, never 503 for
        // a download slot still taken by the first attempt.
        assertTrue(o.status() == -1 || o.status() == 502, "attempt " + attempt + ": " + o);
        assertTrue(o.millis() < 20_000, "took " + o.millis() + " ms");
      }
      String metrics = berth.metrics();
      assertTrue(metrics.contains("berth_storage_blobs 0.0"), metrics);
      assertTrue(metrics.contains("berth_upstream_downloads_inflight 0.0"), metrics);
    }
  }

  @Test
  void hugeDeclaredLength_isRefusedBeforeAByteIsWritten() throws Exception {
    try (RawUpstream upstream =
            new RawUpstream(
                (line, out) -> {
                  out.write(RawUpstream.head("200 OK", "Content-Length: 10000000000"));
                  out.write(BLOB);
                  Thread.sleep(60_000);
                });
        RunningBerth berth =
            RunningBerth.start(dir, config(upstream.url(), "    max-blob-size: 1GiB\n"))) {
      Outcome o = fetch(berth, "/v2/library/app/blobs/" + DIGEST);
      assertEquals(502, o.status(), new String(o.body(), StandardCharsets.UTF_8));
      assertTrue(
          new String(o.body(), StandardCharsets.UTF_8).contains("max-blob-size"),
          new String(o.body(), StandardCharsets.UTF_8));
      assertTrue(o.millis() < 10_000, "took " + o.millis() + " ms");
      assertTrue(berth.metrics().contains("berth_upstream_downloads_inflight 0.0"));
    }
  }

  @Test
  void trickle_isCutAtTransferTimeout() throws Exception {
    try (RawUpstream upstream =
            new RawUpstream(
                (line, out) -> {
                  out.write(RawUpstream.head("200 OK", "Content-Length: " + BLOB.length));
                  for (int i = 0; i < BLOB.length; i++) {
                    out.write(BLOB[i]); // a byte every 200 ms: never idle for read-timeout
                    out.flush();
                    Thread.sleep(200);
                  }
                });
        RunningBerth berth =
            RunningBerth.start(
                dir, config(upstream.url(), "    read-timeout: 1s\n    transfer-timeout: 3s\n"))) {
      Outcome o = fetch(berth, "/v2/library/app/blobs/" + DIGEST);
      assertTrue(o.status() == -1 || o.status() >= 500, o.toString());
      assertTrue(o.millis() < 20_000, "took " + o.millis() + " ms");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!berth.metrics().contains("berth_upstream_downloads_inflight 0.0")
          && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertTrue(berth.metrics().contains("berth_upstream_downloads_inflight 0.0"));
    }
  }

  @Test
  void stallWhileStreamingUncached_endsWithinTheReadTimeout_slotFree() throws Exception {
    try (RawUpstream upstream =
            new RawUpstream(
                (line, out) -> {
                  out.write(RawUpstream.head("200 OK", "Content-Length: " + BLOB.length));
                  out.write(BLOB, 0, 100);
                  out.flush();
                  Thread.sleep(60_000);
                });
        // min-free far above any disk: cache writes pause, misses stream through uncached.
        RunningBerth berth =
            RunningBerth.start(
                dir,
                config(
                    upstream.url(),
                    "    read-timeout: 1s\nstorage:\n  min-free: 1000000GiB\n"
                        + "limits:\n  max-downloads: 1\n"))) {
      for (int attempt = 0; attempt < 2; attempt++) {
        Outcome o = fetch(berth, "/v2/library/app/blobs/" + DIGEST);
        assertTrue(o.status() == -1 || o.status() >= 500, o.toString());
        assertTrue(o.status() != 503 || attempt == 0, "the slot was not freed: " + o);
        assertTrue(o.millis() < 15_000, "took " + o.millis() + " ms");
      }
      assertEquals(2, upstream.requests.size(), upstream.requests.toString());
    }
  }

  @Test
  void endlessManifestTagsAndReferrers_answer502Quickly() throws Exception {
    try (RawUpstream upstream =
            new RawUpstream(
                (line, out) -> {
                  out.write(
                      RawUpstream.head(
                          "200 OK",
                          "Transfer-Encoding: chunked",
                          "Content-Type: application/vnd.oci.image.manifest.v1+json",
                          "Docker-Content-Digest: " + DIGEST));
                  if (!line.startsWith("HEAD")) {
                    RawUpstream.endlessChunks(out, new byte[16 << 10]);
                  }
                });
        RunningBerth berth = RunningBerth.start(dir, config(upstream.url(), ""))) {
      for (String path :
          new String[] {
            "/v2/library/app/manifests/" + DIGEST,
            "/v2/library/app/tags/list",
            "/v2/library/app/referrers/" + DIGEST
          }) {
        Outcome o = fetch(berth, path);
        assertEquals(502, o.status(), path + ": " + new String(o.body(), StandardCharsets.UTF_8));
        assertTrue(
            new String(o.body(), StandardCharsets.UTF_8).contains("larger than"),
            new String(o.body(), StandardCharsets.UTF_8));
        assertTrue(o.millis() < 10_000, path + " took " + o.millis() + " ms");
      }
    }
  }

  /**
   * Issue 13, defect 6: a layer cached from one upstream was readable through any other upstream
   * that answers 200 to every HEAD. Only bytes from that upstream, verified, prove it has it.
   */
  @Test
  void lyingHead_opensNothingCachedFromAnotherUpstream() throws Exception {
    WireMockServer honest = new WireMockServer(options().dynamicPort());
    WireMockServer liar = new WireMockServer(options().dynamicPort());
    WireMockServer mirror = new WireMockServer(options().dynamicPort());
    honest.start();
    liar.start();
    mirror.start();
    try {
      String blobPath = "/v2/team-a/secret/blobs/" + DIGEST;
      honest.stubFor(get(urlEqualTo(blobPath)).willReturn(aResponse().withBody(BLOB)));
      honest.stubFor(
          head(urlMatching("/v2/.*/blobs/" + DIGEST))
              .willReturn(aResponse().withHeader("Content-Length", "" + BLOB.length)));
      liar.stubFor(
          any(urlMatching("/v2/.*"))
              .atPriority(2)
              .willReturn(aResponse().withStatus(404).withBody("{\"errors\":[]}")));
      liar.stubFor(
          head(urlMatching("/v2/.*"))
              .atPriority(1)
              .willReturn(aResponse().withHeader("Content-Length", "" + BLOB.length)));
      mirror.stubFor(
          get(urlMatching("/v2/.*/blobs/" + DIGEST)).willReturn(aResponse().withBody(BLOB)));
      String yaml =
          "tenancy: open\nupstreams:\n"
              + upstreamEntry("honest.test", honest.port(), true)
              + upstreamEntry("liar.test", liar.port(), false)
              + upstreamEntry("mirror.test", mirror.port(), false)
              + upstreamEntry("alias.test", honest.port(), false);
      try (RunningBerth berth = RunningBerth.start(dir, yaml)) {
        assertArrayEquals(BLOB, berth.get(blobPath + "?ns=honest.test").body());

        HttpResponse<byte[]> stolen = berth.get("/v2/any/thing/blobs/" + DIGEST + "?ns=liar.test");
        assertEquals(404, stolen.statusCode(), "a HEAD from another upstream is no proof");

        // The same upstream's HEAD still proves another of its repositories has the blob.
        HttpResponse<byte[]> sibling =
            berth.get("/v2/team-b/app/blobs/" + DIGEST + "?ns=honest.test");
        assertArrayEquals(BLOB, sibling.body());
        honest.verify(1, getRequestedFor(urlMatching("/v2/.*/blobs/.*")));

        // Another name for the same server (same URL) is the same origin: its HEAD proves too.
        assertArrayEquals(
            BLOB, berth.get("/v2/team-c/app/blobs/" + DIGEST + "?ns=alias.test").body());
        honest.verify(1, getRequestedFor(urlMatching("/v2/.*/blobs/.*")));

        // Another upstream that really serves the bytes proves it by them, once.
        String mirrored = "/v2/library/base/blobs/" + DIGEST + "?ns=mirror.test";
        assertArrayEquals(BLOB, berth.get(mirrored).body());
        assertArrayEquals(BLOB, berth.get(mirrored).body());
        mirror.verify(1, getRequestedFor(urlMatching("/v2/.*/blobs/.*")));
      }
    } finally {
      honest.stop();
      liar.stop();
      mirror.stop();
    }
  }

  /**
   * Issue 13, defect 4: a declared length larger than the room above {@code min-free} is not
   * written (it would fill the node's disk); the blob streams through uncached, verified.
   */
  @Test
  void declaredLengthBeyondFreeSpace_streamsUncached() throws Exception {
    byte[] big = bytes(11, 80 << 20);
    Digest digest = Digest.sha256Of(big);
    byte[] chunked = bytes(12, 80 << 20);
    Digest chunkedDigest = Digest.sha256Of(chunked);
    try (SizeCappedFilesystem fs = SizeCappedFilesystem.mount(dir, 64);
        RawUpstream upstream =
            new RawUpstream(
                (line, out) -> {
                  if (line.contains(digest.toString())) {
                    out.write(RawUpstream.head("200 OK", "Content-Length: " + big.length));
                    out.write(big);
                  } else {
                    out.write(RawUpstream.head("200 OK", "Transfer-Encoding: chunked"));
                    RawUpstream.chunks(out, chunked, 64 << 10);
                  }
                });
        RunningBerth berth =
            RunningBerth.start(
                dir,
                fs.path().resolve("data"),
                config(upstream.url(), "storage:\n  min-free: 1MiB\n"))) {
      HttpResponse<byte[]> r = berth.get("/v2/library/app/blobs/" + digest);
      assertEquals(200, r.statusCode(), () -> new String(r.body(), StandardCharsets.UTF_8));
      assertArrayEquals(big, r.body());
      String metrics = berth.metrics();
      assertTrue(metrics.contains("berth_storage_blobs 0.0"), metrics);
      assertTrue(metrics.contains("berth_uncached_blobs_total 1.0"), metrics);

      // Without a declared length the download stops where the room ends. A client already
      // following it sees a broken transfer (as for any failed download); one that had not
      // started reading gets it uncached. Either way the retry streams it uncached, whole.
      Outcome first = fetch(berth, "/v2/library/app/blobs/" + chunkedDigest);
      assertTrue(
          first.status() == -1 || (first.status() == 200 && Arrays.equals(chunked, first.body())),
          first.toString());
      HttpResponse<byte[]> retry = berth.get("/v2/library/app/blobs/" + chunkedDigest);
      assertEquals(200, retry.statusCode());
      assertArrayEquals(chunked, retry.body());
      assertTrue(berth.metrics().contains("berth_storage_blobs 0.0"));
    }
  }

  private static String upstreamEntry(String name, int port, boolean isDefault) {
    return "  - name: "
        + name
        + "\n    url: http://127.0.0.1:"
        + port
        + "\n    policy: if-not-present\n"
        + (isDefault ? "    default: true\n" : "");
  }

  private static byte[] bytes(long seed, int size) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }
}
