package dev.berth.storage.eviction;

import dev.berth.storage.BlobStore;
import dev.berth.storage.Digest;
import dev.berth.storage.Link;
import dev.berth.storage.LinkStore;
import dev.berth.storage.ManifestStore;
import dev.berth.storage.Pin;
import dev.berth.storage.TagStore;
import dev.berth.storage.TaggedManifest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * One run of the {@link CacheCollector} over a scanned {@link ContentGraph}: what it keeps (the
 * pinned content), what it removes and what goes with it by the collector's rules, and the counts
 * for its report. Used by one thread, under the collector's one-run lock.
 */
final class CollectionRun {
  private final BlobStore blobs;
  private final ManifestStore manifests;
  private final TagStore tags;
  private final LinkStore links;
  private final RemovalListener listener;
  private final LongSupplier storedBytes;
  final ContentGraph graph;
  final Set<Digest> kept;
  private final Set<Pin> pins;
  final Set<Digest> removed = new HashSet<>();
  final List<Digest> inUse = new ArrayList<>();
  final List<String> pinned = new ArrayList<>();
  long blobsRemoved;
  long blobBytes;
  long manifestsRemoved;
  long manifestBytes;
  long tagsRemoved;
  long linksRemoved;

  /**
   * @param graph the content scanned for this run, or null for a run that removes nothing
   * @param pins every pin, as {@link CacheCollector#pins} gives them
   * @param storedBytes the stored bytes after the run, for its report
   */
  CollectionRun(
      @Nullable ContentGraph graph,
      List<Pin> pins,
      BlobStore blobs,
      ManifestStore manifests,
      TagStore tags,
      LinkStore links,
      RemovalListener listener,
      LongSupplier storedBytes) {
    this.blobs = blobs;
    this.manifests = manifests;
    this.tags = tags;
    this.links = links;
    this.listener = listener;
    this.storedBytes = storedBytes;
    this.pins = new HashSet<>(pins);
    this.graph = graph == null ? new ContentGraph() : graph;
    this.kept = graph == null ? Set.of() : CacheCollector.pinnedContent(graph, this.pins);
  }

  boolean purgeContent(Digest digest) {
    if (!graph.isStored(digest)) {
      return false;
    }
    if (kept.contains(digest)) {
      pinned.add(digest.toString());
      return true;
    }
    remove(digest);
    return true;
  }

  /** Purges one tag, or every tag of the repository when {@code onlyTag} is null. */
  boolean purgeTags(String upstream, String repository, @Nullable String onlyTag) {
    List<TaggedManifest> purged = new ArrayList<>();
    for (TaggedManifest t : graph.tags) {
      if (t.upstream().equals(upstream)
          && t.repository().equals(repository)
          && (onlyTag == null || t.tag().equals(onlyTag))) {
        purged.add(t);
      }
    }
    Set<Digest> linkedHere = new HashSet<>();
    Set<Digest> linkedElsewhere = new HashSet<>();
    for (Link l : graph.links) {
      boolean here = l.upstream().equals(upstream) && l.repository().equals(repository);
      (here ? linkedHere : linkedElsewhere).add(l.digest());
    }
    if (purged.isEmpty() && (onlyTag != null || linkedHere.isEmpty())) {
      return false;
    }
    List<Digest> roots = new ArrayList<>();
    for (TaggedManifest t : purged) {
      if (isPinnedTag(t)) {
        pinned.add(new Pin(t.upstream(), t.repository(), t.tag()).toString());
        continue;
      }
      deleteTag(t);
      roots.add(t.resolution().digest());
    }
    if (onlyTag == null) {
      roots.addAll(linkedHere);
    }
    Set<Digest> candidates = graph.closure(roots);
    // Content something else still needs stays: what a manifest outside the purge references,
    // what another tag or repository holds, what a pin keeps.
    Set<Digest> needed = new HashSet<>(kept);
    needed.addAll(linkedElsewhere);
    List<Digest> otherRoots = new ArrayList<>();
    for (TaggedManifest t : graph.tags) {
      if (!purged.contains(t) || isPinnedTag(t)) {
        otherRoots.add(t.resolution().digest());
      }
    }
    needed.addAll(graph.closure(otherRoots)); // one walk for all of them
    for (Digest m : graph.manifests.keySet()) {
      if (!candidates.contains(m)) {
        needed.addAll(graph.references.getOrDefault(m, List.of()));
      }
    }
    for (Digest d : candidates) {
      if (!needed.contains(d) && graph.isStored(d)) {
        remove(d);
      }
    }
    return true;
  }

