package dev.berth.storage.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.storage.AccessVerdict;
import dev.berth.storage.BlobWriter;
import dev.berth.storage.Digest;
import dev.berth.storage.DigestMismatchException;
import dev.berth.storage.Link;
import dev.berth.storage.ManifestInfo;
import dev.berth.storage.Pin;
import dev.berth.storage.Storage;
import dev.berth.storage.StoredManifest;
import dev.berth.storage.TagResolution;
import dev.berth.storage.TaggedManifest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The contract of the small stores (manifests, tags, links, pins, verdicts) and of {@link Storage}
 * as a whole, written once and run against every implementation, like {@link
 * BlobStoreConformanceTest} for blobs. What survives a restart is the RocksDB tests' business.
 */
public abstract class StorageConformanceTest {
  private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

  /** The storage under test, fresh for each test. */
  protected abstract Storage storage();

  /** The clock the storage reads. */
  protected abstract MutableClock clock();

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static Digest digestOf(int n) {
    return Digest.sha256Of(new byte[] {(byte) n});
  }

  @Test
  void manifests_roundTripBytesExactly_andDelete() {
    // Odd whitespace and key order: the store must never re-serialise.
    byte[] bytes = utf8("{ \"schemaVersion\":2,\n  \"mediaType\" : \"x\" }\n");
    Digest digest = Digest.sha256Of(bytes);

    StoredManifest put = storage().manifests().put(digest, OCI_MANIFEST, bytes);

    assertEquals(bytes.length, put.size());
    assertEquals(clock().instant(), put.stored());
    StoredManifest got = storage().manifests().get(digest).orElseThrow();
    assertArrayEquals(bytes, got.bytes());
    assertEquals(OCI_MANIFEST, got.mediaType());
    assertEquals(1, storage().manifests().count());
    assertEquals(bytes.length, storage().manifests().totalBytes());
    assertTrue(storage().manifests().delete(digest));
    assertTrue(storage().manifests().get(digest).isEmpty());
    assertFalse(storage().manifests().delete(digest));
    assertEquals(0, storage().manifests().totalBytes());
  }

  @Test
  void manifests_wrongDigest_rejectedAndNothingStored() {
    Digest other = Digest.sha256Of(utf8("[]"));
    DigestMismatchException e =
        assertThrows(
            DigestMismatchException.class,
            () -> storage().manifests().put(other, OCI_MANIFEST, utf8("{}")));
    assertEquals(other, e.expected());
    assertTrue(storage().manifests().get(other).isEmpty());
    assertEquals(0, storage().manifests().count());
  }

  @Test
  void manifests_accessTimesAreWrittenInBatches_andListedInDigestOrder() {
    List<Digest> digests = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      byte[] bytes = utf8("{\"n\":" + i + "}");
      digests.add(storage().manifests().put(Digest.sha256Of(bytes), OCI_MANIFEST, bytes).digest());
    }
    Instant stored = clock().instant();
    clock().advance(Duration.ofHours(2));
    storage().manifests().get(digests.get(0));
    storage().manifests().touch(digests.get(1));

    List<ManifestInfo> before = new ArrayList<>();
    storage().manifests().forEachInfo(before::add);
    assertEquals(
        digests.stream().sorted().toList(), before.stream().map(ManifestInfo::digest).toList());
    assertTrue(before.stream().allMatch(i -> i.lastAccess().equals(stored)), before.toString());

    storage().manifests().flushAccessTimes();

