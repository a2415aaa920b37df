package dev.berth.proxy.transfer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.proxy.image.ImageReference;
import dev.berth.proxy.image.ManifestReferences;
import dev.berth.proxy.image.MediaTypes;
import dev.berth.proxy.layout.Descriptor;
import dev.berth.proxy.layout.OciLayoutWriter;
import dev.berth.proxy.prefetch.PlatformFilter;
import dev.berth.proxy.upstream.RoutedRepository;
import dev.berth.proxy.upstream.UpstreamRouter;
import dev.berth.storage.BlobInfo;
import dev.berth.storage.BlobRange;
import dev.berth.storage.BlobReader;
import dev.berth.storage.Digest;
import dev.berth.storage.InvalidDigestException;
import dev.berth.storage.Storage;
import dev.berth.storage.StoredManifest;
import dev.berth.storage.TagResolution;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes cached images into an OCI image layout. Each image is named in {@code index.json} by its
 * full reference ({@code org.opencontainers.image.ref.name} and containerd's {@code
 * io.containerd.image.name}), which is what {@code berth import} reads back. Manifests are written
 * byte for byte as cached, so every digest stays the same; an index keeps all its entries even when
 * only some platforms are cached (those are exported; the others are reported as missing). Blob
 * bytes are re-hashed on the way out. Blocking.
 */
public final class CacheExporter {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String CONTAINERD_NAME = "io.containerd.image.name";

  private final Storage storage;
  private final UpstreamRouter upstreams;
  private final TransferProgress progress;
  private long blobsDone;
  private long bytesDone;

  public CacheExporter(Storage storage, UpstreamRouter upstreams, TransferProgress progress) {
    this.storage = storage;
    this.upstreams = upstreams;
    this.progress = progress;
  }

  /**
   * What one image needs in the layout, worked out before anything is written.
   *
   * @param skippedPlatforms platforms of an index not in the cache (or not asked for)
   */
  public record Plan(
      String reference,
      StoredManifest top,
      List<StoredManifest> manifests,
      List<BlobInfo> blobs,
      List<String> platforms,
      List<String> skippedPlatforms) {
    public long bytes() {
      return blobs.stream().mapToLong(BlobInfo::size).sum();
    }
  }

  /**
   * Finds everything {@code image} needs in the cache.
   *
   * @throws TransferException naming what is not cached
   */
  public Plan plan(ImageReference image, PlatformFilter platforms) {
    RoutedRepository repo = upstreams.route(image.domain(), image.path());
    String upstream = repo.upstream().name();
    String repository = repo.repository().value();
    String name = upstream + "/" + repository;
    Digest digest;
    String reference;
    if (image.digest() != null) {
      digest = image.digest();
      reference = name + "@" + digest;
    } else {
      reference = name + ":" + image.tag();
      digest =
          storage
              .tags()
              .get(
                  upstream, repository, java.util.Objects.requireNonNullElse(image.tag(), "latest"))
              .map(TagResolution::digest)
              .orElseThrow(
                  () ->
                      new TransferException(
                          reference + " is not in the cache (pull or prefetch it first)"));
    }
    StoredManifest top = manifest(digest, reference);
    List<StoredManifest> manifests = new ArrayList<>();
    Map<Digest, BlobInfo> blobs = new LinkedHashMap<>();
    List<String> fetched = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    if (MediaTypes.INDEXES.contains(top.mediaType())) {
      for (JsonNode child : json(top).path("manifests")) {
        String platform = PlatformFilter.describe(child.get("platform"));
        Digest childDigest = digestOf(child, reference);
        var stored = storage.manifests().get(childDigest);
        if (!platforms.matches(child.get("platform")) || stored.isEmpty()) {
          if (stored.isEmpty() && !platforms.isAll() && platforms.matches(child.get("platform"))) {
            throw new TransferException(
                reference + ": platform " + platform + " is not in the cache");
          }
          skipped.add(platform);
          continue;
        }
        manifests.add(stored.get());
        addBlobs(stored.get(), reference, blobs);
        fetched.add(platform);
      }
      if (fetched.isEmpty()) {
        throw new TransferException(
            reference + ": no platform matching " + platforms + " is in the cache");
      }
    } else {
      addBlobs(top, reference, blobs);
      fetched.add("image");
    }
    return new Plan(reference, top, manifests, List.copyOf(blobs.values()), fetched, skipped);
  }

  /** Writes a planned image into {@code layout}. */
  public void write(Plan plan, OciLayoutWriter layout) throws IOException {
    for (BlobInfo blob : plan.blobs()) {
      if (!layout.hasBlob(blob.digest())) {
        BlobReader reader =
            storage
                .blobs()
                .openReader(blob.digest(), BlobRange.all())
                .orElseThrow(
                    () ->
                        new TransferException(
                            plan.reference() + ": blob " + blob.digest() + " left the cache"));
        try (InputStream in = new BlobInputStream(reader, blob.digest())) {
          layout.blob(blob.digest(), blob.size(), in);
        }
        progress.blobDone(++blobsDone, bytesDone += blob.size());
      }
    }
    for (StoredManifest m : plan.manifests()) {
      layout.blob(m.digest(), m.bytes());
    }
    layout.blob(plan.top().digest(), plan.top().bytes());
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(Descriptor.REF_NAME, plan.reference());
    annotations.put(CONTAINERD_NAME, plan.reference());
    layout.addToIndex(
        new Descriptor(
            plan.top().mediaType(), plan.top().digest(), plan.top().size(), annotations, null));
  }

  private void addBlobs(StoredManifest manifest, String reference, Map<Digest, BlobInfo> blobs) {
    JsonNode json = json(manifest);
    for (JsonNode d : ManifestReferences.blobDescriptors(json)) {
      Digest digest = digestOf(d, reference);
      BlobInfo info =
          storage
              .blobs()
              .stat(digest)
              .orElseThrow(
                  () ->
                      new TransferException(
                          reference
                              + ": blob "
                              + digest
                              + " is not in the cache (the image was not pulled whole;"
                              + " prefetch it)"));
      blobs.putIfAbsent(digest, info);
    }
  }

  private StoredManifest manifest(Digest digest, String reference) {
    return storage
        .manifests()
        .get(digest)
        .orElseThrow(
            () ->
                new TransferException(reference + ": manifest " + digest + " is not in the cache"));
  }

  static JsonNode json(StoredManifest manifest) {
    try {
      JsonNode node = JSON.readTree(manifest.bytes());
      if (node == null || !node.isObject()) {
        throw new IOException("not a JSON object");
      }
      return node;
    } catch (IOException e) {
      throw new TransferException("manifest " + manifest.digest() + " is not JSON: " + e, e);
    }
  }

  static Digest digestOf(JsonNode descriptor, String reference) {
    try {
      return Digest.parse(descriptor.path("digest").asText());
    } catch (InvalidDigestException e) {
      throw new TransferException(reference + ": a manifest holds a bad digest: " + e.getMessage());
    }
  }
}
