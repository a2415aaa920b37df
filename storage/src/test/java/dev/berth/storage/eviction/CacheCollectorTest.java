package dev.berth.storage.eviction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.storage.BlobRange;
import dev.berth.storage.BlobReader;
import dev.berth.storage.BlobWriter;
import dev.berth.storage.Digest;
import dev.berth.storage.Pin;
import dev.berth.storage.StorageOptions;
import dev.berth.storage.TagResolution;
import dev.berth.storage.rocksdb.RocksStorage;
import dev.berth.storage.testing.MutableClock;
import dev.berth.storage.testing.TestContent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Eviction, pins and purges against a real RocksDB store: which content goes, which stays, and what
 * goes with it (manifests of removed blobs, tags of removed manifests, links).
 */
class CacheCollectorTest {
  private static final String UP = "docker.io";
  private static final String IMAGE = "application/vnd.oci.image.manifest.v1+json";
  private static final String INDEX = "application/vnd.oci.image.index.v1+json";
  private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private RocksStorage storage;
  private final List<String> removedEvents = new ArrayList<>();
  private long seed;

  @BeforeEach
  void open() {
    storage = RocksStorage.open(dir, StorageOptions.defaults().withClock(clock));
  }

  @AfterEach
  void close() {
    storage.close();
  }

  private CacheCollector collector(Pin... configured) {
    return new CacheCollector(
        storage.blobs(),
        storage.manifests(),
        storage.tags(),
        storage.links(),
        storage.pins(),
        List.of(configured),
        CacheCollectorTest::references,
        new RemovalListener() {
          @Override
          public void manifestRemoved(Digest digest) {
            removedEvents.add("manifest " + digest);
          }

          @Override
          public void tagRemoved(String upstream, String repository, String tag) {
            removedEvents.add("tag " + repository + ":" + tag);
          }
        });
  }

  /** Every sha256 digest in the manifest text: enough for these hand-made manifests. */
  static List<Digest> references(byte[] manifest) {
    List<Digest> refs = new ArrayList<>();
    Matcher m = DIGEST.matcher(new String(manifest, StandardCharsets.UTF_8));
    while (m.find()) {
      refs.add(Digest.parse(m.group()));
    }
    return refs;
  }

  private Digest blob(long size) {
    TestContent content = new TestContent(++seed, size);
    BlobWriter w = storage.blobs().beginWrite(content.digest(), size);
    w.append(ByteBuffer.wrap(content.all()));
    w.commit();
    return content.digest();
  }

  private Digest manifest(String mediaType, List<Digest> refs) {
    StringBuilder json = new StringBuilder("{\"mediaType\":\"" + mediaType + "\",\"refs\":[");
    for (int i = 0; i < refs.size(); i++) {
      json.append(i == 0 ? "" : ",").append('"').append(refs.get(i)).append('"');
    }
    byte[] bytes = json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    Digest d = Digest.sha256Of(bytes);
    storage.manifests().put(d, mediaType, bytes);
    return d;
  }

  /** An image of one repository: config + layers, a manifest, a tag and links, all accessed now. */
  private Image image(String repository, String tag, long... layerSizes) {
    List<Digest> refs = new ArrayList<>();
    refs.add(blob(100));
    for (long size : layerSizes) {
      refs.add(blob(size));
    }
    clock.advance(Duration.ofSeconds(1)); // as in a pull: the manifest is served after its blobs
    Digest m = manifest(IMAGE, refs);
    storage.tags().put(UP, repository, tag, new TagResolution(m, clock.instant()));
    storage.links().link(UP, repository, m);
    refs.forEach(r -> storage.links().link(UP, repository, r));
    return new Image(m, refs);
  }

  private record Image(Digest manifest, List<Digest> blobs) {}

  private void read(Digest blob) {
    try (BlobReader r = storage.blobs().openReader(blob, BlobRange.all()).orElseThrow()) {
      ByteBuffer buffer = ByteBuffer.allocate(r.chunkSize());
      while (r.readInto(buffer)) {
        buffer.clear();
      }
    }
  }

  private boolean stored(Digest d) {
    return storage.blobs().stat(d).isPresent() || storage.manifests().get(d).isPresent();
  }

