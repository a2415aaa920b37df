package dev.berth.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The generated layouts are valid OCI images: every digest, size and diff_id re-checked. */
@Timeout(60)
class TestImagesTest {
  private static final long LARGE = 64L << 20;

  @Test
  void smallLayout_digestsSizesAndDiffIdsVerify() throws IOException {
    ImageLayout layout = TestImages.smallLayout(1);

    assertEquals(E2eMediaTypes.OCI_MANIFEST, layout.manifest().mediaType());
    verify(layout);
    assertEquals(3, layout.platforms().get(0).layers().size());
  }

  @Test
  void smallLayout_otherSeed_otherDigests() {
    assertNotEquals(
        TestImages.smallLayout(1).manifest().digest(),
        TestImages.smallLayout(2).manifest().digest());
  }

  @Test
  void multiArchLayout_indexOfTwoVerifiedImages() throws IOException {
    ImageLayout layout = TestImages.multiArchLayout(1);

    assertEquals(E2eMediaTypes.OCI_INDEX, layout.manifest().mediaType());
    verify(layout);
    assertEquals("linux/amd64", layout.platforms().get(0).name());
    assertEquals("linux/arm64/v8", layout.platforms().get(1).name());
  }

  @Test
  void largeLayout_64MiB_incompressibleAndVerifies() throws IOException {
    ImageLayout layout = TestImages.largeLayout(LARGE, 1);

    verify(layout);
    Descriptor layer = layout.platforms().get(0).layers().get(0);
    assertTrue(layer.size() >= LARGE, "gzip'd layer " + layer.size() + " < " + LARGE);
    assertTrue(layer.size() < LARGE + (1 << 20), "layer compressed after all: " + layer.size());
  }

  /** Re-hashes every blob from disk and checks it against its descriptor and the config. */
  private static void verify(ImageLayout layout) throws IOException {
    assertEquals(layout.manifest().digest(), sha256(layout.blob(layout.manifest().digest())));
    for (PushedImage.Platform platform : layout.platforms()) {
      Path manifest = layout.blob(platform.manifest().digest());
      assertEquals(platform.manifest().digest(), sha256(manifest));
      assertEquals(platform.manifest().size(), Files.size(manifest));
      for (Descriptor blob : platform.blobs()) {
        Path file = layout.blob(blob.digest());
        assertEquals(blob.size(), Files.size(file), blob.digest());
        assertEquals(blob.digest(), sha256(file));
      }
      JsonNode config =
          OciLayoutWriter.JSON.readTree(layout.blob(platform.config().digest()).toFile());
      assertEquals(platform.os(), config.path("os").asText());
      assertEquals(platform.architecture(), config.path("architecture").asText());
      List<String> diffIds = new ArrayList<>();
      config.path("rootfs").path("diff_ids").forEach(d -> diffIds.add(d.asText()));
      List<String> uncompressed = new ArrayList<>();
      for (Descriptor layer : platform.layers()) {
        assertEquals(E2eMediaTypes.OCI_LAYER_GZIP, layer.mediaType());
        uncompressed.add(gunzipSha256(layout.blob(layer.digest())));
      }
      assertEquals(uncompressed, diffIds, "diff_ids are the uncompressed layer digests");
    }
  }

  private static String sha256(Path file) throws IOException {
    try (HashingOutputStream hash = new HashingOutputStream(OutputStream.nullOutputStream());
        InputStream in = Files.newInputStream(file)) {
      in.transferTo(hash);
      return hash.digest();
    }
  }

  private static String gunzipSha256(Path file) throws IOException {
    try (HashingOutputStream hash = new HashingOutputStream(OutputStream.nullOutputStream());
        InputStream in = new GZIPInputStream(Files.newInputStream(file), 1 << 16)) {
      in.transferTo(hash);
      return hash.digest();
    }
  }
}
