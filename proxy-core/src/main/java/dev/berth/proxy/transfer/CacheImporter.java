package dev.berth.proxy.transfer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.proxy.image.ImageReference;
import dev.berth.proxy.image.InvalidReferenceException;
import dev.berth.proxy.image.ManifestReferences;
import dev.berth.proxy.image.MediaTypes;
import dev.berth.proxy.layout.Descriptor;
import dev.berth.proxy.layout.OciLayoutReader;
import dev.berth.proxy.upstream.RoutedRepository;
import dev.berth.proxy.upstream.UnknownUpstreamException;
import dev.berth.proxy.upstream.UpstreamRouter;
import dev.berth.storage.BlobWriter;
import dev.berth.storage.Digest;
import dev.berth.storage.DigestMismatchException;
import dev.berth.storage.Pin;
import dev.berth.storage.Storage;
import dev.berth.storage.StoredManifest;
import dev.berth.storage.TagResolution;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Loads the images of an OCI image layout into the cache. Every manifest and blob is checked
 * against its digest before it is stored (a blob streams through the store's verifying writer, so a
 * damaged one is never committed); the tag resolution and the repository links are written too, so
 * that a node with no upstream can serve the images under pull policy {@code never}. The image's
 * name comes from its {@code index.json} entry: {@code io.containerd.image.name}, or an {@code
 * org.opencontainers.image.ref.name} holding a full reference, or {@code --name} plus the ref name
 * as tag. Blocking; the cache must not be open elsewhere.
 */
public final class CacheImporter {
  private static final long MAX_MANIFEST_BYTES = 4 << 20;
  private static final int COPY_BUFFER = 1 << 20;

  private final Storage storage;
  private final UpstreamRouter upstreams;
  private final Clock clock;
  private final TransferProgress progress;
  private final java.util.Set<Digest> counted = new java.util.HashSet<>();
  private long blobsDone;
  private long bytesDone;

  public CacheImporter(
      Storage storage, UpstreamRouter upstreams, Clock clock, TransferProgress progress) {
    this.storage = storage;
    this.upstreams = upstreams;
    this.clock = clock;
    this.progress = progress;
  }

  /**
   * One imported image.
   *
   * @param reference where it now lives in the cache ({@code docker.io/library/nginx:1.27})
   * @param platforms the image manifests stored (one for a single-platform image)
   * @param missingChildren index entries the layout does not hold (platforms left out at export)
   */
  public record Imported(
      String reference,
      Digest digest,
      int platforms,
      int missingChildren,
      long blobs,
      long bytes) {}

  /** The names the layout's entries will get, checked before anything is written. */
  public List<ImageReference> names(OciLayoutReader layout, @Nullable String name)
      throws IOException {
    List<ImageReference> names = new ArrayList<>();
    for (Descriptor entry : layout.index()) {
      names.add(nameOf(entry, name));
    }
    return names;
  }

  /** Blobs and bytes the layout's images reference and hold: {blobs, bytes}, for progress. */
  public long[] measure(OciLayoutReader layout) throws IOException {
    java.util.Map<Digest, Long> blobs = new java.util.HashMap<>();
    for (Descriptor entry : layout.index()) {
      measure(layout, entry.digest(), blobs);
    }
    return new long[] {blobs.size(), blobs.values().stream().mapToLong(Long::longValue).sum()};
  }

  private void measure(OciLayoutReader layout, Digest manifest, java.util.Map<Digest, Long> blobs)
      throws IOException {
    if (layout.blobSize(manifest).isEmpty()) {
      return;
    }
    byte[] bytes = layout.readSmallBlob(manifest, MAX_MANIFEST_BYTES);
    JsonNode json = CacheExporter.json(new StoredManifest(manifest, "", bytes, clock.instant()));
    for (JsonNode child : json.path("manifests")) {
      measure(layout, CacheExporter.digestOf(child, manifest.toString()), blobs);
    }
    for (JsonNode d : ManifestReferences.blobDescriptors(json)) {
      blobs.put(
          CacheExporter.digestOf(d, manifest.toString()), Math.max(0, d.path("size").asLong()));
    }
  }