  @Test
  void evictsLeastRecentlyUsedImageWithItsManifestTagAndLinks() {
    Image old = image("library/old", "1", 4000);
    clock.advance(Duration.ofMinutes(1));
    Image middle = image("library/middle", "1", 4000);
    clock.advance(Duration.ofMinutes(1));
    Image recent = image("library/recent", "1", 4000);
    clock.advance(Duration.ofMinutes(1));
    read(old.blobs().get(1)); // old's layer is now the most recent blob, but its config is not
    long total = storage.storedBytes();

    CollectionReport report = collector().evictTo(total - 1);

    // The oldest entry is old's config blob: it goes, and old's manifest goes with it (an image
    // missing a blob), its tag with the manifest. Nothing more was needed to get under the cap.
    assertFalse(stored(old.blobs().get(0)));
    assertFalse(stored(old.manifest()));
    assertTrue(storage.tags().get(UP, "library/old", "1").isEmpty());
    assertFalse(storage.links().isLinked(UP, "library/old", old.manifest()));
    assertTrue(stored(old.blobs().get(1)), "its recently read layer is evicted only when needed");
    for (Image kept : List.of(middle, recent)) {
      assertTrue(stored(kept.manifest()));
      kept.blobs().forEach(b -> assertTrue(stored(b)));
    }
    assertEquals(1, report.blobsRemoved());
    assertEquals(1, report.manifestsRemoved());
    assertEquals(1, report.tagsRemoved());
    assertEquals(
        List.of("manifest " + old.manifest(), "tag library/old:1"), removedEvents, "listener");
    assertTrue(report.storedBytesAfter() <= total - 1);
  }

  @Test
  void evictsUntilUnderTarget_inAccessOrder() {
    Image a = image("a", "1", 10_000);
    clock.advance(Duration.ofMinutes(1));
    Image b = image("b", "1", 10_000);
    clock.advance(Duration.ofMinutes(1));
    Image c = image("c", "1", 10_000);
    long perImage = storage.storedBytes() / 3;

    collector().evictTo(perImage + perImage / 2);

    assertFalse(stored(a.manifest()));
    a.blobs().forEach(d -> assertFalse(stored(d)));
    assertFalse(stored(b.manifest()));
    assertTrue(stored(c.manifest()));
    c.blobs().forEach(d -> assertTrue(stored(d)));
    assertTrue(storage.storedBytes() <= perImage + perImage / 2);
  }

  @Test
  void writeInProgress_countsAgainstTheTarget_evictionMakesRoomForIt() {
    Image a = image("a", "1", 100_000);
    clock.advance(Duration.ofMinutes(1));
    Image b = image("b", "1", 100_000);
    long stored = storage.storedBytes();
    TestContent downloading = new TestContent(999, 3L << 20);
    try (BlobWriter writer = storage.blobs().beginWrite(downloading.digest(), downloading.size())) {
      // Two full 1 MiB chunks are stored; the rest of the append sits in the writer's buffer.
      writer.append(ByteBuffer.wrap(downloading.all(), 0, (2 << 20) + 5));
      assertEquals(2L << 20, storage.blobs().writingBytes());

      // Stored content alone is under the target; with the download's chunks it is over.
      CollectionReport report = collector().evictTo(stored + (2L << 20) - 1);

      assertTrue(report.removedAnything(), "the download's chunks were not counted");
      assertFalse(stored(a.manifest()), "the least recent image makes room");
      assertTrue(stored(b.manifest()));
    }
    assertEquals(0, storage.blobs().writingBytes(), "an aborted write still counts");
  }

  @Test
  void underTheCap_nothingHappens() {
    image("a", "1", 1000);
    CollectionReport report = collector().evictTo(storage.storedBytes());
    assertFalse(report.removedAnything());
  }

  @Test
  void pinnedImagesStay_configuredOrStored() {
    Image a = image("a", "1", 10_000);
    clock.advance(Duration.ofMinutes(1));
    Image b = image("b", "1", 10_000);
    clock.advance(Duration.ofMinutes(1));
    Image c = image("c", "1", 10_000);
    storage.pins().pin(new Pin(UP, "b", b.manifest().toString()));

    CollectionReport report = collector(new Pin(UP, "a", "1")).evictTo(0);

    for (Image pinned : List.of(a, b)) {
      assertTrue(stored(pinned.manifest()));
      pinned.blobs().forEach(d -> assertTrue(stored(d)));
    }
    assertTrue(storage.tags().get(UP, "a", "1").isPresent(), "a pinned tag keeps its resolution");
    assertFalse(stored(c.manifest()));
    c.blobs().forEach(d -> assertFalse(stored(d)));
    assertEquals(c.blobs().size(), report.blobsRemoved());
  }

