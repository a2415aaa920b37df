package dev.berth.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.proxy.config.CommandLineOverrides;
import dev.berth.proxy.config.ConfigLoader;
import dev.berth.proxy.server.BerthServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Pulls through <b>containerd's CRI</b> exactly as the kubelet does ({@code
 * runtime.v1.ImageService/PullImage} with the pod's credentials in {@code AuthConfig} and {@code
 * server_address} empty, see docs/protocol.md §2.4 and the README's "What runtimes send to a
 * mirror"), with containerd's CRI {@code config_path} pointing at a {@code hosts.toml} whose mirror
 * is berth, against a real {@code docker-registry} with token auth (alice reads {@code team-a/*},
 * bob {@code team-b/*}, anonymous {@code public/*}).
 *
 * <p>berth runs with the <b>embedded default config</b> throughout (tenancy verify, policy always,
 * node identity on, default limits); only the listen/admin addresses, the data directory and the
 * upstream (the registry's own host:port, which containerd names in {@code ns=}) are given, as
 * {@code berth serve --upstream} would. It is restarted where an operator would meet a restart:
 * during an upstream outage.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class CriPullE2eIT {
  private Path dir;
  private BerthServer berth;

  @BeforeEach
  void tools() throws Exception {
    E2eTools.require("docker-registry", "skopeo", "containerd");
    E2eTools.requireRoot("containerd's CRI");
    dir = Files.createTempDirectory("berth-cri-e2e-");
  }

  @AfterEach
  void stop() {
    if (berth != null) {
      berth.close();
    }
    Files2.deleteRecursively(dir);
  }

  /** The embedded defaults plus the options an operator passes on the command line. */
  private void startBerth(TokenAuthRegistry registry, int port) {
    berth =
        BerthServer.start(
            ConfigLoader.load(
                Optional.empty(),
                new CommandLineOverrides(
                    Optional.of("127.0.0.1:" + port),
                    Optional.of("127.0.0.1:0"),
                    Optional.of(dir.resolve("data").toString()),
                    List.of(registry.hostPort() + "=" + registry.url()))));
  }

  @Test
  void kubeletStylePulls_publicAndPrivate_thenFromTheCacheThroughAnOutageAndARestart()
      throws Exception {
    try (TokenAuthRegistry registry = TokenAuthRegistry.startWithTeams()) {
      PushedImage pub =
          TestImages.pushingTo(registry)
              .withCredentials(TokenAuthRegistry.ADMIN)
              .smallImage("public/app", "1", 31);
      PushedImage priv =
          TestImages.pushingTo(registry)
              .withCredentials(TokenAuthRegistry.ALICE)
              .smallImage("team-a/app", "1", 32);
      int port = FreePorts.next();
      startBerth(registry, port);
      // The mirror first, the registry itself as the fallback (what `berth mirror-config` writes).
      Path hosts = dir.resolve("certs.d");
      Containerd.writeHostsToml(
          hosts, registry.hostPort(), "http://127.0.0.1:" + port, registry.url());
      String publicRef = registry.hostPort() + "/public/app:1";
      String privateRef = registry.hostPort() + "/team-a/app:1";

      try (Containerd containerd = Containerd.startWithCri(hosts);
          CriClient cri = CriClient.connect(containerd.socket())) {
        // Public image, anonymous (a pod without pull secrets).
        cri.pullImage(publicRef, Optional.empty());
        assertRepoDigest(cri, publicRef, pub);

        // Private image with the pod's credentials: a miss in berth, fetched with alice's.
        registry.registry().clearAccessLog();
        cri.pullImage(privateRef, Optional.of(TokenAuthRegistry.ALICE));
        assertRepoDigest(cri, privateRef, priv);
        assertTrue(
            registry.registry().countRequests("GET", "/v2/team-a/app/blobs/sha256:.*") > 0,
            "the miss went upstream");

        // Again, with containerd's copy removed: a hit, no manifest or blob GET upstream.
        cri.removeImage(privateRef);
        registry.registry().clearAccessLog();
        cri.pullImage(privateRef, Optional.of(TokenAuthRegistry.ALICE));
        assertRepoDigest(cri, privateRef, priv);
        assertEquals(
            0,
            registry.registry().countRequests("GET", "/v2/team-a/app/(manifests|blobs)/.*"),
            "the second pull of the private image must come from berth's cache");
        cri.removeImage(privateRef);

        // The cached private image is refused to wrong credentials and to anonymous pods. The
        // fallback (the registry itself) refuses them too, so the pull fails as a whole.
        for (Optional<Credentials> who :
            List.of(
                Optional.of(TokenAuthRegistry.BOB),
                Optional.of(new Credentials("alice", "wrong")),
                Optional.<Credentials>empty())) {
          CriClient.CriException refused =
              assertThrows(CriClient.CriException.class, () -> cri.pullImage(privateRef, who));
          assertTrue(
              refused.getMessage().contains("401") || refused.getMessage().contains("nauthorized"),
              refused.getMessage());
          assertFalse(cri.imageStatus(privateRef).isPresent(), "nothing was pulled for " + who);
        }
        cri.removeImage(publicRef);

        // The outage: the registry and its token server go away, berth restarts on its cache.
        registry.stop();
        berth.close();
        berth = null;
        startBerth(registry, port);
        cri.pullImage(publicRef, Optional.empty());
        assertRepoDigest(cri, publicRef, pub);
        cri.pullImage(privateRef, Optional.of(TokenAuthRegistry.ALICE));
        assertRepoDigest(cri, privateRef, priv);
        // Still nothing for an anonymous pod, outage or not.
        cri.removeImage(privateRef);
        assertThrows(
            CriClient.CriException.class, () -> cri.pullImage(privateRef, Optional.empty()));
      }
    }
  }

  /** containerd recorded {@code ref} at exactly the manifest digest the registry holds. */
  private static void assertRepoDigest(CriClient cri, String ref, PushedImage image) {
    CriClient.Image status =
        cri.imageStatus(ref).orElseThrow(() -> new AssertionError(ref + " not in containerd"));
    String name = ref.substring(0, ref.lastIndexOf(':'));
    assertEquals(List.of(name + "@" + image.digest()), status.repoDigests(), ref);
  }
}
