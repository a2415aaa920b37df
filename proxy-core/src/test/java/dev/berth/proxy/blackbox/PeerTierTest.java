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
import dev.berth.proxy.config.HostPort;
import dev.berth.proxy.e2e.FreePorts;
import dev.berth.proxy.upstream.PeerRing;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three cluster-tier replicas with {@code cluster.peers}, each blob owned by one of them: however
 * the pulls spread over the replicas, the registry sees one GET per blob; a replica whose owner is
 * gone fetches the blob itself; a request with a wrong peer token is refused.
 */
class PeerTierTest {
  private static final String TOKEN = "a-shared-tier-secret-0123456789";

  @TempDir Path dir;
  private WireMockServer registry;
  private final List<RunningBerth> replicas = new ArrayList<>();
  private int[] ports;

  @BeforeEach
  void start() throws Exception {
    registry = new WireMockServer(options().dynamicPort());
    registry.start();
    Files.writeString(dir.resolve("peer-token"), TOKEN + "\n");
    ports = new int[] {FreePorts.next(), FreePorts.next(), FreePorts.next()};
    List<Integer> all = java.util.Arrays.stream(ports).boxed().toList();
    for (int i = 0; i < ports.length; i++) {
      replicas.add(replica("replica-" + i, ports[i], all));
    }
  }

  @AfterEach
  void stop() {
    replicas.forEach(RunningBerth::close);
    registry.stop();
  }

  private StubImage publicImage(String repository, int seed) {
    return publicImage(new StubImage(repository, "1", 200_000, seed));
  }

  private StubImage publicImage(StubImage stub) {
    StubImage image = stub.stub(registry);
    String repository = image.repository;
    registry.stubFor(
        get(urlEqualTo("/v2/" + repository + "/tags/list?n=1"))
            .willReturn(aResponse().withStatus(200).withBody("{\"tags\":[\"1\"]}")));
    return image;
  }

  private static byte[] layer(RunningBerth berth, StubImage image, String... headers)
      throws Exception {
    HttpResponse<byte[]> r =
        berth.get("/v2/" + image.repository + "/blobs/" + image.layerDigest, headers);
    assertEquals(200, r.statusCode(), new String(r.body()));
    return r.body();
  }

  private int layerGets(StubImage image) {
    return registry
        .findAll(
            getRequestedFor(urlEqualTo("/v2/" + image.repository + "/blobs/" + image.layerDigest)))
        .size();
  }

  @Test
  void concurrentPullsOverAllReplicas_oneRegistryGetPerBlob() throws Exception {
    List<StubImage> images = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      images.add(publicImage("team/app" + i, 100 + i));
    }
    List<CompletableFuture<Void>> pulls = new ArrayList<>();
    for (StubImage image : images) {
      for (RunningBerth replica : replicas) {
        pulls.add(
            CompletableFuture.runAsync(
                () -> {
                  try {
                    assertArrayEquals(image.layer, layer(replica, image));
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                }));
      }
    }
    CompletableFuture.allOf(pulls.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

    for (StubImage image : images) {
      assertEquals(1, layerGets(image), image.repository + " was downloaded more than once");
    }
  }

  @Test
  void ownerGone_theOthersFetchTheBlobThemselves() throws Exception {
    List<StubImage> images = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      images.add(publicImage("team/lib" + i, 200 + i));
    }
    replicas.get(0).close(); // some of the six blobs were its own

    for (StubImage image : images) {
      assertArrayEquals(image.layer, layer(replicas.get(1), image));
      assertArrayEquals(image.layer, layer(replicas.get(2), image));
    }
    // Who owned what, as the replicas compute it (from a port none of them has).
    PeerRing ring =
        new PeerRing(
            java.util.Arrays.stream(ports).mapToObj(p -> new HostPort("127.0.0.1", p)).toList(),
            1,
            TOKEN.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    ring.refresh();
    int orphaned = 0;
    for (StubImage image : images) {
      boolean ownerGone = ring.owner(image.layerDigest).orElseThrow().getPort() == ports[0];
      orphaned += ownerGone ? 1 : 0;
      assertEquals(
          ownerGone ? 2 : 1,
          layerGets(image),
          image.repository + (ownerGone ? ": each replica fetches it itself" : ": from its owner"));
    }
    assertTrue(orphaned > 0 && orphaned < images.size(), "the seeds cover both cases");
  }

  @Test
  void aWrongPeerToken_isRefused() throws Exception {
    StubImage image = publicImage("team/app", 7);
    HttpResponse<byte[]> r =
        replicas
            .get(0)
            .get("/v2/team/app/blobs/" + image.layerDigest, "Berth-Peer", "not-the-tier-secret");
    assertEquals(401, r.statusCode());
    assertEquals(0, layerGets(image));
  }

  @Test
  void replicasDisagreeingOnTheOwner_doNotWaitForEachOther() throws Exception {
    // Two more replicas whose views differ, as while a pod is not ready yet and missing from the
    // headless Service's answer: d does not see itself, so e owns everything for it; e sees both,
    // and for the blob chosen below names d.
    int d = FreePorts.next();
    int e = FreePorts.next();
    PeerRing seenByE = ring(List.of(d, e));
    StubImage image = null;
    for (int seed = 300; seed < 400 && image == null; seed++) {
      StubImage candidate = new StubImage("team/split", "1", 150_000, seed);
      if (seenByE.owner(candidate.layerDigest).map(u -> u.getPort() == d).orElse(false)) {
        image = candidate;
      }
    }
    assertTrue(image != null, "no seed in 100 gives d the blob in e's view");
    StubImage split = publicImage(image);
    try (RunningBerth replicaD = replica("replica-d", d, List.of(e));
        RunningBerth replicaE = replica("replica-e", e, List.of(d, e))) {
      CompletableFuture<byte[]> viaD =
          CompletableFuture.supplyAsync(() -> layerOrFail(replicaD, split));
      CompletableFuture<byte[]> viaE =
          CompletableFuture.supplyAsync(() -> layerOrFail(replicaE, split));

      assertArrayEquals(split.layer, viaD.get(20, TimeUnit.SECONDS), "d waited for e");
      assertArrayEquals(split.layer, viaE.get(20, TimeUnit.SECONDS), "e waited for d");
    }
  }

  private PeerRing ring(List<Integer> peerPorts) {
    PeerRing ring =
        new PeerRing(
            peerPorts.stream().map(p -> new HostPort("127.0.0.1", p)).toList(),
            1,
            TOKEN.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    ring.refresh();
    return ring;
  }

  private RunningBerth replica(String name, int port, List<Integer> peerPorts) throws Exception {
    Path home = Files.createDirectories(dir.resolve(name));
    StringBuilder peers = new StringBuilder();
    for (int p : peerPorts) {
      peers.append("    - 127.0.0.1:").append(p).append('\n');
    }
    String yaml =
        "upstreams:\n  - name: registry.test\n    url: http://127.0.0.1:"
            + registry.port()
            + "\n    default: true\n"
            + "cluster:\n  peer-token-file: "
            + dir.resolve("peer-token")
            + "\n  peers:\n"
            + peers;
    return RunningBerth.start(home, home.resolve("data"), yaml, "127.0.0.1:" + port);
  }

  private static byte[] layerOrFail(RunningBerth berth, StubImage image) {
    try {
      return layer(berth, image);
    } catch (Exception ex) {
      throw new IllegalStateException(ex);
    }
  }
}
