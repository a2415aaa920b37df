package dev.berth.storage.eviction;

import dev.berth.storage.BlobInfo;
import dev.berth.storage.BlobStore;
import dev.berth.storage.Digest;
import dev.berth.storage.Link;
import dev.berth.storage.LinkStore;
import dev.berth.storage.ManifestInfo;
import dev.berth.storage.ManifestStore;
import dev.berth.storage.Pin;
import dev.berth.storage.TagStore;
import dev.berth.storage.TaggedManifest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A snapshot of what the cache holds and how it hangs together: blobs, manifests and what each
 * manifest references, tag resolutions and links. Eviction, purges and the cache listing all decide
 * from one of these. Taken by scanning the stores (every manifest is parsed once), so it costs
 * about a millisecond per thousand manifests: built per eviction run, never per request.
 */
final class ContentGraph {
  private static final Logger log = LoggerFactory.getLogger(ContentGraph.class);

  final Map<Digest, BlobInfo> blobs = new HashMap<>();
  final Map<Digest, ManifestInfo> manifests = new HashMap<>();
  final Map<Digest, List<Digest>> references = new HashMap<>();
  final Map<Digest, List<Digest>> referencedBy = new HashMap<>();
  final Map<Digest, List<TaggedManifest>> tagsByManifest = new HashMap<>();
  final List<TaggedManifest> tags = new ArrayList<>();
  final List<Link> links = new ArrayList<>();

  static ContentGraph scan(
      BlobStore blobStore,
      ManifestStore manifestStore,
      TagStore tagStore,
      LinkStore linkStore,
      Function<byte[], List<Digest>> referencesOf) {
    ContentGraph g = new ContentGraph();
    blobStore.forEach(b -> g.blobs.put(b.digest(), b));
    manifestStore.forEachInfo(m -> g.manifests.put(m.digest(), m));
    manifestStore.forEach(
        m -> {
          List<Digest> refs = referencesOf.apply(m.bytes());
          g.references.put(m.digest(), refs);
          for (Digest ref : refs) {
            g.referencedBy.computeIfAbsent(ref, k -> new ArrayList<>()).add(m.digest());
          }
        });
    tagStore.forEach(
        t -> {
          g.tags.add(t);
          g.tagsByManifest.computeIfAbsent(t.resolution().digest(), k -> new ArrayList<>()).add(t);
        });
    linkStore.forEach(g.links::add);
    return g;
  }

  boolean isStored(Digest digest) {
    return blobs.containsKey(digest) || manifests.containsKey(digest);
  }

  long sizeOf(Digest digest) {
    BlobInfo b = blobs.get(digest);
    if (b != null) {
      return b.size();
    }
    ManifestInfo m = manifests.get(digest);
    return m == null ? 0 : m.size();
  }

  /**
   * {@code roots} and everything they reference, transitively (an index's children, their blobs).
   */
  Set<Digest> closure(Collection<Digest> roots) {
    Set<Digest> seen = new HashSet<>();
    Deque<Digest> todo = new ArrayDeque<>(roots);
    while (!todo.isEmpty()) {
      Digest d = todo.poll();
      if (seen.add(d)) {
        todo.addAll(references.getOrDefault(d, List.of()));
      }
    }
    return seen;
  }

  /** The manifest a pin names now (a tag's current resolution), if any. */
  java.util.Optional<Digest> resolve(Pin pin) {
    if (pin.reference().indexOf(':') >= 0) {
      try {
        return java.util.Optional.of(Digest.parse(pin.reference()));
      } catch (RuntimeException e) {
        // Pins are validated when made, so this is a store written by something else: the pin
        // protects nothing, which the operator must hear of rather than find out by eviction.
        log.warn(
            "pin {}/{}@{} names no valid digest and protects nothing: {}",
            pin.upstream(),
            pin.repository(),
            pin.reference(),
            e.getMessage());
        return java.util.Optional.empty();
      }
    }
    return tags.stream()
        .filter(
            t ->
                t.upstream().equals(pin.upstream())
                    && t.repository().equals(pin.repository())
                    && t.tag().equals(pin.reference()))
        .map(t -> t.resolution().digest())
        .findFirst();
  }

  /** Links grouped by repository ({@code upstream/repository}), in store order. */
  Map<String, List<Link>> linksByRepository() {
    Map<String, List<Link>> byRepo = new LinkedHashMap<>();
    for (Link l : links) {
      byRepo.computeIfAbsent(l.upstream() + "/" + l.repository(), k -> new ArrayList<>()).add(l);
    }
    return byRepo;
  }
}