  /** Imports one {@code index.json} entry under {@code image}. */
  public Imported importEntry(
      OciLayoutReader layout, Descriptor entry, ImageReference image, boolean pin)
      throws IOException {
    RoutedRepository repo = route(image);
    String upstream = repo.upstream().name();
    String repository = repo.repository().value();
    long blobsBefore = blobsDone;
    long bytesBefore = bytesDone;
    StoredManifest top =
        storeManifest(layout, entry.digest(), entry.mediaType(), upstream, repository);
    int platforms = 0;
    int missing = 0;
    if (MediaTypes.INDEXES.contains(top.mediaType())) {
      for (JsonNode child : CacheExporter.json(top).path("manifests")) {
        Digest childDigest = CacheExporter.digestOf(child, image.toString());
        if (layout.blobSize(childDigest).isEmpty()) {
          missing++;
          continue;
        }
        StoredManifest m =
            storeManifest(
                layout, childDigest, child.path("mediaType").asText(""), upstream, repository);
        storeBlobs(layout, m, image.toString(), upstream, repository);
        platforms++;
      }
      if (platforms == 0) {
        throw new TransferException(
            image + ": the layout holds none of the index's " + missing + " manifests");
      }
    } else {
      storeBlobs(layout, top, image.toString(), upstream, repository);
      platforms = 1;
    }
    String reference = upstream + "/" + repository;
    if (image.tag() != null && image.digest() == null) {
      storage
          .tags()
          .put(upstream, repository, image.tag(), new TagResolution(top.digest(), clock.instant()));
      reference += ":" + image.tag();
    } else {
      reference += "@" + top.digest();
    }
    if (pin) {
      storage
          .pins()
          .pin(
              new Pin(
                  upstream,
                  repository,
                  image.tag() != null && image.digest() == null
                      ? image.tag()
                      : top.digest().toString()));
    }
    return new Imported(
        reference,
        top.digest(),
        platforms,
        missing,
        blobsDone - blobsBefore,
        bytesDone - bytesBefore);
  }

  private RoutedRepository route(ImageReference image) {
    try {
      return upstreams.route(image.domain(), image.path());
    } catch (UnknownUpstreamException e) {
      throw new TransferException(
          image
              + ": "
              + e.getMessage()
              + "; add it (config upstreams, or --upstream NAME=URL; the URL need not be"
              + " reachable)",
          e);
    }
  }

  private ImageReference nameOf(Descriptor entry, @Nullable String name) {
    String containerd = entry.annotations().get(CacheExporter.CONTAINERD_NAME);
    Optional<String> refName = entry.refName();
    try {
      if (name != null) {
        ImageReference base = ImageReference.parseNormalized(name);
        if (base.tag() != null || base.digest() != null) {
          return ImageReference.parseDockerRef(name);
        }
        String tag = refName.filter(r -> r.matches("[\\w][\\w.-]{0,127}")).orElse(null);
        return tag == null
            ? new ImageReference(base.domain(), base.path(), null, entry.digest())
            : new ImageReference(base.domain(), base.path(), tag, null);
      }
      String full = containerd != null ? containerd : refName.orElse(null);
      if (full != null && (full.contains("/") || full.contains("@"))) {
        return ImageReference.parseDockerRef(full);
      }
    } catch (InvalidReferenceException e) {
      throw new TransferException(
          "index.json entry " + entry.digest() + ": bad image name: " + e.getMessage(), e);
    }
    throw new TransferException(
        "index.json entry "
            + entry.digest()
            + " has no image name"
            + refName.map(r -> " (its ref name is only '" + r + "')").orElse("")
            + ": pass --name, e.g. --name docker.io/library/nginx");
  }

  private StoredManifest storeManifest(
      OciLayoutReader layout, Digest digest, String mediaType, String upstream, String repository)
      throws IOException {
    byte[] bytes = layout.readSmallBlob(digest, MAX_MANIFEST_BYTES); // checked against the digest
    String type = mediaType;
    JsonNode declared = CacheExporter.json(new StoredManifest(digest, "", bytes, clock.instant()));
    if (declared.hasNonNull("mediaType")) {
      type = declared.get("mediaType").asText();
    }
    if (type.isEmpty()) {
      throw new TransferException("manifest " + digest + " names no media type");
    }
    StoredManifest stored = storage.manifests().put(digest, type, bytes);
    storage.links().link(upstream, repository, digest);
    return stored;
  }

  private void storeBlobs(
      OciLayoutReader layout,
      StoredManifest manifest,
      String image,
      String upstream,
      String repository)
      throws IOException {
    JsonNode json = CacheExporter.json(manifest);
    for (JsonNode d : ManifestReferences.blobDescriptors(json)) {
      Digest digest = CacheExporter.digestOf(d, image);
      long size = d.path("size").asLong(-1);
      if (storage.blobs().stat(digest).isEmpty()) {
        storeBlob(layout, digest, size, image);
      }
      storage.links().link(upstream, repository, digest);
      if (counted.add(digest)) { // a blob shared by several images counts once, as in measure()
        progress.blobDone(++blobsDone, bytesDone += Math.max(size, 0));
      }
    }
  }

  private void storeBlob(OciLayoutReader layout, Digest digest, long size, String image)
      throws IOException {
    if (layout.blobSize(digest).isEmpty()) {
      throw new TransferException(image + ": blob " + digest + " is not in the layout");
    }
    BlobWriter writer = storage.blobs().beginWrite(digest, size);
    try (InputStream in = layout.blob(digest)) {
      byte[] buffer = new byte[COPY_BUFFER];
      for (int n; (n = in.read(buffer)) > 0; ) {
        writer.append(ByteBuffer.wrap(buffer, 0, n));
      }
      writer.commit(); // hashes and checks the size: nothing damaged becomes visible
    } catch (DigestMismatchException e) {
      throw new TransferException(
          image + ": blob " + digest + " in the layout is damaged: " + e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      writer.abort(e);
      throw e;
    }
  }
}
