package dev.berth.proxy.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * An OCI image layout on disk, read back into descriptors.
 *
 * <p>Why: cached layouts (the 256 MiB one especially) must be reusable without rehashing, so the
 * descriptors are re-read from the small JSON files; and a layout a client wrote (skopeo to {@code
 * oci:}) can be compared with the pushed one the same way.
 *
 * @param dir the layout directory
 * @param manifest the top-level descriptor from {@code index.json}
 * @param platforms the images, one per platform
 */
public record ImageLayout(Path dir, Descriptor manifest, List<PushedImage.Platform> platforms) {

  public ImageLayout {
    platforms = List.copyOf(platforms);
  }

  /**
   * Reads the layout's entry tagged {@code refName} (or its only entry when {@code refName} is not
   * found and there is exactly one).
   */
  public static ImageLayout read(Path dir, String refName) {
    JsonNode index = json(dir.resolve("index.json"));
    JsonNode chosen = null;
    for (JsonNode entry : index.path("manifests")) {
      if (refName.equals(
          entry.path("annotations").path("org.opencontainers.image.ref.name").asText())) {
        chosen = entry;
      }
    }
    if (chosen == null && index.path("manifests").size() == 1) {
      chosen = index.path("manifests").get(0);
    }
    if (chosen == null) {
      throw new IllegalArgumentException("no manifest " + refName + " in " + dir + "/index.json");
    }
    Descriptor top = descriptor(chosen);
    List<PushedImage.Platform> platforms = new ArrayList<>();
    if (E2eMediaTypes.isIndex(top.mediaType())) {
      for (JsonNode child : json(blob(dir, top)).path("manifests")) {
        JsonNode p = child.path("platform");
        platforms.add(
            image(
                dir,
                descriptor(child),
                p.path("os").asText(),
                p.path("architecture").asText(),
                p.hasNonNull("variant") ? p.get("variant").asText() : null));
      }
    } else {
      platforms.add(image(dir, top, null, null, null));
    }
    return new ImageLayout(dir, top, platforms);
  }

  /** The blob file for a digest. */
  public Path blob(String digest) {
    return dir.resolve("blobs/sha256").resolve(digest.substring(digest.indexOf(':') + 1));
  }

  /** Describes this layout as pushed to {@code registry/repository:tag}. */
  PushedImage pushedAs(String registry, String repository, String tag) {
    return new PushedImage(registry, repository, tag, manifest, platforms, dir);
  }

  private static PushedImage.Platform image(
      Path dir,
      Descriptor manifest,
      @Nullable String os,
      @Nullable String arch,
      @Nullable String variant) {
    JsonNode body = json(blob(dir, manifest));
    Descriptor config = descriptor(body.path("config"));
    if (os == null || arch == null) {
      JsonNode c = json(blob(dir, config));
      os = c.path("os").asText();
      arch = c.path("architecture").asText();
      variant = c.hasNonNull("variant") ? c.get("variant").asText() : null;
    }
    List<Descriptor> layers = new ArrayList<>();
    for (JsonNode layer : body.path("layers")) {
      layers.add(descriptor(layer));
    }
    return new PushedImage.Platform(os, arch, variant, manifest, config, layers);
  }

  private static Path blob(Path dir, Descriptor d) {
    return dir.resolve("blobs/sha256").resolve(d.hex());
  }

  private static Descriptor descriptor(JsonNode node) {
    return new Descriptor(
        node.path("mediaType").asText(), node.path("digest").asText(), node.path("size").asLong());
  }

  private static JsonNode json(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return OciLayoutWriter.JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }
}
