package dev.berth.proxy.pull;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.berth.storage.Digest;
import dev.berth.storage.StoredManifest;
import dev.berth.storage.TagResolution;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The hot part of the manifest metadata in memory, in front of RocksDB: tag resolutions, manifests
 * and which repository may read which manifest. A cached manifest request answered from here costs
 * no storage call and no hop to a worker thread, which is most of what a hit costs.
 *
 * <p>It only ever holds what storage holds, written by the same code right after storage: a tag
 * resolution as last stored, a manifest (immutable under its digest), a link known to exist. A miss
 * here falls back to storage. Whatever removes any of these from storage (eviction, purge) must
 * {@link #forget} them here too.
 */
final class ManifestMemory {
  /** Manifests are small (a few KiB) but an index can reach megabytes: bound by bytes. */
  private static final long MANIFEST_BYTES = 64L << 20;

  private static final int TAGS = 100_000;
  private static final int LINKED_MANIFESTS = 100_000;

  private record TagKey(String upstream, String repository, String tag) {}

  private record RepositoryKey(String upstream, String repository) {}

  private final Cache<TagKey, TagResolution> tags = Caffeine.newBuilder().maximumSize(TAGS).build();
  private final Cache<Digest, StoredManifest> manifests =
      Caffeine.newBuilder()
          .maximumWeight(MANIFEST_BYTES)
          .<Digest, StoredManifest>weigher((d, m) -> m.bytes().length + 128)
          .build();

  /** Per manifest, the repositories known to hold it: forgetting a manifest is one removal. */
  private final Cache<Digest, Set<RepositoryKey>> links =
      Caffeine.newBuilder().maximumSize(LINKED_MANIFESTS).build();

  Optional<TagResolution> tag(String upstream, String repository, String tag) {
    return Optional.ofNullable(tags.getIfPresent(new TagKey(upstream, repository, tag)));
  }

  void tagStored(String upstream, String repository, String tag, TagResolution resolution) {
    tags.put(new TagKey(upstream, repository, tag), resolution);
  }

  /** The manifest, when it is in memory and known to belong to the repository. */
  Optional<StoredManifest> linkedManifest(String upstream, String repository, Digest digest) {
    StoredManifest m = manifests.getIfPresent(digest);
    Set<RepositoryKey> holders = links.getIfPresent(digest);
    if (m == null
        || holders == null
        || !holders.contains(new RepositoryKey(upstream, repository))) {
      return Optional.empty();
    }
    return Optional.of(m);
  }

  void manifestStored(StoredManifest manifest) {
    manifests.put(manifest.digest(), manifest);
  }

  void linked(String upstream, String repository, Digest digest) {
    links
        .get(digest, d -> ConcurrentHashMap.newKeySet())
        .add(new RepositoryKey(upstream, repository));
  }

  /** Drops a manifest (and every link to it) that storage no longer holds. */
  void forget(Digest digest) {
    manifests.invalidate(digest);
    links.invalidate(digest);
  }

  /** Drops a tag resolution that storage no longer holds. */
  void forgetTag(String upstream, String repository, String tag) {
    tags.invalidate(new TagKey(upstream, repository, tag));
  }
}
