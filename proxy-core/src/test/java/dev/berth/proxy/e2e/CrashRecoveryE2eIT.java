package dev.berth.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * kill -9 of the real berth process while it downloads and serves a large layer to several clients,
 * then: {@code berth verify} finds nothing damaged (the unfinished download was reclaimed, not
 * half-visible), and a restarted berth on the same data directory pulls the image correctly; a
 * third start serves the committed large layer from its blob file without fetching it again.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class CrashRecoveryE2eIT {
  private static final Path JAR = Path.of(System.getProperty("berth.jar", "target/berth.jar"));

  @Test
  void killNineMidDownload_verifyClean_restartPullsCorrectly() throws Exception {
    E2eTools.require("docker-registry", "skopeo");
    Path dir = Files.createTempDirectory("berth-crash-e2e-");
    try (LocalRegistry registry = LocalRegistry.startNew()) {
      TestImages images = TestImages.pushingTo(registry);
      PushedImage small = images.smallImage("crash/small", "1");
      PushedImage large = images.largeImage("crash/large", "1", 128L << 20);
      Path config =
          Files.writeString(
              dir.resolve("berth.yaml"),
              "upstreams:\n  - name: "
                  + registry.hostPort()
                  + "\n    url: "
                  + registry.url()
                  + "\n    default: true\n");
      Path data = dir.resolve("data");

      // 1. Pull the small image (committed), then kill -9 while the large layer streams.
      int port = FreePorts.next();
      Process berth = start(dir, config, data, port, "first");
      Skopeo.create()
          .copyToOciDir("127.0.0.1:" + port + "/crash/small:1", dir.resolve("s1"), false);
      String layer = large.platforms().get(0).layers().get(0).digest();
      HttpClient http = HttpClient.newHttpClient();
      List<CompletableFuture<Long>> clients = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        clients.add(
            http.sendAsync(
                    HttpRequest.newBuilder(
                            URI.create(
                                "http://127.0.0.1:" + port + "/v2/crash/large/blobs/" + layer))
                        .build(),
                    HttpResponse.BodyHandlers.ofInputStream())
                .thenApply(CrashRecoveryE2eIT::drain));
      }
      Thread.sleep(400);
      berth.destroyForcibly();
      assertTrue(berth.waitFor(30, TimeUnit.SECONDS));
      for (CompletableFuture<Long> c : clients) {
        long got = c.handle((n, e) -> e == null ? n : -1L).get(30, TimeUnit.SECONDS);
        assertTrue(
            got < large.platforms().get(0).layers().get(0).size(),
            "a client saw a whole blob from a killed server: " + got);
      }

      // 2. berth verify on the data directory: nothing damaged.
      Process verify =
          new ProcessBuilder("java", "-jar", JAR.toString(), "verify", "--data", data.toString())
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("verify.log").toFile())
              .start();
      assertTrue(verify.waitFor(120, TimeUnit.SECONDS));
      String report = Files.readString(dir.resolve("verify.log"));
      assertEquals(0, verify.exitValue(), report);
      assertTrue(report.contains("all good"), report);

      // 3. Restart on the same data: both images pull with the upstream's digests.
      int port2 = FreePorts.next();
      Process again = start(dir, config, data, port2, "second");
      try {
        Skopeo skopeo = Skopeo.create();
        assertEquals(
            small.digest(),
            skopeo
                .copyToOciDir("127.0.0.1:" + port2 + "/crash/small:1", dir.resolve("s2"), false)
                .digest());
        assertEquals(
            large.digest(),
            skopeo
                .copyToOciDir("127.0.0.1:" + port2 + "/crash/large:1", dir.resolve("l2"), false)
                .digest());
      } finally {
        again.destroy();
        again.waitFor(30, TimeUnit.SECONDS);
      }

      // 4. Restart once more (an upgrade, a reboot): the large layer, now a committed blob file,
      // is served from it (sendfile) with its digest, without another registry GET.
      String layerPath = "/v2/crash/large/blobs/" + layer;
      long layerGets = registry.countRequests("GET", layerPath);
      assertTrue(layerGets >= 1, "the layer never came from the registry");
      int port3 = FreePorts.next();
      Process third = start(dir, config, data, port3, "third");
      try {
        assertEquals(
            large.digest(),
            Skopeo.create()
                .copyToOciDir("127.0.0.1:" + port3 + "/crash/large:1", dir.resolve("l3"), false)
                .digest());
        assertEquals(layerGets, registry.countRequests("GET", layerPath), "fetched again");
      } finally {
        third.destroy();
        third.waitFor(30, TimeUnit.SECONDS);
      }
    } finally {
      Files2.deleteRecursively(dir);
    }
  }

  private static Process start(Path dir, Path config, Path data, int port, String name)
      throws Exception {
    return BerthProcess.start(dir, config, data, port, name).process();
  }

  private static long drain(HttpResponse<InputStream> response) {
    long n = 0;
    byte[] buffer = new byte[65536];
    try (InputStream in = response.body()) {
      for (int r = in.read(buffer); r >= 0; r = in.read(buffer)) {
        n += r;
        Thread.sleep(2); // a slow client, so the kill lands mid-stream
      }
    } catch (Exception e) {
      return n;
    }
    return n;
  }
}
