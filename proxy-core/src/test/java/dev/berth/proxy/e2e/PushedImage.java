package dev.berth.proxy.e2e;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What {@link TestImages} pushed, with every digest a client should end up with.
 *
 * <p>Why: e2e assertions compare what a real client pulled through berth (digest, blobs, sizes)
 * with what the upstream holds. The values come from the pushed OCI layout, and the push itself
 * verified that the registry reports the same top-level digest.
 *
 * @param registry {@code host:port} pushed to
 * @param repository for example {@code e2e/small}
 * @param tag the tag pushed
 * @param manifest the top-level manifest: an OCI index for multi-arch images, else the image
 *     manifest
 * @param platforms one entry per image; a single-platform image has one
 * @param layout the OCI layout directory the image was pushed from
 */
public record PushedImage(
    String registry,
    String repository,
    String tag,
    Descriptor manifest,
    List<Platform> platforms,
    Path layout) {

  /**
   * One platform's image.
   *
   * @param variant for example {@code v8} for arm64, else null
   * @param manifest the image manifest
   * @param config the config blob
   * @param layers the layer blobs, base first
   */
  public record Platform(
      String os,
      String architecture,
      @Nullable String variant,
      Descriptor manifest,
      Descriptor config,
      List<Descriptor> layers) {

    public Platform {
      layers = List.copyOf(layers);
    }

    /** {@code os/architecture[/variant]}, for example {@code linux/arm64/v8}. */
    public String name() {
      return os + "/" + architecture + (variant == null ? "" : "/" + variant);
    }

    /** The config blob first, then the layers: every blob a pull of this platform fetches. */
    public List<Descriptor> blobs() {
      List<Descriptor> blobs = new ArrayList<>();
      blobs.add(config);
      blobs.addAll(layers);
      return blobs;
    }
  }

  public PushedImage {
    platforms = List.copyOf(platforms);
  }

  /** The top-level manifest digest ({@code sha256:...}). */
  public String digest() {
    return manifest.digest();
  }

  /** The top-level manifest media type. */
  public String mediaType() {
    return manifest.mediaType();
  }

  /** True when the top-level manifest is an index. */
  public boolean isIndex() {
    return E2eMediaTypes.isIndex(manifest.mediaType());
  }

  /** {@code registry/repository:tag}. */
  public String reference() {
    return registry + "/" + repository + ":" + tag;
  }

  /** {@code registry/repository@digest}. */
  public String digestReference() {
    return registry + "/" + repository + "@" + digest();
  }

  /**
   * The image for a platform.
   *
   * @param name {@code os/architecture} or {@code os/architecture/variant}, e.g. {@code
   *     linux/arm64}
   * @throws IllegalArgumentException when the image has no such platform
   */
  public Platform platform(String name) {
    for (Platform p : platforms) {
      if (p.name().equals(name) || (p.os() + "/" + p.architecture()).equals(name)) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "no platform " + name + " in " + reference() + "; have " + platforms);
  }

  /** The same image under another reference, e.g. as seen through a proxy's host:port. */
  public PushedImage as(String registry, String repository, String tag) {
    return new PushedImage(registry, repository, tag, manifest, platforms, layout);
  }

  /** Every manifest digest: the top level and, for an index, each child. */
  public Set<String> manifestDigests() {
    Set<String> digests = new LinkedHashSet<>();
    digests.add(digest());
    platforms.forEach(p -> digests.add(p.manifest().digest()));
    return digests;
  }

  /** Every config and layer blob digest of every platform. */
  public Set<String> blobDigests() {
    Set<String> digests = new LinkedHashSet<>();
    platforms.forEach(p -> p.blobs().forEach(b -> digests.add(b.digest())));
    return digests;
  }
}