  @Test
  void pinnedIndexKeepsItsStoredChildrenAndTheirBlobs() {
    Image amd64 = image("multi", "amd64-only", 5000);
    Digest absentChild = Digest.sha256Of("not stored".getBytes(StandardCharsets.UTF_8));
    Digest index = manifest(INDEX, List.of(amd64.manifest(), absentChild));
    storage.tags().put(UP, "multi", "latest", new TagResolution(index, clock.instant()));
    clock.advance(Duration.ofMinutes(1));
    Image other = image("other", "1", 5000);

    collector(new Pin(UP, "multi", "latest")).evictTo(0);

    assertTrue(stored(index));
    assertTrue(stored(amd64.manifest()));
    amd64.blobs().forEach(d -> assertTrue(stored(d)));
    assertFalse(stored(other.manifest()));
  }

  @Test
  void indexGoesWithItsLastStoredChild() {
    Image amd64 = image("multi", "x", 5000);
    Digest index = manifest(INDEX, List.of(amd64.manifest()));
    storage.tags().put(UP, "multi", "latest", new TagResolution(index, clock.instant()));
    clock.advance(Duration.ofMinutes(1));
    storage.manifests().touch(index); // the index itself was used recently
    storage.manifests().touch(amd64.manifest());
    image("other", "1", 50_000);

    collector().evictTo(storage.storedBytes() - 1);

    // The child's config blob is the oldest entry: child manifest, then the index, then both tags.
    assertFalse(stored(amd64.manifest()));
    assertFalse(stored(index));
    assertTrue(storage.tags().get(UP, "multi", "latest").isEmpty());
    assertTrue(storage.tags().get(UP, "multi", "x").isEmpty());
  }

  @Test
  void blobWithAReader_isNotEvictedUnderIt_andGoesOnceClosed() {
    Image a = image("a", "1", 3 << 20);
    Digest layer = a.blobs().get(1);
    BlobReader reader = storage.blobs().openReader(layer, BlobRange.all()).orElseThrow();
    ByteBuffer chunk = ByteBuffer.allocate(reader.chunkSize());
    assertTrue(reader.readInto(chunk));
    assertEquals(1, storage.blobs().readers(layer));

    CollectionReport first = collector().evictTo(0);

    assertEquals(List.of(layer), first.inUse());
    assertTrue(stored(layer));
    assertFalse(stored(a.blobs().get(0)), "the config blob had no reader");
    assertFalse(stored(a.manifest()), "an image missing its config cannot stay");
    chunk.clear();
    while (reader.readInto(chunk)) { // the reader finishes undisturbed
      chunk.clear();
    }
    reader.close();
    assertEquals(0, storage.blobs().openReaders());

    CollectionReport second = collector().evictTo(0);
    assertTrue(second.inUse().isEmpty());
    assertFalse(stored(layer));
    assertEquals(1, second.blobsRemoved());
  }

  @Test
  void manifestAccessTimes_countForLru() {
    Digest onlyManifestA = manifest(IMAGE, List.of());
    clock.advance(Duration.ofMinutes(1));
    Digest onlyManifestB =
        manifest(IMAGE, List.of(Digest.sha256Of("x".getBytes(StandardCharsets.UTF_8))));
    clock.advance(Duration.ofMinutes(1));
    storage.manifests().touch(onlyManifestA); // served from memory: a is now the recent one

    collector().evictTo(storage.storedBytes() - 1);

    assertTrue(stored(onlyManifestA));
    assertFalse(stored(onlyManifestB));
    storage.manifests().flushAccessTimes();
    List<Instant> access = new ArrayList<>();
    storage.manifests().forEachInfo(m -> access.add(m.lastAccess()));
    assertEquals(List.of(clock.instant()), access);
  }

  @Test
  void purgeTag_keepsContentAnotherTagOrRepositoryNeeds() {
    Image a = image("app", "v1", 2000);
    storage.tags().put(UP, "app", "stable", new TagResolution(a.manifest(), clock.instant()));
    Image shared = image("base", "1", 2000);
    Digest sharedLayer = shared.blobs().get(1);
    storage.links().link(UP, "app", sharedLayer);

    CollectionReport one = collector().purge(new PurgeTarget.Tag(UP, "app", "v1")).orElseThrow();
    assertEquals(1, one.tagsRemoved());
    assertTrue(stored(a.manifest()), "still tagged app:stable");

    collector().purge(new PurgeTarget.Tag(UP, "app", "stable")).orElseThrow();
    assertFalse(stored(a.manifest()));
    a.blobs().forEach(d -> assertFalse(stored(d)));
    assertTrue(stored(sharedLayer), "linked to base too");
    assertTrue(stored(shared.manifest()));
    assertTrue(collector().purge(new PurgeTarget.Tag(UP, "app", "nope")).isEmpty());
  }

