package dev.berth.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * containerd's CRI image service, driven by {@link CriClient} as a kubelet drives it, pulling
 * through a hosts.toml mirror from the registry fixture (no berth): a public image, and a private
 * one whose credentials travel in {@code AuthConfig} with an empty {@code server_address}.
 *
 * <p>Why: proves the two fixtures Kubernetes-shaped suites need ({@link Containerd#startWithCri}
 * and {@link CriClient}) before berth is put in the middle, so that a failure there is berth's. The
 * image hosts are names nobody serves and each hosts.toml's {@code server} is a dead port, so only
 * the mirror can make a pull succeed.
 */
@Timeout(120)
class ContainerdCriTest {
  private static final Credentials ALICE = new Credentials("alice", "alice-pw");
  private static final String PUBLIC_HOST = "public.berth.test:5000";
  private static final String PRIVATE_HOST = "private.berth.test:5000";
  private static final String PUBLIC_REF = PUBLIC_HOST + "/e2e/small:1";
  private static final String PRIVATE_REF = PRIVATE_HOST + "/e2e/secret:1";

  private static LocalRegistry registry;
  private static LocalRegistry privateRegistry;
  private static PushedImage small;
  private static PushedImage secret;
  private static Path hosts;
  private static Containerd containerd;
  private static CriClient cri;

  @BeforeAll
  static void start() throws IOException {
    E2eTools.require("docker-registry", "skopeo", "containerd", "ctr");
    E2eTools.requireRoot("ContainerdCriTest");
    registry = LocalRegistry.startNew();
    small = TestImages.pushingTo(registry).smallImage("e2e/small", "1");
    privateRegistry =
        LocalRegistry.startNewWithHtpasswd(Map.of(ALICE.username(), ALICE.password()));
    // Another seed: no blob in common with the public image, so each pull fetches its own.
    secret =
        TestImages.pushingTo(privateRegistry)
            .withCredentials(ALICE)
            .smallImage("e2e/secret", "1", 4242);
    hosts = Files.createTempDirectory("berth-cri-hosts-");
    String dead = "http://127.0.0.1:" + FreePorts.next();
    Containerd.writeHostsToml(hosts, PUBLIC_HOST, registry.url(), dead);
    Containerd.writeHostsToml(hosts, PRIVATE_HOST, privateRegistry.url(), dead);
    containerd = Containerd.startWithCri(hosts);
    cri = CriClient.connect(containerd.socket());
  }

  @AfterAll
  static void stop() {
    try (AutoCloseable c1 = privateRegistry;
        AutoCloseable c2 = registry;
        AutoCloseable c3 = containerd;
        AutoCloseable c4 = cri) {
      // Closed in reverse order (client, daemon, registries), each even when another fails.
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      if (hosts != null) {
        Files2.deleteRecursively(hosts);
      }
    }
  }

  /** Every test starts without the images, so each pull fetches content again. */
  @AfterEach
  void removeImages() {
    cri.removeImage(PUBLIC_REF);
    cri.removeImage(PRIVATE_REF);
  }

  @Test
  void pullImage_public_viaMirror_digestsMatchPushedImage() {
    PushedImage.Platform amd64 = small.platform("linux/amd64");
    registry.clearAccessLog();

    String imageRef = cri.pullImage(PUBLIC_REF, Optional.empty());

    // containerd 1.6's image_ref is the image id: the config blob's digest.
    assertEquals(amd64.config().digest(), imageRef);
    CriClient.Image image = cri.imageStatus(PUBLIC_REF).orElseThrow();
    assertEquals(imageRef, image.id());
    assertEquals(List.of(PUBLIC_REF), image.repoTags());
    assertEquals(List.of(PUBLIC_HOST + "/e2e/small@" + small.digest()), image.repoDigests());
    assertTrue(image.size() > 0, "size " + image.size());
    assertEquals(
        1, registry.countRequests("HEAD", "/v2/e2e/small/manifests/1"), "" + registry.accessLog());
    assertTrue(
        registry.requests().stream()
            .filter(e -> e.path().startsWith("/v2/e2e/small/"))
            .allMatch(e -> e.query().equals("ns=public.berth.test%3A5000")),
        "the mirror gets ns=<ref host>: " + registry.accessLog());
    for (Descriptor blob : amd64.blobs()) {
      assertEquals(
          1, registry.countRequests("GET", "/v2/e2e/small/blobs/" + blob.digest()), blob.digest());
    }
    assertTrue(containerd.contentDigests().containsAll(small.blobDigests()));

    cri.removeImage(PUBLIC_REF);

    assertEquals(Optional.empty(), cri.imageStatus(PUBLIC_REF));
    assertFalse(
        containerd.contentDigests().stream().anyMatch(small.blobDigests()::contains),
        "RemoveImage garbage-collects the image's content");
    // Pulled again, everything is fetched again.
    assertEquals(imageRef, cri.pullImage(PUBLIC_REF, Optional.empty()));
    for (Descriptor blob : amd64.blobs()) {
      assertEquals(
          2, registry.countRequests("GET", "/v2/e2e/small/blobs/" + blob.digest()), blob.digest());
    }
  }

  @Test
  void pullImage_private_rightCredentials_sentAfterTheChallenge() {
    privateRegistry.clearAccessLog();

    String imageRef = cri.pullImage(PRIVATE_REF, Optional.of(ALICE));

    PushedImage.Platform amd64 = secret.platform("linux/amd64");
    assertEquals(amd64.config().digest(), imageRef);
    assertEquals(
        List.of(PRIVATE_HOST + "/e2e/secret@" + secret.digest()),
        cri.imageStatus(PRIVATE_REF).orElseThrow().repoDigests());
    // containerd asks anonymously first and sends the pod's credentials only once challenged: a
    // mirror that wants them must answer 401 with WWW-Authenticate.
    assertEquals(
        List.of(401, 200),
        statuses("HEAD", "/v2/e2e/secret/manifests/1"),
        String.join("\n", privateRegistry.accessLog()));
    assertTrue(registryLog().contains("msg=\"authorized request\""), registryLog());
    for (Descriptor blob : amd64.blobs()) {
      assertEquals(
          List.of(200),
          statuses("GET", "/v2/e2e/secret/blobs/" + blob.digest()),
          blob.digest() + "\n" + String.join("\n", privateRegistry.accessLog()));
    }
    assertTrue(containerd.contentDigests().containsAll(secret.blobDigests()));
  }

  @Test
  void pullImage_private_wrongPassword_failsWithTheRegistrysRefusal() {
    privateRegistry.clearAccessLog();

    CriClient.CriException e =
        assertThrows(
            CriClient.CriException.class,
            () ->
                cri.pullImage(
                    PRIVATE_REF, Optional.of(new Credentials(ALICE.username(), "not-alice-pw"))));

    assertTrue(e.grpcMessage().contains("401 Unauthorized"), e.getMessage());
    assertEquals(Optional.empty(), cri.imageStatus(PRIVATE_REF));
    List<Integer> heads = statuses("HEAD", "/v2/e2e/secret/manifests/1");
    assertFalse(heads.isEmpty());
    assertTrue(heads.stream().allMatch(status -> status == 401), "" + heads);
    // The credentials did reach the registry (and were refused), they were not just left out.
    assertTrue(
        registryLog().contains("error authenticating user \\\"alice\\\": authentication failure"),
        registryLog());
    assertFalse(containerd.contentDigests().stream().anyMatch(secret.blobDigests()::contains));
  }

  @Test
  void pullImage_private_noCredentials_fails() {
    privateRegistry.clearAccessLog();

    CriClient.CriException e =
        assertThrows(
            CriClient.CriException.class, () -> cri.pullImage(PRIVATE_REF, Optional.empty()));

    assertTrue(e.grpcMessage().contains("401 Unauthorized"), e.getMessage());
    assertEquals(Optional.empty(), cri.imageStatus(PRIVATE_REF));
    assertEquals(List.of(401), statuses("HEAD", "/v2/e2e/secret/manifests/1"));
    assertFalse(registryLog().contains("error authenticating user"), registryLog());
  }

  @Test
  void pullImage_private_serverAddressOfImageRegistry_credentialsWithheldFromMirror() {
    privateRegistry.clearAccessLog();

    // What a client that fills server_address with the image's registry gets from containerd
    // 1.6.20: it matches server_address against the mirror's host, finds no match, and pulls
    // anonymously. Kubelets send it empty (pullImage_private_rightCredentials_...).
    CriClient.CriException e =
        assertThrows(
            CriClient.CriException.class,
            () -> cri.pullImage(PRIVATE_REF, ALICE, "https://" + PRIVATE_HOST));

    assertTrue(e.grpcMessage().contains("401 Unauthorized"), e.getMessage());
    assertEquals(List.of(401), statuses("HEAD", "/v2/e2e/secret/manifests/1"));
    assertFalse(registryLog().contains("authorized request"), registryLog());
    assertFalse(registryLog().contains("error authenticating user"), registryLog());
    // The same credentials addressed to the mirror's host:port do reach it. (containerd parses
    // server_address as a URL: a bare "127.0.0.1:port" fails the pull with "first path segment in
    // URL cannot contain colon", and a bare "name:port" parses as a scheme and never matches.)
    assertEquals(
        secret.platform("linux/amd64").config().digest(),
        cri.pullImage(PRIVATE_REF, ALICE, privateRegistry.url()));
  }

  /** Statuses of the private registry's requests with this method and path, in order. */
  private static List<Integer> statuses(String method, String path) {
    return privateRegistry.requests().stream()
        .filter(e -> e.method().equals(method) && e.path().equals(path))
        .map(AccessLogEntry::status)
        .collect(Collectors.toList());
  }

  /** The private registry's whole log since the last clear: access lines and its reasons. */
  private static String registryLog() {
    privateRegistry.requests(); // synchronizes the log first
    try {
      return Files.readString(privateRegistry.logFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
