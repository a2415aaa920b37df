package dev.berth.storage.eviction;

import dev.berth.storage.BlobInfo;
import dev.berth.storage.BlobStore;
import dev.berth.storage.Digest;
import dev.berth.storage.Link;
import dev.berth.storage.LinkStore;
import dev.berth.storage.ManifestInfo;
import dev.berth.storage.ManifestStore;
import dev.berth.storage.Pin;
import dev.berth.storage.PinStore;
import dev.berth.storage.TagStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Removes content from the cache: least recently used first when it outgrows its cap, on an
 * operator's purge, and links nothing needs any more. One run at a time; blocking; never call it
 * from an event loop. Serving goes on meanwhile: readers hold leases, so a blob being read is never
 * removed under them (it is reported as in use and stays).
 *
 * <p>The rules (the README's "Bounded storage" section tells operators the same):
 *
 * <ul>
 *   <li>Blobs and manifests are evicted least recently used first, by the store's batched access
 *       times, until stored bytes are at or below the target.
 *   <li>A manifest never outlives content removed from under it: removing a blob removes every
 *       manifest that references it (an image with a missing layer could not be pulled from the
 *       cache, and a pull under policy {@code never} must fail at the manifest rather than halfway
 *       through the layers); removing a manifest removes an index or referrer once none of the
 *       manifests it references is stored any more.
 *   <li>Removing a manifest drops every tag resolution pointing at it, and removing anything drops
 *       its repository links. A manifest whose blobs were never fetched stays until it is itself
 *       least recently used: its blobs are fetched on demand like any miss.
 *   <li>Pinned images are never removed: a pin keeps its tag resolution, the manifest, the stored
 *       children of an index and all their blobs.
 * </ul>
 */
public final class CacheCollector {
  private final BlobStore blobs;
  private final ManifestStore manifests;
  private final TagStore tags;
  private final LinkStore links;
  private final PinStore storedPins;
  private final List<Pin> configuredPins;
  private final Function<byte[], List<Digest>> referencesOf;
  private final RemovalListener listener;
  private final ReentrantLock oneRun = new ReentrantLock();

  /**
   * @param configuredPins pins from the config file (run-time pins come from {@code storedPins})
   * @param referencesOf the digests a manifest's bytes reference (config, layers, children,
   *     subject); storage does not read manifest formats itself
   */
  public CacheCollector(
      BlobStore blobs,
      ManifestStore manifests,
      TagStore tags,
      LinkStore links,
      PinStore storedPins,
      List<Pin> configuredPins,
      Function<byte[], List<Digest>> referencesOf,
      RemovalListener listener) {
    this.blobs = blobs;
    this.manifests = manifests;
    this.tags = tags;
    this.links = links;
    this.storedPins = storedPins;
    this.configuredPins = List.copyOf(configuredPins);
    this.referencesOf = referencesOf;
    this.listener = listener;
  }

  /** Blob and manifest bytes stored now. */
  public long storedBytes() {
    return blobs.totalBytes() + manifests.totalBytes();
  }

  /**
   * Brings the stores' view up to date ({@link BlobStore#refresh}): on a bucket several replicas
   * share, {@link #cappedBytes} then counts what all of them stored. Blocking.
   */
  public void refresh() {
    blobs.refresh();
    manifests.refresh();
  }

  /**
   * What a size cap limits: stored bytes plus the chunks of blob writes in progress, which occupy
   * the disk before they commit (so eviction makes room for downloads under way).
   */
  public long cappedBytes() {
    return storedBytes() + blobs.writingBytes();
  }

  /** Pins from the config file and from the store, without duplicates. */
  public List<Pin> pins() {
    Set<Pin> all = new LinkedHashSet<>(configuredPins);
    all.addAll(storedPins.pins());
    return List.copyOf(all);
  }

  /**
   * Evicts least recently used content until {@link #cappedBytes} is at most {@code targetBytes}
   * (or nothing evictable is left).
   */
  public CollectionReport evictTo(long targetBytes) {
    oneRun.lock();
    try {
      if (cappedBytes() <= targetBytes) {
        return newRun(null).report();
      }
      blobs.flushAccessTimes();
      manifests.flushAccessTimes();
      CollectionRun run = newRun(scan());
      List<Candidate> candidates = new ArrayList<>();
      for (BlobInfo b : run.graph.blobs.values()) {
        candidates.add(new Candidate(b.digest(), b.lastAccess()));
      }
      for (ManifestInfo m : run.graph.manifests.values()) {
        candidates.add(new Candidate(m.digest(), m.lastAccess()));
      }
      candidates.sort(
          Comparator.comparing(Candidate::lastAccess).thenComparing(c -> c.digest().toString()));
      for (Candidate c : candidates) {
        if (cappedBytes() <= targetBytes) {
          break;
        }
        if (!run.kept.contains(c.digest())) {
          run.remove(c.digest());
        }
      }
      run.unlinkRemoved();
      return run.report();
    } finally {
      oneRun.unlock();
    }
  }

  /** Removes what {@code target} names (pinned content and blobs being read stay, reported). */
  public Optional<CollectionReport> purge(PurgeTarget target) {
    oneRun.lock();
    try {
      CollectionRun run = newRun(scan());
      boolean found;
      if (target instanceof PurgeTarget.Content c) {
        found = run.purgeContent(c.digest());
      } else if (target instanceof PurgeTarget.Tag t) {
        found = run.purgeTags(t.upstream(), t.repository(), t.tag());
      } else {
        PurgeTarget.Repository r = (PurgeTarget.Repository) target;
        found = run.purgeTags(r.upstream(), r.repository(), null);
      }
      if (!found) {
        return Optional.empty();
      }
      run.unlinkRemoved();
      return Optional.of(run.report());
    } finally {
      oneRun.unlock();
    }
  }

  /**
   * Removes links to content that is neither stored nor referenced by a stored manifest: what is
   * left of content removed by an older run or a crash, and of purged repositories.
   */
  public CollectionReport removeOrphanLinks() {
    oneRun.lock();
    try {
      CollectionRun run = newRun(scan());
      for (Link l : run.graph.links) {
        if (!run.graph.isStored(l.digest()) && !run.graph.referencedBy.containsKey(l.digest())) {
          links.unlink(l.upstream(), l.repository(), l.digest());
          run.linksRemoved++;
        }
      }
      return run.report();
    } finally {
      oneRun.unlock();
    }
  }

  /** A listing of the cache by repository, for the admin endpoint. */
  public CacheInventory inventory() {
    oneRun.lock();
    try {
      blobs.flushAccessTimes();
      manifests.flushAccessTimes();
      ContentGraph g = scan();
      List<Pin> pins = pins();
      return CacheInventory.of(g, pinnedContent(g, pins), pins, storedBytes());
    } finally {
      oneRun.unlock();
    }
  }

  private CollectionRun newRun(@Nullable ContentGraph graph) {
    return new CollectionRun(
        graph, pins(), blobs, manifests, tags, links, listener, this::storedBytes);
  }

  private ContentGraph scan() {
    return ContentGraph.scan(blobs, manifests, tags, links, referencesOf);
  }

  /** Every digest a pin keeps: the pinned manifests and everything they reference. */
  static Set<Digest> pinnedContent(ContentGraph g, java.util.Collection<Pin> pins) {
    List<Digest> roots = new ArrayList<>();
    for (Pin pin : pins) {
      g.resolve(pin).ifPresent(roots::add);
    }
    return g.closure(roots);
  }

  private record Candidate(Digest digest, Instant lastAccess) {}
}
