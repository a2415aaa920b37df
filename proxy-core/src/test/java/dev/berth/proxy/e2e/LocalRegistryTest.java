package dev.berth.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The registry fixture with images pushed by {@link TestImages}, without berth. */
@Timeout(60)
class LocalRegistryTest {
  private static LocalRegistry registry;
  private static TestImages images;

  @BeforeAll
  static void start() {
    E2eTools.require("docker-registry", "skopeo");
    registry = LocalRegistry.startNew();
    images = TestImages.pushingTo(registry);
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  @Test
  void smallImage_headDigestMatchesPushed() {
    PushedImage image = images.smallImage("e2e/small", "1");

    assertEquals(E2eMediaTypes.OCI_MANIFEST, image.mediaType());
    assertEquals(image.digest(), RegistryProbe.manifestDigest(registry.url(), "e2e/small", "1"));
    PushedImage.Platform amd64 = image.platform("linux/amd64");
    assertEquals(image.manifest(), amd64.manifest());
    assertEquals(3, amd64.layers().size());
    assertEquals(3, amd64.layers().stream().map(Descriptor::digest).distinct().count());
    for (Descriptor blob : amd64.blobs()) {
      assertEquals(
          blob.size(),
          RegistryProbe.blobSize(registry.url(), "e2e/small", blob.digest()).orElseThrow());
    }
    var get = RegistryProbe.getManifest(registry.url(), "e2e/small", image.digest());
    assertEquals(image.digest(), get.bodyDigest());
    assertEquals(E2eMediaTypes.OCI_MANIFEST, get.contentType());
  }

  @Test
  void multiArchImage_indexAndBothChildrenServed() {
    PushedImage image = images.multiArchImage("e2e/multi", "1");

    assertEquals(E2eMediaTypes.OCI_INDEX, image.mediaType());
    assertEquals(image.digest(), RegistryProbe.manifestDigest(registry.url(), "e2e/multi", "1"));
    assertEquals(
        List.of("linux/amd64", "linux/arm64/v8"),
        image.platforms().stream().map(PushedImage.Platform::name).toList());
    for (PushedImage.Platform platform : image.platforms()) {
      assertEquals(
          platform.manifest().digest(),
          RegistryProbe.manifestDigest(registry.url(), "e2e/multi", platform.manifest().digest()));
    }
    assertEquals(2 * 4, image.blobDigests().size(), "two configs and six distinct layers");
  }

  @Test
  void countRequests_afterHeads_countsByMethodAndPath() {
    images.smallImage("e2e/count", "1", 7);
    registry.clearAccessLog();

    for (int i = 0; i < 3; i++) {
      RegistryProbe.manifestDigest(registry.url(), "e2e/count", "1");
    }
    RegistryProbe.getManifest(registry.url(), "e2e/count", "1");
    RegistryProbe.manifestDigestIfPresent(registry.url(), "e2e/count", "missing");

    assertEquals(4, registry.countRequests("HEAD", "/v2/e2e/count/manifests/.*"));
    assertEquals(3, registry.countRequests("HEAD", "/v2/e2e/count/manifests/1"));
    assertEquals(1, registry.countRequests("GET", "/v2/e2e/count/manifests/1"));
    assertEquals(0, registry.countRequests("GET", "/v2/"), "sync probes are not counted");
    AccessLogEntry miss =
        registry.requests().stream()
            .filter(e -> e.path().endsWith("/missing"))
            .findFirst()
            .orElseThrow();
    assertEquals(404, miss.status());
    assertEquals("HEAD", miss.method());
  }

  @Test
  void largeImage_64MiB_blobServedWithItsSize() {
    PushedImage image = images.largeImage("e2e/large", "1", 64L << 20);

    Descriptor layer = image.platform("linux/amd64").layers().get(0);
    assertTrue(layer.size() >= 64L << 20);
    assertEquals(
        layer.size(),
        RegistryProbe.blobSize(registry.url(), "e2e/large", layer.digest()).orElseThrow());
  }

  @Test
  void stop_thenStart_sameRegistryStillServesImage() {
    PushedImage image = images.smallImage("e2e/restart", "1", 3);
    int port = registry.port();

    registry.stop();
    registry.stop(); // idempotent
    assertFalse(registry.isRunning());
    assertThrows(
        AssertionError.class,
        () -> RegistryProbe.manifestDigest(registry.url(), "e2e/restart", "1"));

    registry.start();
    assertTrue(registry.isRunning());
    assertEquals(port, registry.port());
    assertEquals(image.digest(), RegistryProbe.manifestDigest(registry.url(), "e2e/restart", "1"));
  }

  @Test
  void startNewProxyOf_pullsThroughFromRemote() {
    PushedImage image = images.smallImage("e2e/proxied", "1", 11);
    try (LocalRegistry proxy = LocalRegistry.startNewProxyOf(registry.url())) {
      registry.clearAccessLog();

      assertEquals(image.digest(), RegistryProbe.manifestDigest(proxy.url(), "e2e/proxied", "1"));
      Descriptor layer = image.platforms().get(0).layers().get(0);
      assertEquals(
          layer.size(),
          RegistryProbe.blobSize(proxy.url(), "e2e/proxied", layer.digest()).orElseThrow());

      assertTrue(registry.countRequests("HEAD", "/v2/e2e/proxied/manifests/1") >= 1);
      assertEquals(1, proxy.countRequests("HEAD", "/v2/e2e/proxied/manifests/1"));
    }
  }
}
