package dev.berth.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * containerd pulling from the registry fixture through hosts.toml, without berth: the mirror path
 * (with {@code ns}) and the fallback to {@code server}.
 */
@Timeout(60)
class ContainerdTest {
  private static LocalRegistry registry;
  private static Containerd containerd;
  private static PushedImage small;

  @BeforeAll
  static void start() {
    E2eTools.require("docker-registry", "skopeo", "containerd", "ctr");
    E2eTools.requireRoot("ContainerdTest");
    registry = LocalRegistry.startNew();
    small = TestImages.pushingTo(registry).smallImage("e2e/small", "1");
    containerd = Containerd.start();
  }

  @AfterAll
  static void stop() {
    try {
      if (containerd != null) {
        containerd.close();
      }
    } finally {
      if (registry != null) {
        registry.close();
      }
    }
  }

  @Test
  void pull_viaMirror_usesMirrorAndSendsNs(@TempDir Path hosts) {
    // The image's registry host is a name nobody serves: only the mirror entry can make this work,
    // and server points at a dead port.
    String refHost = "upstream.berth.test:5000";
    String dead = "http://127.0.0.1:" + FreePorts.next();
    Containerd.writeHostsToml(hosts, refHost, registry.url(), dead);
    String ref = refHost + "/e2e/small:1";
    registry.clearAccessLog();

    String digest = containerd.pull(ref, hosts, false);

    assertEquals(small.digest(), digest);
    List<AccessLogEntry> resolves =
        registry.requests().stream()
            .filter(e -> e.method().equals("HEAD") && e.path().equals("/v2/e2e/small/manifests/1"))
            .toList();
    assertEquals(1, resolves.size(), "" + registry.accessLog());
    assertEquals("ns=upstream.berth.test%3A5000", resolves.get(0).query());
    for (Descriptor blob : small.platform("linux/amd64").blobs()) {
      assertEquals(
          1, registry.countRequests("GET", "/v2/e2e/small/blobs/" + blob.digest()), blob.digest());
    }
    assertTrue(containerd.contentDigests().containsAll(small.blobDigests()));
    assertTrue(containerd.isComplete(ref), "content present and unpacked");
    containerd.removeImage(ref);
    assertTrue(containerd.contentDigests().isEmpty(), "removeImage --sync drops the content");
  }

  @Test
  void pull_deadMirror_fallsBackToServer(@TempDir Path hosts) {
    String dead = "http://127.0.0.1:" + FreePorts.next();
    Containerd.writeHostsToml(hosts, registry.hostPort(), dead, registry.url());
    String ref = small.reference();
    registry.clearAccessLog();

    String digest = containerd.pull(ref, hosts, true);

    assertEquals(small.digest(), digest);
    List<AccessLogEntry> resolves =
        registry.requests().stream()
            .filter(e -> e.method().equals("HEAD") && e.path().equals("/v2/e2e/small/manifests/1"))
            .toList();
    assertEquals(1, resolves.size());
    assertEquals("", resolves.get(0).query(), "server is the ref host: no ns");
    containerd.removeImage(ref);
  }

  @Test
  void pullAllPlatforms_multiArch_targetIsIndex(@TempDir Path hosts) {
    PushedImage multi = TestImages.pushingTo(registry).multiArchImage("e2e/multi", "1");
    Containerd.writeHostsToml(hosts, registry.hostPort(), registry.url(), registry.url());

    String digest = containerd.pullAllPlatforms(multi.reference(), hosts, true);

    assertEquals(multi.digest(), digest);
    assertTrue(containerd.contentDigests().containsAll(multi.blobDigests()));
    containerd.removeImage(multi.reference());
  }
}