  /**
   * Removes {@code digest} and what cannot stay without it (see the rules in {@link
   * CacheCollector}).
   */
  void remove(Digest digest) {
    Deque<Digest> todo = new ArrayDeque<>();
    todo.add(digest);
    while (!todo.isEmpty()) {
      Digest d = todo.poll();
      if (removed.contains(d) || kept.contains(d)) {
        continue;
      }
      if (graph.blobs.containsKey(d)) {
        BlobStore.Eviction outcome = blobs.evict(d);
        if (outcome == BlobStore.Eviction.IN_USE) {
          inUse.add(d);
          continue;
        }
        removed.add(d);
        if (outcome == BlobStore.Eviction.EVICTED) {
          blobsRemoved++;
          blobBytes += graph.blobs.get(d).size();
        }
        // An image manifest missing this blob goes too.
        todo.addAll(graph.referencedBy.getOrDefault(d, List.of()));
      } else if (graph.manifests.containsKey(d)) {
        if (manifests.delete(d)) {
          manifestsRemoved++;
          manifestBytes += graph.manifests.get(d).size();
        }
        removed.add(d);
        listener.manifestRemoved(d);
        for (TaggedManifest t : graph.tagsByManifest.getOrDefault(d, List.of())) {
          if (!isPinnedTag(t)) {
            deleteTagIfStill(t, d);
          }
        }
        // An index (or referrer) goes once none of the manifests it references is left.
        for (Digest parent : graph.referencedBy.getOrDefault(d, List.of())) {
          if (!removed.contains(parent) && noManifestLeft(parent)) {
            todo.add(parent);
          }
        }
      }
    }
  }

  private boolean noManifestLeft(Digest parent) {
    for (Digest child : graph.references.getOrDefault(parent, List.of())) {
      if (graph.manifests.containsKey(child) && !removed.contains(child)) {
        return false;
      }
    }
    return true;
  }

  private void deleteTag(TaggedManifest t) {
    if (tags.delete(t.upstream(), t.repository(), t.tag())) {
      tagsRemoved++;
    }
    listener.tagRemoved(t.upstream(), t.repository(), t.tag());
  }

  /** Deletes a tag unless it was re-resolved to another manifest since the scan. */
  private void deleteTagIfStill(TaggedManifest t, Digest pointedAt) {
    var now = tags.get(t.upstream(), t.repository(), t.tag());
    if (now.isPresent() && now.get().digest().equals(pointedAt)) {
      deleteTag(t);
    }
  }

  void unlinkRemoved() {
    if (removed.isEmpty()) {
      return;
    }
    for (Link l : graph.links) {
      if (removed.contains(l.digest())) {
        links.unlink(l.upstream(), l.repository(), l.digest());
        linksRemoved++;
      }
    }
  }

  private boolean isPinnedTag(TaggedManifest t) {
    return pins.contains(new Pin(t.upstream(), t.repository(), t.tag()));
  }

  CollectionReport report() {
    return new CollectionReport(
        blobsRemoved,
        blobBytes,
        manifestsRemoved,
        manifestBytes,
        tagsRemoved,
        linksRemoved,
        inUse,
        pinned,
        storedBytes.getAsLong());
  }
}
