package dev.berth.storage.rocksdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.storage.BlobRange;
import dev.berth.storage.BlobWriter;
import dev.berth.storage.Digest;
import dev.berth.storage.DigestMismatchException;
import dev.berth.storage.StorageException;
import dev.berth.storage.StorageOptions;
import dev.berth.storage.StoredManifest;
import dev.berth.storage.TagResolution;
import dev.berth.storage.testing.TestContent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RocksStorageTest {
  private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

  @TempDir Path dir;

  @Test
  void manifests_roundTripBytesExactly() {
    // Odd whitespace and key order: the store must never re-serialise.
    byte[] bytes =
        "{ \"schemaVersion\":2,\n  \"mediaType\" : \"x\" }\n".getBytes(StandardCharsets.UTF_8);
    Digest digest = Digest.sha256Of(bytes);
    try (RocksStorage storage = RocksStorage.open(dir, StorageOptions.defaults())) {
      StoredManifest put = storage.manifests().put(digest, OCI_MANIFEST, bytes);
      assertEquals(bytes.length, put.size());
    }
    try (RocksStorage storage = RocksStorage.open(dir, StorageOptions.defaults())) {
      StoredManifest got = storage.manifests().get(digest).orElseThrow();
      assertArrayEquals(bytes, got.bytes());
      assertEquals(OCI_MANIFEST, got.mediaType());
      assertTrue(storage.manifests().delete(digest));
      assertTrue(storage.manifests().get(digest).isEmpty());
      assertFalse(storage.manifests().delete(digest));
    }
  }

  @Test
  void manifests_wrongDigest_rejected() {
    byte[] bytes = "{}".getBytes(StandardCharsets.UTF_8);
    Digest other = Digest.sha256Of("[]".getBytes(StandardCharsets.UTF_8));
    try (RocksStorage storage = RocksStorage.open(dir, StorageOptions.defaults())) {
      assertThrows(
          DigestMismatchException.class, () -> storage.manifests().put(other, OCI_MANIFEST, bytes));
      assertTrue(storage.manifests().get(other).isEmpty());
    }
  }

  @Test
  void tags_storeResolutionsPerUpstreamAndRepository() {
    Digest d1 = Digest.sha256Of(new byte[] {1});
    Digest d2 = Digest.sha256Of(new byte[] {2});
    Instant at = Instant.parse("2026-03-04T05:06:07Z");
    try (RocksStorage storage = RocksStorage.open(dir, StorageOptions.defaults())) {
      storage.tags().put("docker.io", "library/nginx", "1.25", new TagResolution(d1, at));
      storage.tags().put("docker.io", "library/nginx", "latest", new TagResolution(d2, at));
      storage.tags().put("docker.io", "library/nginx-extra", "x", new TagResolution(d2, at));
      storage.tags().put("ghcr.io", "library/nginx", "1.25", new TagResolution(d2, at));
    }
    try (RocksStorage storage = RocksStorage.open(dir, StorageOptions.defaults())) {
      assertEquals(
          new TagResolution(d1, at),
          storage.tags().get("docker.io", "library/nginx", "1.25").orElseThrow());
      assertEquals(
          d2, storage.tags().get("ghcr.io", "library/nginx", "1.25").orElseThrow().digest());
      assertEquals(List.of("1.25", "latest"), storage.tags().tags("docker.io", "library/nginx"));
      assertTrue(storage.tags().delete("docker.io", "library/nginx", "latest"));
      assertEquals(List.of("1.25"), storage.tags().tags("docker.io", "library/nginx"));
    }
  }

  @Test
  void links_arePerUpstreamAndRepository_andSurviveReopen() {
    Digest d = Digest.sha256Of(new byte[] {7});
    try (RocksStorage storage = RocksStorage.open(dir, StorageOptions.defaults())) {
      storage.links().link("ghcr.io", "team-a/app", d);
      storage.links().link("ghcr.io", "team-a/app", d);
    }
    try (RocksStorage storage = RocksStorage.open(dir, StorageOptions.defaults())) {
      assertTrue(storage.links().isLinked("ghcr.io", "team-a/app", d));
      assertFalse(storage.links().isLinked("ghcr.io", "team-b/app", d));
      assertFalse(storage.links().isLinked("docker.io", "team-a/app", d));
      assertFalse(storage.links().isLinked("ghcr.io", "team-a/ap", d));
    }
  }

  @Test
  void reopen_keepsBlobsAndTotals() {
    TestContent content = new TestContent(1, 3_000_000);
    try (RocksStorage storage = RocksStorage.open(dir, StorageOptions.defaults())) {
      try (BlobWriter w = storage.blobs().beginWrite(content.digest(), content.size())) {
        w.append(ByteBuffer.wrap(content.all()));
        w.commit();
      }
    }
    try (RocksStorage storage = RocksStorage.open(dir, StorageOptions.defaults())) {
      assertEquals(1, storage.blobs().count());
      assertEquals(content.size(), storage.blobs().totalBytes());
      var reader = storage.blobs().openReader(content.digest(), BlobRange.all()).orElseThrow();
      var verifier = content.digest().newVerifier();
      for (ByteBuffer b = reader.read(); b.hasRemaining(); b = reader.read()) {
        verifier.update(b);
      }
      assertTrue(verifier.verify());
    }
  }

  @Test
  void health_readyWhileOpen_notAfterClose() {
    RocksStorage storage = RocksStorage.open(dir, StorageOptions.defaults());
    assertTrue(storage.health().ready(), storage.health().detail());
    storage.close();
    storage.close();
    assertFalse(storage.health().ready());
  }

  @Test
  void open_secondTimeWhileLocked_failsNamingPath() {
    try (RocksStorage storage = RocksStorage.open(dir, StorageOptions.defaults())) {
      StorageException e =
          assertThrows(
              StorageException.class, () -> RocksStorage.open(dir, StorageOptions.defaults()));
      assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
    }
  }

  @Test
  void open_pathIsAFile_failsNamingPath() throws Exception {
    Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
    StorageException e =
        assertThrows(
            StorageException.class, () -> RocksStorage.open(file, StorageOptions.defaults()));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
  }
}
