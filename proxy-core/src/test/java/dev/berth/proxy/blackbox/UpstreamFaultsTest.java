package dev.berth.proxy.blackbox;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.headRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import dev.berth.proxy.upstream.UpstreamException;
import dev.berth.storage.Digest;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Upstream faults, one by one: whatever the upstream does wrong, the client gets a clear error
 * quickly (never a hang, never a wrong blob taken as complete), nothing is cached, and once the
 * upstream behaves the same request succeeds.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UpstreamFaultsTest {
  private static final String REPO = "library/app";
  private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  private static final byte[] BLOB = randomBytes(3, 256 << 10);
  private static final String BLOB_PATH = "/v2/" + REPO + "/blobs/" + Digest.sha256Of(BLOB);

  @TempDir Path dir;
  private WireMockServer upstream;
  private RunningBerth berth;

  @BeforeEach
  void start() throws IOException {
    upstream = new WireMockServer(options().dynamicPort());
    upstream.start();
    berth =
        RunningBerth.start(
            dir,
            RunningBerth.oneUpstream(
                "upstream.test", "http://127.0.0.1:" + upstream.port(), "kubernetes"));
  }

  @AfterEach
  void stop() {
    berth.close();
    upstream.stop();
  }

  /**
   * Each fault, and whether berth's error answer says the registry failed ({@link
   * UpstreamException#RELAYED_HEADER}, which a node below takes as final): a 5xx or wrong bytes are
   * the registry's answer; a connection that broke is not (a node may reach the registry better
   * itself).
   */
  static Stream<Arguments> blobFaults() {
    return Stream.of(
        Arguments.of(
            "connection reset", aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER), false),
        Arguments.of("empty response", aResponse().withFault(Fault.EMPTY_RESPONSE), false),
        Arguments.of(
            "malformed chunk", aResponse().withFault(Fault.MALFORMED_RESPONSE_CHUNK), false),
        Arguments.of(
            "garbage then close", aResponse().withFault(Fault.RANDOM_DATA_THEN_CLOSE), false),
        Arguments.of("500", aResponse().withStatus(500), true),
        Arguments.of("503", aResponse().withStatus(503).withHeader("Retry-After", "7"), true),
        Arguments.of(
            "too few bytes",
            aResponse().withStatus(200).withBody(Arrays.copyOf(BLOB, BLOB.length - 100)),
            true),
        Arguments.of(
            "too many bytes",
            aResponse().withStatus(200).withBody(Arrays.copyOf(BLOB, BLOB.length + 100)),
            true),
        Arguments.of(
            "a different blob",
            aResponse().withStatus(200).withBody(randomBytes(4, BLOB.length)),
            true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("blobFaults")
  void blobFault_clientGetsAnErrorNothingIsCached_thenAGoodUpstreamServes(
      String fault, ResponseDefinitionBuilder answer, boolean registryFailed) throws Exception {
    upstream.stubFor(get(urlEqualTo(BLOB_PATH)).willReturn(answer));

    long started = System.nanoTime();
    assertFailed(BLOB_PATH, BLOB, registryFailed);
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertTrue(millis < 10_000, fault + " took " + millis + " ms to report");

    upstream.resetAll();
    upstream.stubFor(
        get(urlEqualTo(BLOB_PATH)).willReturn(aResponse().withStatus(200).withBody(BLOB)));
    HttpResponse<byte[]> good = berth.get(BLOB_PATH);
    assertEquals(200, good.statusCode());
    assertArrayEquals(BLOB, good.body());
    assertEquals(
        1,
        upstream.findAll(getRequestedFor(urlEqualTo(BLOB_PATH))).size(),
        "the failed transfer left nothing behind: the good one was fetched, once");
    assertArrayEquals(BLOB, berth.get(BLOB_PATH).body(), "now a hit");
    assertEquals(1, upstream.findAll(getRequestedFor(urlEqualTo(BLOB_PATH))).size());
  }

  static Stream<Arguments> manifestFaults() {
    return Stream.of(
        Arguments.of("connection reset", aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)),
        Arguments.of("malformed chunk", aResponse().withFault(Fault.MALFORMED_RESPONSE_CHUNK)),
        Arguments.of("502", aResponse().withStatus(502)),
        Arguments.of(
            "a body that is not the digest",
            aResponse()
                .withStatus(200)
                .withHeader("Content-Type", OCI_MANIFEST)
                .withBody("{\"schemaVersion\":2,\"layers\":[]}")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("manifestFaults")
  void manifestByDigestFault_clientGetsAnError_nothingIsCached(
      String fault, ResponseDefinitionBuilder answer) throws Exception {
    byte[] manifest =
        ("{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\",\"layers\":[]}")
            .getBytes(StandardCharsets.UTF_8);
    String path = "/v2/" + REPO + "/manifests/" + Digest.sha256Of(manifest);
    upstream.stubFor(get(urlEqualTo(path)).willReturn(answer));

    HttpResponse<byte[]> failed = berth.get(path, "Accept", OCI_MANIFEST);
    assertTrue(
        failed.statusCode() == 502 || failed.statusCode() == 503,
        fault + ": " + failed.statusCode());

    upstream.resetAll();
    upstream.stubFor(
        get(urlEqualTo(path))
            .willReturn(
                aResponse()
                    .withStatus(200)
                    .withHeader("Content-Type", OCI_MANIFEST)
                    .withBody(manifest)));
    HttpResponse<byte[]> good = berth.get(path, "Accept", OCI_MANIFEST);
    assertEquals(200, good.statusCode());
    assertArrayEquals(manifest, good.body());
  }

  @Test
  void tag429WithRetryAfter_passedOnAndHonouredWithoutCallingAgain() throws Exception {
    String path = "/v2/" + REPO + "/manifests/latest";
    upstream.stubFor(
        head(urlEqualTo(path))
            .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "120")));

    HttpResponse<byte[]> limited = berth.get(path, "Accept", OCI_MANIFEST);
    assertEquals(429, limited.statusCode());
    assertEquals("120", limited.headers().firstValue("Retry-After").orElse(""));
    assertTrue(new String(limited.body(), StandardCharsets.UTF_8).contains("TOOMANYREQUESTS"));

    // Inside the window set by Retry-After berth does not ask again, and says when it will.
    HttpResponse<byte[]> fast = berth.get(path, "Accept", OCI_MANIFEST);
    assertEquals(503, fast.statusCode());
    long retryAfter = Long.parseLong(fast.headers().firstValue("Retry-After").orElse("0"));
    assertTrue(retryAfter > 100 && retryAfter <= 121, "Retry-After " + retryAfter);
    assertEquals(1, upstream.findAll(headRequestedFor(urlEqualTo(path))).size());
  }

  private void assertFailed(String path, byte[] real) throws Exception {
    assertFailed(path, real, null);
  }

  /**
   * @param registryFailed whether the answer must (true) or must not (false) say the registry
   *     failed; null: either
   */
  private void assertFailed(String path, byte[] real, Boolean registryFailed) throws Exception {
    try {
      HttpResponse<byte[]> r = berth.get(path);
      assertTrue(
          r.statusCode() == 502 || r.statusCode() == 503,
          "expected 502 or 503, got " + r.statusCode());
      assertTrue(new String(r.body(), StandardCharsets.UTF_8).contains("\"errors\""));
      if (registryFailed != null) {
        assertEquals(
            registryFailed,
            r.headers().firstValue(UpstreamException.RELAYED_HEADER).isPresent(),
            "which failure a node below takes as final: " + r.headers());
      }
    } catch (IOException cut) {
      // Cut mid-stream: the client cannot take a truncated body as the blob.
    }
  }

  private static byte[] randomBytes(long seed, int size) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }
}
