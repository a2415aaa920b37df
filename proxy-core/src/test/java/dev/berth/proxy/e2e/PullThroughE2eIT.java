package dev.berth.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.proxy.server.BerthServer;
import dev.berth.storage.Digest;
import dev.berth.storage.DigestVerifier;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Real clients pull real images from a real registry through berth: Debian's {@code
 * docker-registry} upstream holding images this test builds (gzip'd tar layers, a two-platform
 * index, a 256 MiB layer), {@code skopeo} (routing by a registry host in the path) and containerd's
 * {@code ctr} with a {@code hosts.toml} mirror (routing by {@code ns=}). Every digest must equal
 * the upstream's. The last test stops the upstream.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class PullThroughE2eIT {
  /** The upstream's name when a client puts it in the path (skopeo); policy always. */
  private static final String PATH_NAME = "upstream.e2e.test";

  private Path dir;
  private LocalRegistry registry;
  private BerthServer berth;
  private PushedImage small;
  private PushedImage multi;
  private PushedImage large;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  void start() throws Exception {
    E2eTools.require("docker-registry", "skopeo");
    dir = Files.createTempDirectory("berth-e2e-");
    registry = LocalRegistry.startNew();
    TestImages images = TestImages.pushingTo(registry);
    small = images.smallImage("e2e/small", "1");
    multi = images.multiArchImage("e2e/multi", "1");
    large = images.largeImage("e2e/large", "1", 256L << 20);
    // The default upstream is unreachable on purpose: a request reaches the local registry only
    // when berth routed it by ns= (containerd) or by the host in the path (skopeo).
    String yaml =
        "upstreams:\n"
            + "  - name: docker.io\n"
            + "    url: http://127.0.0.1:9\n"
            + "    default: true\n"
            + "  - name: "
            + registry.hostPort()
            + "\n"
            + "    url: "
            + registry.url()
            + "\n"
            + "    policy: kubernetes\n"
            + "  - name: "
            + PATH_NAME
            + "\n"
            + "    url: "
            + registry.url()
            + "\n"
            + "    policy: always\n";
    Path config = Files.writeString(dir.resolve("berth.yaml"), yaml);
    berth = InProcessBerth.start(config, dir.resolve("data"));
  }

  @AfterAll
  void stop() {
    if (berth != null) {
      berth.close();
    }
    if (registry != null) {
      registry.close();
    }
    if (dir != null) {
      Files2.deleteRecursively(dir);
    }
  }

  private String berthHost() {
    return "127.0.0.1:" + berth.registryPort();
  }

  @Test
  @Order(1)
  void skopeo_multiArchIndex_allPlatformsThroughBerth_digestsEqualUpstream() throws Exception {
    Path out = dir.resolve("skopeo-multi");
    Descriptor top =
        Skopeo.create().copyToOciDir(berthHost() + "/" + PATH_NAME + "/e2e/multi:1", out, true);

    assertEquals(multi.digest(), top.digest());
    Set<String> expected = new HashSet<>(multi.blobDigests());
    expected.addAll(multi.manifestDigests());
    assertEquals(expected, blobsIn(out), "the layout must hold exactly the upstream's content");
  }

  @Test
  @Order(2)
  void skopeo_smallImage_secondPullIsLocal() throws Exception {
    Skopeo skopeo = Skopeo.create();
    Descriptor first =
        skopeo.copyToOciDir(
            berthHost() + "/" + PATH_NAME + "/e2e/small:1", dir.resolve("s1"), false);
    assertEquals(small.digest(), first.digest());
    assertEquals(blobsOf(small), blobsIn(dir.resolve("s1")));

    registry.clearAccessLog();
    Descriptor second =
        skopeo.copyToOciDir(
            berthHost() + "/" + PATH_NAME + "/e2e/small:1", dir.resolve("s2"), false);
    assertEquals(small.digest(), second.digest());
    // Policy always: one HEAD to resolve the tag, and nothing else.
    assertEquals(0, registry.countRequests("GET", "/v2/e2e/small/.*"));
    assertEquals(1, registry.countRequests("HEAD", "/v2/e2e/small/manifests/1"));
  }

  /**
   * Issue 13, defect 1: tag lists and referrers must answer through berth against the real
   * registry. distribution 2.8 has no referrers API (404): berth answers the empty index the OCI
   * spec gives for a manifest nobody refers to; a registry with the API is covered by ListingTest's
   * fake.
   */
  @Test
  @Order(2)
  void tagsAndReferrers_listedThroughBerth_asTheRegistryAnswers() throws Exception {
    HttpResponse<String> direct =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://" + registry.hostPort() + "/v2/e2e/small/tags/list"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> through =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://" + berthHost() + "/v2/" + PATH_NAME + "/e2e/small/tags/list"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, through.statusCode(), through.body());
    assertEquals(
        new io.vertx.core.json.JsonObject(direct.body()).getJsonArray("tags"),
        new io.vertx.core.json.JsonObject(through.body()).getJsonArray("tags"));

    HttpResponse<String> referrers =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://"
                            + berthHost()
                            + "/v2/"
                            + PATH_NAME
                            + "/e2e/small/referrers/"
                            + small.digest()))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, referrers.statusCode(), referrers.body());
    assertEquals(
        "application/vnd.oci.image.index.v1+json",
        referrers.headers().firstValue("Content-Type").orElse(""));
    assertEquals(
        0,
        new io.vertx.core.json.JsonObject(referrers.body()).getJsonArray("manifests").size(),
        referrers.body());
  }

  @Test
  @Order(3)
  void containerd_hostsTomlMirror_routesByNs_digestEqualsUpstream() throws Exception {
    E2eTools.require("containerd", "ctr");
    E2eTools.requireRoot("containerd");
    Path hosts = dir.resolve("certs.d");
    // Mirror = berth; server = an address that refuses, so only the mirror can serve the pull.
    Containerd.writeHostsToml(
        hosts, registry.hostPort(), "http://" + berthHost(), "http://127.0.0.1:9");
    try (Containerd containerd = Containerd.start()) {
      registry.clearAccessLog();
      String ref = registry.hostPort() + "/e2e/multi:1";
      String pulled = containerd.pullAllPlatforms(ref, hosts, true);
      assertEquals(multi.digest(), pulled);
      assertTrue(containerd.isComplete(ref), "containerd has every blob of the image");
      assertTrue(
          registry.countRequests("GET", "/v2/e2e/multi/(manifests|blobs)/.*") == 0,
          "multi was cached by the skopeo test: containerd must have been served by berth alone");
    }
  }

  @Test
  @Order(4)
  void largeLayer_16ConcurrentColdPulls_oneUpstreamGet_identicalBytes() throws Exception {
    Descriptor layer = large.platforms().get(0).layers().get(0);
    assertTrue(layer.size() >= 256L << 20, "layer is " + layer.size());
    registry.clearAccessLog();
    URI url =
        URI.create(
            "http://" + berthHost() + "/v2/" + PATH_NAME + "/e2e/large/blobs/" + layer.digest());
    // The clients are curl processes, so this JVM's heap holds berth (and the test) only.
    List<Process> pulls = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      pulls.add(
          new ProcessBuilder("sh", "-c", "curl -sf '" + url + "' | sha256sum")
              .redirectErrorStream(true)
              .start());
    }
    for (Process pull : pulls) {
      if (!pull.waitFor(60, TimeUnit.SECONDS)) {
        // Far slower than it should be (seconds): record where berth's threads are, for the
        // report, before waiting on.
        Thread.getAllStackTraces()
            .forEach(
                (thread, stack) -> {
                  System.err.println("thread " + thread.getName() + " " + thread.getState());
                  for (StackTraceElement frame : stack) {
                    System.err.println("    at " + frame);
                  }
                });
        System.err.println("registry requests: " + registry.accessLog());
        HttpResponse<String> metrics =
            http.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + berth.adminPort() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        for (String line : metrics.body().split("\n")) {
          if (line.startsWith("berth_") && !line.contains("_bucket")) {
            System.err.println(line);
          }
        }
      }
      assertTrue(pull.waitFor(180, TimeUnit.SECONDS), "curl did not finish");
      String out =
          new String(pull.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertEquals(layer.digest(), "sha256:" + out.trim().split("\\s+")[0], out);
    }
    assertEquals(1, registry.countRequests("GET", "/v2/e2e/large/blobs/" + layer.digest()));
  }

  @Test
  @Order(5)
  void upstreamStopped_digestAndIfNotPresentPullsWork_alwaysServesStaleOrFailsClearly()
      throws Exception {
    registry.stop();
    try {
      Skopeo skopeo = Skopeo.create();
      // By digest: immutable, served from cache whatever the policy.
      Descriptor byDigest =
          skopeo.copyToOciDir(
              berthHost() + "/" + PATH_NAME + "/e2e/small@" + small.digest(),
              dir.resolve("d1"),
              false);
      assertEquals(small.digest(), byDigest.digest());

      // Tag "1" under policy kubernetes behaves as if-not-present: served from cache (routed by
      // ns).
      HttpResponse<String> tag =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(
                          "http://"
                              + berthHost()
                              + "/v2/e2e/multi/manifests/1?ns="
                              + registry.hostPort().replace(":", "%3A")))
                  .header("Accept", E2eMediaTypes.OCI_INDEX)
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, tag.statusCode(), tag.body());
      assertEquals(multi.digest(), tag.headers().firstValue("Docker-Content-Digest").orElse(""));

      // Policy always must ask the upstream, which is down: the cached resolution is served stale
      // (stale-if-error, within max-stale), and a tag never resolved fails with an error naming
      // the upstream.
      Descriptor stale =
          skopeo.copyToOciDir(
              berthHost() + "/" + PATH_NAME + "/e2e/small:1", dir.resolve("d2"), false);
      assertEquals(small.digest(), stale.digest());
      CommandFailedException e =
          assertThrows(
              CommandFailedException.class,
              () ->
                  skopeo.copyToOciDir(
                      berthHost() + "/" + PATH_NAME + "/e2e/small:never-pulled",
                      dir.resolve("d3"),
                      false));
      assertTrue(e.getMessage().contains(PATH_NAME), e.getMessage());
    } finally {
      registry.start();
    }
  }

  private static Set<String> blobsOf(PushedImage image) {
    Set<String> all = new HashSet<>(image.blobDigests());
    all.addAll(image.manifestDigests());
    return all;
  }

  private static Set<String> blobsIn(Path layout) throws Exception {
    Set<String> digests = new HashSet<>();
    try (Stream<Path> files = Files.list(layout.resolve("blobs").resolve("sha256"))) {
      files.forEach(f -> digests.add("sha256:" + f.getFileName()));
    }
    return digests;
  }

  private static String sha256(HttpResponse<InputStream> response) {
    if (response.statusCode() != 200) {
      throw new AssertionError("status " + response.statusCode());
    }
    DigestVerifier verifier = Digest.parse("sha256:" + "0".repeat(64)).newVerifier();
    byte[] buffer = new byte[1 << 16];
    try (InputStream in = response.body()) {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        verifier.update(buffer, 0, n);
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return verifier.finish().toString();
  }
}