  @Test
  void purgeRepository_removesItsTagsContentAndLinks_notOthers() {
    Image a = image("app", "v1", 2000);
    Image b = image("app", "v2", 2000);
    Image other = image("other", "1", 2000);

    CollectionReport report =
        collector().purge(new PurgeTarget.Repository(UP, "app")).orElseThrow();

    for (Image gone : List.of(a, b)) {
      assertFalse(stored(gone.manifest()));
      gone.blobs().forEach(d -> assertFalse(stored(d)));
    }
    assertEquals(2, report.tagsRemoved());
    assertTrue(storage.tags().tags(UP, "app").isEmpty());
    assertFalse(storage.links().isLinked(UP, "app", a.blobs().get(1)));
    assertTrue(stored(other.manifest()));
    assertTrue(collector().purge(new PurgeTarget.Repository(UP, "app")).isEmpty());
  }

  @Test
  void purgeDigest_removesDependentsButNotPinned() {
    Image a = image("app", "v1", 2000);
    Image pinned = image("keep", "v1", 2000);
    CollectionReport report =
        collector().purge(new PurgeTarget.Content(a.blobs().get(1))).orElseThrow();
    assertFalse(stored(a.blobs().get(1)));
    assertFalse(stored(a.manifest()));
    assertTrue(stored(a.blobs().get(0)), "a purge removes what it names and what depends on it");
    assertEquals(1, report.manifestsRemoved());

    CollectionReport refused =
        collector(new Pin(UP, "keep", "v1"))
            .purge(new PurgeTarget.Content(pinned.manifest()))
            .orElseThrow();
    assertEquals(List.of(pinned.manifest().toString()), refused.pinned());
    assertTrue(stored(pinned.manifest()));
    Optional<CollectionReport> absent =
        collector().purge(new PurgeTarget.Content(Digest.sha256Of(new byte[] {1})));
    assertTrue(absent.isEmpty());
  }

  @Test
  void orphanLinks_areRemoved_referencedOnesKept() {
    Image a = image("app", "v1", 2000);
    Digest neverFetched = Digest.sha256Of("gone".getBytes(StandardCharsets.UTF_8));
    storage.links().link(UP, "app", neverFetched);

    CollectionReport report = collector().removeOrphanLinks();

    assertEquals(1, report.linksRemoved());
    assertFalse(storage.links().isLinked(UP, "app", neverFetched));
    assertTrue(storage.links().isLinked(UP, "app", a.blobs().get(1)));
  }

  @Test
  void inventoryListsRepositoriesTagsContentAndPins() {
    Image a = image("app", "v1", 2000);
    storage.pins().pin(new Pin(UP, "app", "v1"));
    CacheInventory inventory = collector().inventory();
    assertEquals(storage.storedBytes(), inventory.storedBytes());
    assertEquals(1, inventory.repositories().size());
    CacheInventory.Repository repo = inventory.repositories().get(0);
    assertEquals("app", repo.repository());
    assertEquals(a.manifest(), repo.tags().get(0).digest());
    assertTrue(repo.tags().get(0).pinned());
    assertEquals(a.manifest(), repo.content().get(0).digest(), "manifests first");
    assertEquals(3, repo.content().size());
    assertTrue(repo.content().stream().allMatch(CacheInventory.Content::pinned));
  }

  @Test
  void totalsCountManifestsAndSurviveReopen() {
    image("app", "v1", 2000);
    long before = storage.storedBytes();
    long manifests = storage.manifests().totalBytes();
    assertTrue(manifests > 0);
    storage.close();
    storage = RocksStorage.open(dir, StorageOptions.defaults().withClock(clock));
    assertEquals(before, storage.storedBytes());
    assertEquals(manifests, storage.manifests().totalBytes());
    assertEquals(1, storage.manifests().count());
  }

  @Test
  void compactReturnsEvictedSpaceToTheFileSystem() {
    for (int i = 0; i < 6; i++) {
      blob(8 << 20);
    }
    storage.compact();
    long full = storage.diskBytes();
    collector().evictTo(0);
    storage.compact();
    long after = storage.diskBytes();
    assertTrue(full > 40L << 20, "48 MiB stored: " + full);
    assertTrue(after < full / 4, "after eviction and compaction: " + after + " of " + full);
  }
}
