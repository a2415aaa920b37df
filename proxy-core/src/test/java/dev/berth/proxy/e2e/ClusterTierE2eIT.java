package dev.berth.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.proxy.config.HostPort;
import dev.berth.proxy.server.BerthServer;
import dev.berth.proxy.upstream.PeerRing;
import dev.berth.storage.Digest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The cluster tier with real processes: Debian's {@code docker-registry} upstream, three tier
 * replicas (the berth jar, each its own process) on one s3proxy bucket with {@code cluster.peers},
 * and two node berths whose upstream has the tier as {@code parent}; skopeo and containerd pull
 * through the nodes. Eight concurrent cold pulls over both nodes make one registry GET per blob; a
 * replica killed (SIGKILL) mid-download fails no pull; with the whole tier down the nodes pull from
 * the registry, and a node restarted then serves from its cache; a private image (an htpasswd
 * registry) reaches only clients with its credentials, whichever node they use. The embedded
 * defaults otherwise (tenancy verify).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class ClusterTierE2eIT {
  private static final String TOKEN = "e2e-tier-secret-0123456789abcdef";

  private Path dir;
  private LocalRegistry registry;
  private LocalRegistry privateRegistry;
  private static final Credentials ALICE = new Credentials("alice", "alice-pw");
  private S3ProxyProcess s3;
  private final List<BerthProcess> replicas = new ArrayList<>();
  private int[] replicaPorts;
  private BerthServer nodeA;
  private BerthServer nodeB;
  private PushedImage large;
  private PushedImage small;
  private PushedImage killed;
  private PushedImage later;
  private PushedImage secret;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  void start() throws Exception {
    E2eTools.require("docker-registry", "skopeo");
    dir = Files.createTempDirectory("berth-cluster-e2e-");
    registry = LocalRegistry.startNew();
    TestImages images = TestImages.pushingTo(registry);
    large = images.push(TestImages.largeLayout(48L << 20, 31), "e2e/large", "1");
    small = images.smallImage("e2e/small", "1", 32);
    killed = images.push(TestImages.largeLayout(160L << 20, 33), "e2e/killed", "1");
    later = images.smallImage("e2e/later", "1", 34);
    privateRegistry = LocalRegistry.startNewWithHtpasswd(java.util.Map.of("alice", "alice-pw"));
    secret =
        TestImages.pushingTo(privateRegistry)
            .withCredentials(ALICE)
            .smallImage("team/secret", "1", 35);
    s3 = S3ProxyProcess.start(dir.resolve("s3"));
    Files.createDirectories(dir.resolve("pulls"));

    replicaPorts = new int[] {FreePorts.next(), FreePorts.next(), FreePorts.next()};
    Path token = Files.writeString(dir.resolve("peer-token"), TOKEN);
    StringBuilder tier =
        new StringBuilder(upstream(""))
            .append(s3.clusterYaml("tier/"))
            .append("  peer-token-file: ")
            .append(token)
            .append("\n  peers:\n");
    for (int port : replicaPorts) {
      tier.append("    - 127.0.0.1:").append(port).append('\n');
    }
    Path tierConfig = Files.writeString(dir.resolve("tier.yaml"), tier.toString());
    for (int i = 0; i < replicaPorts.length; i++) {
      replicas.add(
          BerthProcess.start(
              dir, tierConfig, dir.resolve("replica-" + i), replicaPorts[i], "replica-" + i));
    }
    nodeA = node("node-a", replicaPorts[0]);
    nodeB = node("node-b", replicaPorts[1]);
  }

  /**
   * The registry twice: as the default upstream (skopeo names no registry in the path) and under
   * its host:port (containerd's {@code ns=}); the private registry (htpasswd) as {@code
   * private.e2e.test}; {@code extra} goes into every entry.
   */
  private String upstream(String extra) {
    return "upstreams:\n  - name: upstream.e2e.test\n    url: "
        + registry.url()
        + "\n    default: true\n"
        + extra
        + "  - name: "
        + registry.hostPort()
        + "\n    url: "
        + registry.url()
        + "\n"
        + extra
        + "  - name: private.e2e.test\n    url: "
        + privateRegistry.url()
        + "\n"
        + extra;
  }

  private BerthServer node(String name, int parentPort) throws Exception {
    Path config =
        Files.writeString(
            dir.resolve(name + ".yaml"),
            upstream("    parent: http://127.0.0.1:" + parentPort + "\n"));
    return InProcessBerth.start(config, dir.resolve(name));
  }

  @AfterAll
  void stop() {
    for (BerthServer node : new BerthServer[] {nodeA, nodeB}) {
      if (node != null) {
        node.close();
      }
    }
    replicas.forEach(BerthProcess::close);
    if (s3 != null) {
      s3.close();
    }
    if (registry != null) {
      registry.close();
    }
    if (privateRegistry != null) {
      privateRegistry.close();
    }
    if (dir != null) {
      Files2.deleteRecursively(dir);
    }
  }

  private String pullWithSkopeo(BerthServer node, PushedImage image, String name) {
    Path out = dir.resolve("pulls").resolve(name);
    return Skopeo.create()
        .copyToOciDir(
            "127.0.0.1:" + node.registryPort() + "/" + image.repository() + ":" + image.tag(),
            out,
            false)
        .digest();
  }

  /**
   * The WARN and ERROR lines of the replicas' logs: why a replica went to the registry itself (its
   * blob's owner did not answer) when a registry GET too many shows up.
   */
  private String replicaWarnings() throws IOException {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < replicas.size(); i++) {
      Path log = dir.resolve("replica-" + i + ".log");
      if (Files.exists(log)) {
        for (String line : Files.readAllLines(log)) {
          if (line.contains(" WARN ") || line.contains(" ERROR ")) {
            out.append("replica-").append(i).append(": ").append(line).append('\n');
          }
        }
      }
    }
    return out.toString();
  }

  private long blobGets(PushedImage image, String digest) {
    return registry.countRequests("GET", "/v2/" + image.repository() + "/blobs/" + digest);
  }

  @Test
  @Order(1)
  void eightConcurrentColdPulls_overBothNodes_oneRegistryGetPerBlob() throws Exception {
    List<CompletableFuture<String>> pulls = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      BerthServer node = i % 2 == 0 ? nodeA : nodeB;
      String name = "large-" + i;
      pulls.add(CompletableFuture.supplyAsync(() -> pullWithSkopeo(node, large, name)));
    }
    for (CompletableFuture<String> pull : pulls) {
      assertEquals(large.digest(), pull.get(300, TimeUnit.SECONDS));
    }

    for (String blob : large.blobDigests()) {
      assertEquals(
          1,
          blobGets(large, blob),
          blob
              + ": "
              + String.join("\n", registry.accessLog())
              + "\nreplicas' warnings:\n"
              + replicaWarnings());
    }
    Path object = s3.bucketDir().resolve("tier/blobs/sha256/" + hexOf(large));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!Files.exists(object) && System.nanoTime() < deadline) {
      Thread.sleep(50); // the upload completes after the clients' last byte
    }
    assertTrue(Files.exists(object), "the tier's bucket holds the layer: " + object);
  }

  private static String hexOf(PushedImage image) {
    return image.platforms().get(0).layers().get(0).hex();
  }

  @Test
  @Order(2)
  void containerd_throughANode_thenTheOtherNodeFromTheTier() throws Exception {
    E2eTools.require("containerd", "ctr");
    E2eTools.requireRoot("containerd");
    Path hosts = dir.resolve("certs.d");
    Containerd.writeHostsToml(
        hosts,
        registry.hostPort(),
        "http://127.0.0.1:" + nodeB.registryPort(),
        "http://127.0.0.1:9");
    try (Containerd containerd = Containerd.start()) {
      String ref = registry.hostPort() + "/" + small.repository() + ":" + small.tag();
      assertEquals(small.digest(), containerd.pull(ref, hosts, true));
      assertTrue(containerd.isComplete(ref));
    }
    assertEquals(small.digest(), pullWithSkopeo(nodeA, small, "small-a"));

    for (String blob : small.blobDigests()) {
      assertEquals(1, blobGets(small, blob), blob + " was fetched from the registry again");
    }
  }

  /**
   * Alice's pull through node A puts the private image in node A's cache and the tier's bucket;
   * neither a wrong password nor no credentials get it from either node (each tier checks the
   * client's credentials, the node forwarding only the client's own); alice then gets it through
   * node B from the tier, without another registry GET.
   */
  @Test
  @Order(3)
  void aPrivateImage_staysPrivateAcrossTheTiers() {
    Skopeo alice = Skopeo.create().withCredentials(ALICE);
    assertEquals(
        secret.digest(), alice.copyToOciDir(secretRef(nodeA), pullDir("secret-a"), false).digest());

    for (BerthServer node : new BerthServer[] {nodeA, nodeB}) {
      for (Skopeo other :
          new Skopeo[] {
            Skopeo.create().withCredentials(new Credentials("alice", "guess")), Skopeo.create()
          }) {
        CommandFailedException refused =
            assertThrows(
                CommandFailedException.class,
                () -> other.copyToOciDir(secretRef(node), pullDir("refused"), false));
        assertTrue(
            refused.getMessage().toLowerCase(java.util.Locale.ROOT).contains("unauthorized"),
            refused.getMessage());
      }
    }

    assertEquals(
        secret.digest(), alice.copyToOciDir(secretRef(nodeB), pullDir("secret-b"), false).digest());
    for (String blob : secret.blobDigests()) {
      assertEquals(
          1,
          privateRegistry.countRequests("GET", "/v2/team/secret/blobs/" + blob),
          blob + " was fetched from the registry again");
    }
  }

  private static String secretRef(BerthServer node) {
    return "127.0.0.1:" + node.registryPort() + "/private.e2e.test/team/secret:1";
  }

  private Path pullDir(String name) {
    return dir.resolve("pulls").resolve(name + "-" + System.nanoTime());
  }

  @Test
  @Order(4)
  void theOwningReplicaKilledMidDownload_failsNoPull() throws Exception {
    String layer = killed.platforms().get(0).layers().get(0).digest();
    PeerRing ring =
        new PeerRing(
            java.util.Arrays.stream(replicaPorts)
                .mapToObj(p -> new HostPort("127.0.0.1", p))
                .toList(),
            1,
            TOKEN.getBytes(StandardCharsets.UTF_8));
    ring.refresh();
    int owner = -1;
    for (int i = 0; i < replicaPorts.length; i++) {
      if (ring.owner(Digest.parse(layer)).orElseThrow().getPort() == replicaPorts[i]) {
        owner = i;
      }
    }
    List<CompletableFuture<String>> pulls = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      BerthServer node = i % 2 == 0 ? nodeA : nodeB;
      String name = "killed-" + i;
      pulls.add(CompletableFuture.supplyAsync(() -> pullWithSkopeo(node, killed, name)));
    }
    awaitDownloadInFlight(nodeA);
    replicas.get(owner).kill();

    for (CompletableFuture<String> pull : pulls) {
      assertEquals(killed.digest(), pull.get(300, TimeUnit.SECONDS));
    }
  }

  /** Until a node has a blob download running (it then streams from the tier). */
  private void awaitDownloadInFlight(BerthServer node) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      String metrics =
          http.send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + node.adminPort() + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      if (metrics.lines().anyMatch(l -> l.matches("berth_upstream_downloads_inflight [1-9].*"))) {
        return;
      }
      Thread.sleep(5);
    }
    throw new AssertionError("no download started on the node");
  }

  @Test
  @Order(5)
  void wholeTierDown_theNodesPullFromTheRegistry_andARestartedNodeServesItsCache()
      throws Exception {
    for (BerthProcess replica : replicas) {
      replica.kill();
    }

    assertEquals(later.digest(), pullWithSkopeo(nodeA, later, "later-a"));
    assertEquals(later.digest(), pullWithSkopeo(nodeB, later, "later-b"));
    for (String blob : later.blobDigests()) {
      assertEquals(2, blobGets(later, blob), "each node fetched it from the registry");
    }

    // A node restarted during the tier's outage (an upgrade, a reboot) starts, and serves what it
    // cached from its own disk.
    nodeA.close();
    nodeA = node("node-a", replicaPorts[0]);
    assertEquals(later.digest(), pullWithSkopeo(nodeA, later, "later-a-restarted"));
    for (String blob : later.blobDigests()) {
      assertEquals(2, blobGets(later, blob), "the restarted node fetched it again");
    }
  }
}
