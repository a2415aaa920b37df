package dev.berth.proxy.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;
import org.jspecify.annotations.Nullable;

/**
 * Writes an OCI image layout directory ({@code oci-layout}, {@code index.json}, {@code
 * blobs/sha256/<hex>}): gzip'd tar layers, image configs, manifests and indexes.
 *
 * <p>Why: e2e tests need real images with known digests and no docker daemon. skopeo pushes such a
 * directory to a registry unchanged ({@code --preserve-digests}), so every digest computed here is
 * the digest clients see. Layers stream through tar, gzip and two SHA-256 hashers straight to disk,
 * giving the layer digest and the uncompressed {@code diff_id} in one pass with bounded memory.
 */
public final class OciLayoutWriter {
  /** The {@code org.opencontainers.image.ref.name} under which the fixtures tag their image. */
  public static final String REF_NAME = "image";

  static final ObjectMapper JSON = new ObjectMapper();

  /** An OS/architecture pair, as in an index's {@code platform} and an image config. */
  public record PlatformSpec(String os, String architecture, @Nullable String variant) {
    public static final PlatformSpec LINUX_AMD64 = new PlatformSpec("linux", "amd64", null);
    public static final PlatformSpec LINUX_ARM64 = new PlatformSpec("linux", "arm64", "v8");

    ObjectNode toJson() {
      ObjectNode node = JSON.createObjectNode().put("architecture", architecture).put("os", os);
      if (variant != null) {
        node.put("variant", variant);
      }
      return node;
    }
  }

  /** A layer as written: its blob descriptor and the digest of its uncompressed tar. */
  public record Layer(Descriptor descriptor, String diffId) {}

  /** Writes the entries of one layer's tar. */
  @FunctionalInterface
  interface TarBody {
    void write(TarWriter tar) throws IOException;
  }

  private final Path dir;

  private OciLayoutWriter(Path dir) {
    this.dir = dir;
  }

