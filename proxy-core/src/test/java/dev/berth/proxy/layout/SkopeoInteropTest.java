package dev.berth.proxy.layout;

import static dev.berth.proxy.layout.LayoutTestSupport.digestOf;
import static dev.berth.proxy.layout.LayoutTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.berth.proxy.e2e.E2eTools;
import dev.berth.proxy.image.MediaTypes;
import dev.berth.storage.Digest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * skopeo, the reference OCI layout implementation, reads what {@link OciLayoutWriter} writes and
 * writes what {@link OciLayoutReader} reads. Skipped when skopeo is not installed.
 */
class SkopeoInteropTest {
  @TempDir Path temp;

  private Digest manifest;
  private Digest layer;
  private Digest config;

  @BeforeEach
  void requireSkopeo() {
    E2eTools.require("skopeo");
  }

  @Test
  void skopeoArchivesOurDirectory_andWeReadItsArchive() throws Exception {
    Path dir = temp.resolve("ours");
    try (OciLayoutWriter writer = OciLayoutWriter.directory(dir)) {
      writeImage(writer);
    }
    Path archive = temp.resolve("skopeo.tar");
    skopeo("oci:" + dir + ":tag", "oci-archive:" + archive + ":tag");
    checkImage(archive);
  }

  @Test
  void skopeoReadsOurArchive() throws Exception {
    Path archive = temp.resolve("ours.tar");
    try (OciLayoutWriter writer = OciLayoutWriter.tar(archive)) {
      writeImage(writer);
    }
    Path dir = temp.resolve("skopeo");
    skopeo("oci-archive:" + archive + ":tag", "oci:" + dir + ":tag");
    checkImage(dir);
  }

  private void skopeo(String from, String to) throws Exception {
    run(temp, "skopeo", "--insecure-policy", "copy", "--quiet", from, to);
  }

  /**
   * A real single-layer image: a gzip layer (skopeo would compress an uncompressed one, changing
   * the manifest), its config, its manifest, tagged "tag".
   */
  private void writeImage(OciLayoutWriter writer) throws IOException {
    ByteArrayOutputStream layerBytes = new ByteArrayOutputStream();
    try (TarWriter tar = new TarWriter(new GZIPOutputStream(layerBytes))) {
      tar.directory("etc");
      tar.file("etc/motd", "hello from berth\n".getBytes(StandardCharsets.UTF_8));
    }
    byte[] layerTar = layerBytes.toByteArray();
    layer = Digest.sha256Of(layerTar);
    Digest diffId;
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(layerTar))) {
      diffId = digestOf(in);
    }
    byte[] configBytes =
        utf8(
            "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
                + diffId
                + "\"]}}");
    config = Digest.sha256Of(configBytes);
    byte[] manifestBytes =
        utf8(
            "{\"schemaVersion\":2,\"mediaType\":\""
                + MediaTypes.OCI_MANIFEST
                + "\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
                + "\"digest\":\""
                + config
                + "\",\"size\":"
                + configBytes.length
                + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
                + "\"digest\":\""
                + layer
                + "\",\"size\":"
                + layerTar.length
                + "}]}");
    manifest = Digest.sha256Of(manifestBytes);
    writer.blob(layer, layerTar.length, new ByteArrayInputStream(layerTar));
    writer.blob(config, configBytes);
    writer.blob(manifest, manifestBytes);
    writer.addToIndex(
        new Descriptor(MediaTypes.OCI_MANIFEST, manifest, manifestBytes.length).withRefName("tag"));
  }

  private void checkImage(Path layout) throws IOException {
    try (OciLayoutReader reader = OciLayoutReader.open(layout)) {
      List<Descriptor> index = reader.index();
      assertEquals(1, index.size(), index.toString());
      assertEquals("tag", index.get(0).refName().orElseThrow());
      assertEquals(manifest, index.get(0).digest(), "skopeo kept the manifest as it was");
      reader.readSmallBlob(manifest, 1 << 20);
      reader.readSmallBlob(config, 1 << 20);
      try (InputStream in = reader.blob(layer)) {
        assertEquals(layer, digestOf(in));
      }
    }
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
