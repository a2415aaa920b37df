package dev.berth.storage.eviction;

import dev.berth.storage.BlobInfo;
import dev.berth.storage.Digest;
import dev.berth.storage.Link;
import dev.berth.storage.ManifestInfo;
import dev.berth.storage.Pin;
import dev.berth.storage.TaggedManifest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the cache holds, by repository: its tags, and the manifests and blobs linked to it, with
 * sizes, last access and whether a pin keeps them. Content shared by several repositories appears
 * under each. The admin endpoint renders this.
 *
 * @param storedBytes blob and manifest bytes stored
 * @param blobs blobs stored
 * @param manifests manifests stored
 * @param pins every pin (config file and run time)
 * @param repositories one entry per repository with tags or links, ordered by name
 */
public record CacheInventory(
    long storedBytes, long blobs, long manifests, List<Pin> pins, List<Repository> repositories) {

  /** One repository's share of the cache. */
  public record Repository(
      String upstream, String repository, List<Tag> tags, List<Content> content) {}

  /** A tag resolution; {@code stored} tells whether the manifest it names is in the cache. */
  public record Tag(
      String tag, Digest digest, Instant resolvedAt, boolean stored, boolean pinned) {}

  /**
   * A stored manifest or blob linked to the repository.
   *
   * @param mediaType a manifest's media type, null for a blob
   */
  public record Content(
      Digest digest,
      @org.jspecify.annotations.Nullable String mediaType,
      long size,
      Instant lastAccess,
      boolean pinned) {
    public boolean isManifest() {
      return mediaType != null;
    }
  }

  static CacheInventory of(ContentGraph g, Set<Digest> pinned, List<Pin> pins, long storedBytes) {
    Map<String, List<Tag>> tagsByRepo = new TreeMap<>();
    Map<String, String[]> names = new TreeMap<>();
    for (TaggedManifest t : g.tags) {
      String key = t.upstream() + "/" + t.repository();
      names.putIfAbsent(key, new String[] {t.upstream(), t.repository()});
      Digest d = t.resolution().digest();
      boolean pinnedTag = pins.contains(new Pin(t.upstream(), t.repository(), t.tag()));
      tagsByRepo
          .computeIfAbsent(key, k -> new ArrayList<>())
          .add(
              new Tag(
                  t.tag(), d, t.resolution().resolvedAt(), g.manifests.containsKey(d), pinnedTag));
    }
    Map<String, List<Content>> contentByRepo = new TreeMap<>();
    for (Map.Entry<String, List<Link>> e : g.linksByRepository().entrySet()) {
      Link first = e.getValue().get(0);
      names.putIfAbsent(e.getKey(), new String[] {first.upstream(), first.repository()});
      List<Content> content = new ArrayList<>();
      for (Link l : e.getValue()) {
        ManifestInfo m = g.manifests.get(l.digest());
        BlobInfo b = g.blobs.get(l.digest());
        if (m != null) {
          content.add(
              new Content(
                  m.digest(),
                  m.mediaType(),
                  m.size(),
                  m.lastAccess(),
                  pinned.contains(m.digest())));
        } else if (b != null) {
          content.add(
              new Content(b.digest(), null, b.size(), b.lastAccess(), pinned.contains(b.digest())));
        }
      }
      content.sort(
          Comparator.comparing((Content c) -> !c.isManifest())
              .thenComparing(c -> c.digest().toString()));
      contentByRepo.put(e.getKey(), content);
    }
    List<Repository> repositories = new ArrayList<>();
    for (Map.Entry<String, String[]> n : names.entrySet()) {
      List<Content> content = contentByRepo.getOrDefault(n.getKey(), List.of());
      List<Tag> tags = tagsByRepo.getOrDefault(n.getKey(), List.of());
      if (!content.isEmpty() || !tags.isEmpty()) {
        repositories.add(new Repository(n.getValue()[0], n.getValue()[1], tags, content));
      }
    }
    return new CacheInventory(
        storedBytes, g.blobs.size(), g.manifests.size(), pins, List.copyOf(repositories));
  }
}
