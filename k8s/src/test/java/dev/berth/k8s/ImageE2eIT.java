package dev.berth.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.proxy.e2e.Containerd;
import dev.berth.proxy.e2e.E2eTools;
import dev.berth.proxy.e2e.FreePorts;
import dev.berth.proxy.e2e.LocalRegistry;
import dev.berth.proxy.e2e.PushedImage;
import dev.berth.proxy.e2e.TestImages;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The container image the build makes (Jib, {@code k8s/pom.xml}), run the way a node runs it: real
 * containerd and runc, the host's network (a DaemonSet pod with {@code hostNetwork}), a host
 * directory for the data (the hostPath). A real client (containerd's own resolver through a {@code
 * hosts.toml}) pulls through it from a real {@code docker-registry}, and the digest must be the
 * registry's; then the container is stopped and started again as the kubelet would after an
 * upgrade, with the registry down, and the cached image still pulls.
 *
 * <p>The image's base is made on this machine ({@code k8s/image/test-base.sh}): no public registry
 * is reachable where this runs. The published build keeps its eclipse-temurin base.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class ImageE2eIT {
  private static final Path TARGET = BuiltImage.TARGET;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @BeforeAll
  static void imageBuilt() {
    BuiltImage.require("image/berth.tar");
  }

  @Test
  void sameInputs_sameDigest() throws IOException {
    String first = Files.readString(TARGET.resolve("image/berth.digest")).trim();
    String again = Files.readString(TARGET.resolve("image-again/berth.digest")).trim();
    assertTrue(first.matches("sha256:[0-9a-f]{64}"), first);
    assertEquals(first, again, "two builds of the same inputs");
  }

  @Test
  void config_nonRootWithOciLabelsAndTheEntrypoint() throws IOException {
    JsonNode config = BuiltImage.imageConfig(TARGET.resolve("image/berth.tar")).path("config");

    assertEquals("65532:65532", config.path("User").asText());
    assertEquals(
        List.of("/bin/sh", "/opt/berth/entrypoint"),
        JSON.convertValue(config.path("Entrypoint"), List.class));
    JsonNode labels = config.path("Labels");
    for (String key : List.of("source", "revision", "version")) {
      String value = labels.path("org.opencontainers.image." + key).asText("");
      assertFalse(value.isBlank(), "label org.opencontainers.image." + key + ": " + labels);
    }
    assertTrue(
        labels.path("org.opencontainers.image.revision").asText().matches("[0-9a-f]{40}|unknown"),
        labels.toString());
  }

  @Test
  void runsUnderContainerd_servesAPull_andServesItAgainAfterARestartWithTheRegistryDown()
      throws Exception {
    E2eTools.require("docker-registry", "skopeo", "containerd", "ctr", "runc");
    E2eTools.requireRoot("containerd runs the image");
    Path dir = Files.createTempDirectory("berth-image-e2e-");
    Path data = Files.createDirectories(dir.resolve("var-lib-berth"));
    Path etc = Files.createDirectories(dir.resolve("etc-berth"));
    // The image's user owns its data directory, as the DaemonSet's init container arranges.
    chown(data, 65532);
    int port = FreePorts.next();
    int admin = FreePorts.next();
    String id = "berth-e2e-" + ProcessHandle.current().pid();
    Path log = dir.resolve("container.log");
    try (LocalRegistry registry = LocalRegistry.startNew();
        Containerd containerd = Containerd.start()) {
      PushedImage image = TestImages.pushingTo(registry).smallImage("e2e/through-image", "1");
      // The embedded defaults plus the one upstream: tenancy, policy and limits as shipped.
      Files.writeString(
          etc.resolve("config.yaml"),
          "upstreams:\n  - name: "
              + registry.hostPort()
              + "\n    url: "
              + registry.url()
              + "\n    default: true\n");
      List<String> images = containerd.importImage(TARGET.resolve("image/berth.tar"));
      String berth =
          images.stream()
              .filter(n -> n.contains("berth-test"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("ctr imported no berth-test image: " + images));
      Map<Path, String> binds = new LinkedHashMap<>();
      binds.put(data, "/var/lib/berth");
      binds.put(etc, "/etc/berth");
      // ctr, unlike a pod's args, replaces the whole command: the image's entrypoint goes first.
      List<String> args =
          List.of(
              "/bin/sh",
              "/opt/berth/entrypoint",
              "serve",
              "--config",
              "/etc/berth/config.yaml",
              "--data",
              "/var/lib/berth/data",
              "--listen",
              "127.0.0.1:" + port,
              "--admin",
              "127.0.0.1:" + admin);

      containerd.runDetached(berth, id, binds, args, log);
      awaitReady(admin, log);
      assertEquals(
          "65532", uid(containerd.taskPid(id)), "the JVM runs as the image's user, not root");
      assertEquals(200, get("http://127.0.0.1:" + admin + "/healthz"));

      Path hosts = Files.createDirectories(dir.resolve("certs.d"));
      Containerd.writeHostsToml(
          hosts, registry.hostPort(), "http://127.0.0.1:" + port, registry.url());
      String pulled = containerd.pull(image.reference(), hosts, true);
      assertEquals(image.digest(), pulled);
      assertTrue(
          BuiltImage.metric(admin, "berth_upstream_requests_seconds_count") > 0,
          "the pull went through berth to the registry");

      // An upgrade or restart: SIGTERM, grace period, new container on the same data.
      assertTrue(containerd.stopContainer(id, Duration.ofSeconds(30)), "berth stops on SIGTERM");
      try (Stream<Path> files = Files.list(data)) {
        assertTrue(
            files.anyMatch(p -> p.getFileName().toString().matches("class-data-.*\\.jsa")),
            "the first stop records the class-data archive in the data directory");
      }
      registry.stop();
      containerd.removeImage(image.reference());
      containerd.runDetached(berth, id, binds, args, log);
      awaitReady(admin, log);
      // No upstream now: the server in hosts.toml is down, so only berth's cache can answer.
      assertEquals(image.digest(), containerd.pull(image.reference(), hosts, true));
      containerd.stopContainer(id, Duration.ofSeconds(30));
    }
  }

  private static void awaitReady(int admin, Path log) throws InterruptedException, IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (get("http://127.0.0.1:" + admin + "/readyz") == 200) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError(
        "berth in the container never became ready (admin port "
            + admin
            + "); its output:\n"
            + (Files.exists(log) ? Files.readString(log) : "(none)"));
  }

  private static int get(String url) {
    try {
      return HTTP.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static String uid(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("Uid:")) {
        return line.split("\\s+")[1];
      }
    }
    throw new IllegalStateException("no Uid in /proc/" + pid + "/status");
  }

  private static void chown(Path dir, int uid) throws IOException {
    Files.setAttribute(dir, "unix:uid", uid);
    Files.setAttribute(dir, "unix:gid", uid);
  }
}
