package dev.berth.proxy.blackbox;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.berth.proxy.cli.BerthCli;
import dev.berth.proxy.e2e.S3ProxyProcess;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Cluster-tier replicas on one bucket of a real S3 API server (s3proxy in its own process), under
 * node berths, with the embedded defaults otherwise: what one replica fetched, another serves
 * without asking the registry for the bytes again, and a replica that lost its local disk still has
 * everything.
 */
class ObjectStorageTierIT {
  @TempDir Path dir;
  private S3ProxyProcess s3;
  private WireMockServer registry;

  @BeforeEach
  void start() throws Exception {
    s3 = S3ProxyProcess.start(dir.resolve("s3"));
    registry = new WireMockServer(options().dynamicPort());
    registry.start();
  }

  @AfterEach
  void stop() {
    registry.stop();
    s3.close();
  }

  private String upstreams(String parent) {
    return "upstreams:\n  - name: registry.test\n    url: http://127.0.0.1:"
        + registry.port()
        + "\n    default: true\n"
        + parent;
  }

  private RunningBerth replica(String name) throws Exception {
    Path home = Files.createDirectories(dir.resolve(name));
    return RunningBerth.start(home, upstreams("") + s3.clusterYaml("tier/"));
  }

  private RunningBerth node(String name, RunningBerth parent) throws Exception {
    Path home = Files.createDirectories(dir.resolve(name));
    return RunningBerth.start(
        home, upstreams("    parent: http://127.0.0.1:" + parent.registryPort() + "\n"));
  }

  private void publicImage(StubImage image) {
    image.stub(registry);
    registry.stubFor(
        get(urlEqualTo("/v2/" + image.repository + "/tags/list?n=1"))
            .willReturn(aResponse().withStatus(200).withBody("{\"tags\":[\"1\"]}")));
  }

  private static void pull(RunningBerth berth, StubImage image) throws Exception {
    HttpResponse<byte[]> manifest =
        berth.get(
            "/v2/" + image.repository + "/manifests/" + image.tag,
            "Accept",
            StubImage.OCI_MANIFEST);
    assertEquals(200, manifest.statusCode(), new String(manifest.body()));
    assertArrayEquals(image.manifest, manifest.body());
    HttpResponse<byte[]> layer =
        berth.get("/v2/" + image.repository + "/blobs/" + image.layerDigest);
    assertEquals(200, layer.statusCode());
    assertArrayEquals(image.layer, layer.body());
  }

  private int layerGets(StubImage image) {
    return registry
        .findAll(
            getRequestedFor(urlEqualTo("/v2/" + image.repository + "/blobs/" + image.layerDigest)))
        .size();
  }

  @Test
  void whatOneReplicaFetched_anotherServes_andTheBucketHoldsItUnderItsDigest() throws Exception {
    StubImage image = new StubImage("team/app", "1", 6 << 20, 21); // more than one 5 MiB part
    publicImage(image);
    try (RunningBerth a = replica("replica-a");
        RunningBerth b = replica("replica-b");
        RunningBerth nodeA = node("node-a", a);
        RunningBerth nodeB = node("node-b", b)) {
      pull(nodeA, image);
      Path object = s3.bucketDir().resolve("tier/blobs/sha256/" + image.layerDigest.hex());
      long deadline = System.nanoTime() + 20_000_000_000L;
      while (!Files.exists(object) && System.nanoTime() < deadline) {
        Thread.sleep(20); // the commit follows the client's last byte
      }
      assertTrue(Files.exists(object), "no object " + object);
      assertArrayEquals(image.layer, Files.readAllBytes(object), "the object is the blob");

      pull(nodeB, image);

      assertEquals(1, layerGets(image), "replica b downloaded the layer again");
    }
  }

  @Test
  void aReplicaThatLostItsLocalDisk_servesFromTheBucket() throws Exception {
    StubImage image = new StubImage("team/app", "2", 300_000, 22);
    publicImage(image);
    try (RunningBerth a = replica("replica-a")) {
      pull(a, image);
      a.awaitMetric("berth_storage_blobs 1.0");
    }

    try (RunningBerth fresh = replica("replica-a-new-disk")) {
      pull(fresh, image);
    }

    assertEquals(1, layerGets(image));
  }

  /**
   * {@code berth verify} and {@code berth gc} on a stopped replica work on what it serves: the
   * bucket's blobs beside its local store (the local store alone holds no blob).
   */
  @Test
  void theCommandsOfAReplica_workOnTheBucket() throws Exception {
    StubImage image = new StubImage("team/app", "4", 300_000, 24);
    publicImage(image);
    Path home = Files.createDirectories(dir.resolve("replica-cli"));
    try (RunningBerth a = RunningBerth.start(home, upstreams("") + s3.clusterYaml("tier/"))) {
      pull(a, image);
      a.awaitMetric("berth_storage_blobs 1.0");
    }
    Path object = s3.bucketDir().resolve("tier/blobs/sha256/" + image.layerDigest.hex());
    assertTrue(Files.exists(object));
    String[] where = {
      "--config", home.resolve("config.yaml").toString(), "--data", home.resolve("data").toString()
    };

    StringWriter out = new StringWriter();
    assertEquals(0, cli(out, "verify", where), out.toString());
    assertTrue(out.toString().contains("verified 1 blobs"), out.toString());

    out = new StringWriter();
    assertEquals(0, cli(out, "gc", where, "--max-size", "1KiB"), out.toString());
    assertTrue(out.toString().contains("evicted 1 blobs"), out.toString());
    assertTrue(Files.notExists(object), "gc left the object in the bucket");
  }

  private static int cli(StringWriter out, String command, String[] where, String... more) {
    CommandLine cli = BerthCli.commandLine();
    cli.setOut(new PrintWriter(out));
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err));
    List<String> args = new ArrayList<>(List.of(command));
    args.addAll(List.of(where));
    args.addAll(List.of(more));
    int code = cli.execute(args.toArray(String[]::new));
    out.append(err.toString());
    return code;
  }

  @Test
  void bucketDown_theNodesPullFromTheRegistry() throws Exception {
    StubImage image = new StubImage("team/app", "3", 100_000, 23);
    publicImage(image);
    try (RunningBerth tier = replica("replica-a");
        RunningBerth node = node("node-a", tier)) {
      s3.close();

      pull(node, image);

      assertEquals(1, layerGets(image), "the node fetched the layer from the registry itself");
    }
  }
}