  /** Creates the layout skeleton in {@code dir}, which may exist and should be empty. */
  public static OciLayoutWriter create(Path dir) {
    try {
      Files.createDirectories(dir.resolve("blobs/sha256"));
      Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new OciLayoutWriter(dir);
  }

  /** Stores {@code bytes} as a blob and describes it. */
  Descriptor writeBlob(String mediaType, byte[] bytes) {
    String digest = HashingOutputStream.sha256(bytes);
    try {
      Path target = blobPath(digest);
      if (!Files.exists(target)) {
        Files.write(target, bytes);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Descriptor(mediaType, digest, bytes.length);
  }

  /**
   * Streams a tar through gzip into a blob, hashing both sides.
   *
   * @param gzipLevel {@link java.util.zip.Deflater} level; {@code NO_COMPRESSION} (stored blocks)
   *     for incompressible content
   */
  Layer writeGzipLayer(int gzipLevel, TarBody body) {
    return gzipLayer(
        gzipLevel,
        uncompressed -> {
          TarWriter tar = new TarWriter(uncompressed);
          body.write(tar);
          tar.finish();
        });
  }

  /**
   * Stores an existing uncompressed tar (a root filesystem, say) as a gzip'd layer, streamed: a
   * large tar is never held in memory. Registries' clients expect compressed layers (Jib refuses an
   * uncompressed one: "No Compressor found for the stream signature").
   */
  public Layer writeTarLayer(InputStream tar) {
    return gzipLayer(java.util.zip.Deflater.BEST_SPEED, tar::transferTo);
  }

  /** Writes the uncompressed layer bytes {@code content} produces. */
  @FunctionalInterface
  private interface LayerContent {
    void writeTo(OutputStream uncompressed) throws IOException;
  }

  /** Gzips {@code content} into a blob, giving its digest and the uncompressed {@code diff_id}. */
  private Layer gzipLayer(int gzipLevel, LayerContent content) {
    Path tmp = dir.resolve("tmp-" + UUID.randomUUID());
    try {
      HashingOutputStream compressed;
      HashingOutputStream uncompressed;
      try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
        compressed = new HashingOutputStream(file);
        // Closing the gzip stream writes its trailer and frees the native deflater.
        try (GZIPOutputStream gzip = new LeveledGzip(compressed, gzipLevel)) {
          uncompressed = new HashingOutputStream(gzip);
          content.writeTo(uncompressed);
        }
      }
      String digest = compressed.digest();
      Files.move(tmp, blobPath(digest), StandardCopyOption.REPLACE_EXISTING);
      return new Layer(
          new Descriptor(E2eMediaTypes.OCI_LAYER_GZIP, digest, compressed.count()),
          uncompressed.digest());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // moved, or the staging directory is deleted as a whole on failure
      }
    }
  }

  /**
   * Writes an image config and manifest for {@code layers} and returns the manifest descriptor.
   *
   * @param labels go to {@code config.Labels}; they make otherwise equal configs distinct
   */
  public Descriptor writeImage(
      PlatformSpec platform, List<Layer> layers, Map<String, String> labels) {
    ObjectNode config = JSON.createObjectNode();
    config.put("created", "2023-11-14T22:13:20Z");
    config.put("architecture", platform.architecture());
    config.put("os", platform.os());
    if (platform.variant() != null) {
      config.put("variant", platform.variant());
    }
    ObjectNode runtime = config.putObject("config");
    runtime
        .putArray("Env")
        .add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    runtime.putArray("Cmd").add("/bin/sh");
    ObjectNode labelNode = runtime.putObject("Labels");
    // Sorted: Map.of iterates in a per-JVM random order, which would change the digest.
    new TreeMap<>(labels).forEach(labelNode::put);
    ObjectNode rootfs = config.putObject("rootfs").put("type", "layers");
    ArrayNode diffIds = rootfs.putArray("diff_ids");
    ArrayNode history = config.putArray("history");
    for (int i = 0; i < layers.size(); i++) {
      diffIds.add(layers.get(i).diffId());
      history
          .addObject()
          .put("created", "2023-11-14T22:13:20Z")
          .put("created_by", "berth e2e TestImages layer " + i);
    }
    Descriptor configBlob = writeBlob(E2eMediaTypes.OCI_CONFIG, bytes(config));

    ObjectNode manifest = JSON.createObjectNode();
    manifest.put("schemaVersion", 2);
    manifest.put("mediaType", E2eMediaTypes.OCI_MANIFEST);
    manifest.set("config", descriptorJson(configBlob));
    ArrayNode layerArray = manifest.putArray("layers");
    for (Layer layer : layers) {
      layerArray.add(descriptorJson(layer.descriptor()));
    }
    return writeBlob(E2eMediaTypes.OCI_MANIFEST, bytes(manifest));
  }

  /** Writes an image index over platform manifests and returns its descriptor. */
  public Descriptor writeIndex(Map<PlatformSpec, Descriptor> manifests) {
    ObjectNode index = JSON.createObjectNode();
    index.put("schemaVersion", 2);
    index.put("mediaType", E2eMediaTypes.OCI_INDEX);
    ArrayNode array = index.putArray("manifests");
    manifests.forEach(
        (platform, manifest) ->
            array.add(descriptorJson(manifest).set("platform", platform.toJson())));
    return writeBlob(E2eMediaTypes.OCI_INDEX, bytes(index));
  }

  /** Writes {@code index.json} naming {@code top} as {@value #REF_NAME}. */
  public void tag(Descriptor top) {
    ObjectNode index = JSON.createObjectNode();
    index.put("schemaVersion", 2);
    ObjectNode entry = descriptorJson(top);
    entry.putObject("annotations").put("org.opencontainers.image.ref.name", REF_NAME);
    index.putArray("manifests").add(entry);
    try {
      Files.write(dir.resolve("index.json"), bytes(index));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Path blobPath(String digest) {
    return dir.resolve("blobs/sha256").resolve(digest.substring("sha256:".length()));
  }

  private static ObjectNode descriptorJson(Descriptor d) {
    return JSON.createObjectNode()
        .put("mediaType", d.mediaType())
        .put("digest", d.digest())
        .put("size", d.size());
  }

  private static byte[] bytes(ObjectNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@link GZIPOutputStream} with a chosen deflate level (its header has mtime 0, OS 0). */
  private static final class LeveledGzip extends GZIPOutputStream {
    LeveledGzip(OutputStream out, int level) throws IOException {
      super(out, 1 << 16);
      def.setLevel(level);
    }
  }
}