    List<ManifestInfo> after = new ArrayList<>();
    storage().manifests().forEachInfo(after::add);
    for (ManifestInfo info : after) {
      boolean accessed =
          info.digest().equals(digests.get(0)) || info.digest().equals(digests.get(1));
      assertEquals(accessed ? clock().instant() : stored, info.lastAccess(), info.toString());
      assertEquals(stored, info.stored());
    }
  }

  @Test
  void tags_perUpstreamAndRepository_inLexicalOrder() {
    Instant at = clock().instant();
    storage()
        .tags()
        .put("docker.io", "library/nginx", "latest", new TagResolution(digestOf(2), at));
    storage().tags().put("docker.io", "library/nginx", "1.25", new TagResolution(digestOf(1), at));
    storage()
        .tags()
        .put("docker.io", "library/nginx-extra", "x", new TagResolution(digestOf(2), at));
    storage().tags().put("ghcr.io", "library/nginx", "1.25", new TagResolution(digestOf(2), at));
    storage().tags().put("docker.io", "library/nginx", "1.25", new TagResolution(digestOf(3), at));

    assertEquals(
        new TagResolution(digestOf(3), at),
        storage().tags().get("docker.io", "library/nginx", "1.25").orElseThrow(),
        "a put replaces");
    assertEquals(
        digestOf(2),
        storage().tags().get("ghcr.io", "library/nginx", "1.25").orElseThrow().digest());
    assertTrue(storage().tags().get("docker.io", "library/nginx", "1.26").isEmpty());
    assertEquals(List.of("1.25", "latest"), storage().tags().tags("docker.io", "library/nginx"));
    List<String> all = new ArrayList<>();
    storage()
        .tags()
        .forEach(
            (TaggedManifest t) -> all.add(t.upstream() + "/" + t.repository() + ":" + t.tag()));
    assertEquals(
        List.of(
            "docker.io/library/nginx:1.25",
            "docker.io/library/nginx:latest",
            "docker.io/library/nginx-extra:x",
            "ghcr.io/library/nginx:1.25"),
        all);
    assertTrue(storage().tags().delete("docker.io", "library/nginx", "latest"));
    assertFalse(storage().tags().delete("docker.io", "library/nginx", "latest"));
    assertEquals(List.of("1.25"), storage().tags().tags("docker.io", "library/nginx"));
  }

  @Test
  void links_perUpstreamAndRepository_idempotent() {
    Digest d = digestOf(7);
    storage().links().link("ghcr.io", "team-a/app", d);
    storage().links().link("ghcr.io", "team-a/app", d);
    storage().links().link("docker.io", "library/busybox", digestOf(8));

    assertTrue(storage().links().isLinked("ghcr.io", "team-a/app", d));
    assertFalse(storage().links().isLinked("ghcr.io", "team-b/app", d));
    assertFalse(storage().links().isLinked("docker.io", "team-a/app", d));
    assertFalse(storage().links().isLinked("ghcr.io", "team-a/ap", d));
    assertTrue(storage().links().isLinkedOnUpstream("ghcr.io", d));
    assertFalse(storage().links().isLinkedOnUpstream("docker.io", d));
    List<Link> all = new ArrayList<>();
    storage().links().forEach(all::add);
    assertEquals(
        List.of(
            new Link("docker.io", "library/busybox", digestOf(8)),
            new Link("ghcr.io", "team-a/app", d)),
        all);

    storage().links().unlink("ghcr.io", "team-a/app", d);
    storage().links().unlink("ghcr.io", "team-a/app", d);
    assertFalse(storage().links().isLinked("ghcr.io", "team-a/app", d));
    assertFalse(storage().links().isLinkedOnUpstream("ghcr.io", d));
  }

  @Test
  void pins_addIdempotent_removeSaysWhetherThere() {
    Pin a = new Pin("docker.io", "library/nginx", "1.25");
    Pin b = new Pin("ghcr.io", "team/app", "sha256:" + "a".repeat(64));
    storage().pins().pin(b);
    storage().pins().pin(a);
    storage().pins().pin(a);

    assertEquals(2, storage().pins().pins().size());
    assertEquals(storage().pins().pins(), storage().pins().pins(), "a stable order");
    assertTrue(storage().pins().unpin(a));
    assertFalse(storage().pins().unpin(a));
    assertEquals(List.of(b), storage().pins().pins());
  }

  @Test
  void verdicts_perUpstreamRepositoryAndSubject_andExpireByCheckTime() {
    Instant now = clock().instant();
    storage().verdicts().put("reg.io", "team/app", "public", new AccessVerdict(false, now));
    storage().verdicts().put("reg.io", "team/app", "node", new AccessVerdict(true, now));
    storage()
        .verdicts()
        .put("reg.io", "old", "node", new AccessVerdict(true, now.minusSeconds(90_000)));

    assertEquals(
        new AccessVerdict(false, now),
        storage().verdicts().get("reg.io", "team/app", "public").orElseThrow());
    assertTrue(storage().verdicts().get("reg.io", "team/app", "node").orElseThrow().allowed());
    assertTrue(storage().verdicts().get("other.io", "team/app", "node").isEmpty());
    assertEquals(1, storage().verdicts().deleteCheckedBefore(now.minusSeconds(86_400)));
    assertTrue(storage().verdicts().get("reg.io", "old", "node").isEmpty());
    assertTrue(storage().verdicts().get("reg.io", "team/app", "node").isPresent());
  }

  @Test
  void verdicts_subjectKeyIs32StableBytes() {
    byte[] key = storage().verdicts().subjectKey();
    assertEquals(32, key.length);
    assertArrayEquals(key, storage().verdicts().subjectKey());
    assertFalse(java.util.Arrays.equals(new byte[32], key), "a random key, not zeros");
  }

  @Test
  void storedBytes_areBlobsPlusManifests_andTheStoreIsHealthy() {
    byte[] manifest = utf8("{}");
    storage().manifests().put(Digest.sha256Of(manifest), OCI_MANIFEST, manifest);
    byte[] blob = new byte[1000];
    try (BlobWriter writer = storage().blobs().beginWrite(Digest.sha256Of(blob), blob.length)) {
      writer.append(ByteBuffer.wrap(blob));
      writer.commit();
    }

    assertEquals(1002, storage().storedBytes());
    assertTrue(storage().health().ready(), storage().health().detail());
    assertTrue(storage().writeProblem().isEmpty(), storage().writeProblem().toString());
  }
}
